"""Aggregation over DataStore tables: the ``issy_aggregate`` action and its
GET endpoint ``/api/issy/aggregate``, which the chart and map builders and
the visualisations read.

The DataStore's API cannot group rows, and ``datastore_search_sql`` runs any
SQL a visitor writes; this package accepts a small request instead (groups,
measures, filters, sort, top-N), checks each column against the table and
each operator against a fixed list (``request.py``), and builds the SQL
itself from bound parameters and quoted identifiers (``sql.py``, the only
module that reads the DataStore database directly). Results are cached in
Redis by the table's version and computations are rate-limited per client
(``cache.py``); ``action.py`` and ``endpoint.py`` are the two doors.
"""
