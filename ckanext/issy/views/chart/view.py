"""The ``issy_chart`` resource view: its description for CKAN and what its
two templates (the chart, and the fields of CKAN's view form) receive."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.chart import pages, schema


def info() -> dict[str, Any]:
    return {
        "name": pages.VIEW_TYPE,
        "title": tk._("Chart"),
        "default_title": tk._("Chart"),
        "icon": "chart-column",
        "iframed": False,  # drawn in the resource page itself, as the theme's other views
        "requires_datastore": True,
        "preview_enabled": False,
        "schema": schema.schema(),
    }


def can_view(data_dict: dict[str, Any]) -> bool:
    return pages.usable(data_dict["resource"])


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The chart of a saved view (or, in a new view's form, a first chart
    for the table), the table's columns and the choices of the form."""
    view = data_dict.get("resource_view") or {}
    resource = data_dict["resource"]
    table, problem = builder.read_for_view(pages.describe, resource, [])
    chart = pages.chart(view, resource["id"], table, title=view.get("title") or "", first_chart=True)
    if problem:
        chart = builder.unavailable(chart, problem)
    return {
        "chart": chart,
        "chart_columns": table,
        "chart_measures": builder.measure_options(table),
    }
