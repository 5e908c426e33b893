"""The city's theme (plugin ``issy_theme``): templates, assets, helpers and
the pages of the four sections and the legal pages (docs/theming.md)."""
