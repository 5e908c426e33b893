"""The harvesting core shared by every feed family: HTTP, reading, DataStore, base."""
