"""The ``issy_budget_view`` resource view: its description for CKAN, which
resources it can show (harvested budget tables) and what its template
receives (the report, the projects' map, the embed address)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.views import builder
from ckanext.issy.views.budget import document, page

VIEW_TYPE = "issy_budget_view"


def info() -> dict[str, Any]:
    return builder.report_view_info(VIEW_TYPE, tk._("Financial report"), _("Financial report"), "coins")


def can_view(data_dict: dict[str, Any]) -> bool:
    return document.is_budget(data_dict["resource"], data_dict["package"])


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    return page.variables(data_dict["resource"], tk.request.args.get("comparer", ""))
