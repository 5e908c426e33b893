"""Resource views: one package per view plugin (``chart/``: the ``issy_chart``
view, the chart builder of the Créer page and its embed page). The plugin
classes themselves are in ``ckanext/issy/plugins.py``."""
