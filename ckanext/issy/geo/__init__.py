"""What every map of the portal shares, served by the core ``issy`` plugin
so that the map builder and the visualisations use the same pieces:

- ``action.py`` and ``endpoint.py``: the bounded map data, points of a
  DataStore table (``issy_points``, ``GET /api/issy/points``) and the
  features of an uploaded GeoJSON file, joined to a table when asked
  (``issy_geojson``, ``GET /api/issy/geojson``); see docs/api.md;
- ``points.py``: a points request, checked against the table's columns
  (its SQL is in ``aggregate/sql.py``, the one module that reads tables);
- ``geojson.py``: an uploaded GeoJSON file read, checked, reduced and
  cached (the only place that calls CKAN's uploader);
- ``join.py``: a layer joined to a table through ``issy_aggregate``;
- ``basemap.py`` and ``tiles.py``: the base map city IT declares (tile URL,
  attribution, maximum zoom, the commune's outline) and the tile relay
  (``/carte/fond/<z>/<x>/<y>``); see docs/maps.md.
"""
