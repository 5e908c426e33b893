"""The ``issy_chart`` resource view: its description for CKAN and what its
two templates (the chart, and the fields of CKAN's view form) receive."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

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
    return tk.asbool(data_dict["resource"].get("datastore_active"))


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The chart of a saved view (or, in a new view's form, a first chart
    for the table), the table's columns and the choices of the form."""
    view = data_dict.get("resource_view") or {}
    resource_id = data_dict["resource"]["id"]
    try:
        table = pages.columns(resource_id)
        problem = ""
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError) as error:
        table = []
        problem = str(getattr(error, "message", "") or "") or tk._("This resource has no table of data to draw.")
    chart = pages.chart(view, resource_id, table, title=view.get("title") or "", first_chart=True)
    if problem:
        chart = pages.Chart(chart.config, {"resource_id": problem}, chart.title,
                            {**chart.spec, "ready": False, "notes": [],
                             "text": {**chart.spec["text"], "not_ready": problem}})
    return {
        "chart": chart,
        "chart_columns": table,
        "chart_measures": pages.measure_options(table),
    }
