"""The election results of a harvested election round (issue #26,
docs/api.md): the data the ``issy_elections_view`` resource view will
draw, served first as the action ``issy_elections`` and ``GET
/api/issy/elections``.

- ``document.py``: what makes a resource one of an election round's tables
  (the election harvester's ``election_id`` extra, the ``turnout`` and
  ``results`` tables of its dataset);
- ``figures.py``: the counts of each polling station and each candidate's
  votes in it, every one an aggregation through ``issy_aggregate``, kept in
  Redis by both tables' versions;
- ``results.py``: the city's totals, shares and turnout, each station's
  figures and leading candidate, one station beside the city;
- ``action.py``: the action ``issy_elections`` and its auth (who may read
  the table with ``datastore_search``);
- ``blueprint.py``: ``GET /api/issy/elections``.
"""
