"""The ``issy_map`` resource view: its description for CKAN and what its
two templates (the map, and the fields of CKAN's view form) receive."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.map import pages, schema


def info() -> dict[str, Any]:
    return {
        "name": pages.VIEW_TYPE,
        "title": tk._("Map"),
        "default_title": tk._("Map"),
        "icon": "map",
        "iframed": False,  # drawn in the resource page itself, as the chart
        "requires_datastore": False,  # an uploaded GeoJSON file needs no table
        "preview_enabled": False,
        "schema": schema.schema(),
    }


def can_view(data_dict: dict[str, Any]) -> bool:
    return pages.usable(data_dict["resource"])


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The map of a saved view (or, in a new view's form, a first map of the
    data) and the choices of the form."""
    view = data_dict.get("resource_view") or {}
    resource = data_dict["resource"]
    data, problem = builder.read_for_view(pages.describe, resource, pages.MapData(pages.POINTS, []))
    figure = pages.build(view, resource, data, title=view.get("title") or "", first_map=True)
    if problem:
        figure = builder.unavailable(figure, problem)
    return pages.form_variables(figure, data_dict.get("package") or {}, data, view)
