"""Harvesting: the shared core and one module per feed family."""
