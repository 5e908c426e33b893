"""The ``issy_budget_view`` resource view: the financial report of a
harvested budget table (issue #25, docs/views.md).

- ``document.py``: what makes a table a budget document (its SCDL columns,
  its dataset's extras) and which amount it holds (forecast or actual);
- ``nomenclature.py``: the function groups of the M14 and M57 plans of
  accounts, and which levels two documents share;
- ``report.py``: the report's figures, every one an aggregation of the
  table through ``issy_aggregate`` (key figures, "100 €", the trees);
- ``related.py``: the other budget documents of the same body and the
  capital expenditure projects of the same year (``package_search``);
- ``compare.py``: two documents side by side at the levels they share;
- ``action.py``: the action ``issy_budget`` and its auth (who may read
  the table with ``datastore_search``), cached by the table's version;
- ``blueprint.py``: ``GET /api/issy/budget`` and the embed page
  ``/rapport-financier/integrer``;
- ``view.py``, ``templates/``, ``assets/``: the view in the resource page.

The answer of ``issy_budget`` (amounts in euros, floats)::

    {"resource_id", "version",
     "document": {"stage", "year", "name", "siret", "nomenclature",
                  "amount": {"column": "BGT_MTPREV", "kind": "forecast"},
                  "functions": true},
     "population": 68000,
     "totals": {"expense": {"real", "order"}, "revenue": {"real", "order"}},
     "sections": [{"key": "fonctionnement", "expense": {"real", "order"},
                   "revenue": {"real", "order"}}, {"key": "investissement", ...}],
     "per_inhabitant": {"expense", "revenue"} or null,
     "hundred": {"by": "function" or "chapter",
                 "items": [{"code", "label", "amount", "euros"}]},
     "trees": [{"id", "title", "total", "children": [{"code", "name",
                "value", "children": [...]}]}],
     "candidates": [{"resource_id", "stage", "year", "label"}],
     "comparison": null or {"other": {...document}, "levels": [...],
                            "note", "sections": [...], "chapters": {...},
                            "function_groups": [...] or null, "left_out": [...]},
     "projects": null or {"resource_id", "package_name", "title", "total", "count"}}
"""
