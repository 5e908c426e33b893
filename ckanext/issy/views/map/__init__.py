"""The ``issy_map`` resource view and the map builder (issue #24), on the
same footing as the chart's (``views/chart/``; what both share is in
``views/configuration.py``, ``views/builder.py`` and ``views/view_schema.py``).

- ``config.py``: a map's configuration, read from a query string, a form
  or a saved view, checked against a table's columns or a GeoJSON file's
  properties, written back as a query string (the permalink);
- ``request.py``: a configuration as a request of the map data endpoints
  (``issy_points``, ``issy_geojson``: ``geo/``);
- ``schema.py``: the view's schema (CKAN validators) for the view form;
- ``pages.py``: what the Créer page, the embed page and the view need from
  CKAN (the resource, its columns or properties, the figure's specification);
- ``blueprint.py``: the embed page, the save form's POST and the JSON the
  builder asks for after each change;
- ``templates/``, ``assets/`` (``map.js`` draws every map).
"""
