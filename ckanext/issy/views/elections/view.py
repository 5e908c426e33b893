"""The ``issy_elections_view`` resource view: its description for CKAN,
which resources it can show (the tables of a harvested election round)
and what its template receives (``page.py``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.views import builder
from ckanext.issy.views.elections import document, page

VIEW_TYPE = "issy_elections_view"


def info() -> dict[str, Any]:
    return builder.report_view_info(VIEW_TYPE, tk._("Election results"), _("Election results"), "square-poll-vertical")


def can_view(data_dict: dict[str, Any]) -> bool:
    # The results table only: the round's two tables would show the same view.
    return document.is_election(data_dict["resource"], data_dict["package"], ("results",))


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    resource, package = data_dict["resource"], data_dict["package"]
    return page.shown(resource, package, tk.request.args.get(page.STATION_PARAMETER, ""),
                      key=(data_dict.get("resource_view") or {}).get("id") or "preview", level=2,
                      embed_url=page.embed_url(resource),
                      form_action=tk.url_for("resource.read", id=package["name"], resource_id=resource["id"]))
