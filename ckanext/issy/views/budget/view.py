"""The ``issy_budget_view`` resource view: its description for CKAN, which
resources it can show (harvested budget tables) and what its template
receives (the report, the projects' map, the embed address)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.views.budget import document, page

VIEW_TYPE = "issy_budget_view"


def info() -> dict[str, Any]:
    return {
        "name": VIEW_TYPE,
        "title": tk._("Financial report"),
        # The harvest creates the view outside any request: in the site's language.
        "default_title": _("Financial report"),
        "icon": "coins",
        "iframed": False,  # drawn in the resource page itself, as the theme's other views
        "requires_datastore": True,
        "preview_enabled": False,
    }


def can_view(data_dict: dict[str, Any]) -> bool:
    return document.is_budget(data_dict["resource"], data_dict["package"])


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    return page.variables(data_dict["resource"], tk.request.args.get("comparer", ""))
