"""The ``issy_chart`` resource view and the chart builder (issue #23).

- ``config.py``: a chart's configuration, read from a query string, a form
  or a saved view, checked, written back as a query string (the permalink);
- ``request.py``: a configuration as a request of the aggregation API
  (``issy_aggregate``);
- ``schema.py``: the view's schema (CKAN validators) for the view form;
- ``pages.py``: what the Créer page, the embed page and the view need from
  CKAN (the resource, its columns, the figure's specification);
- ``blueprint.py``: the embed page, the save form's POST and the JSON the
  builder asks for after each change;
- ``templates/``, ``assets/`` (``chart.js`` draws every chart with ECharts,
  ``builder.js`` drives the Créer page).
"""
