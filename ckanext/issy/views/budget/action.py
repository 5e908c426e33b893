"""The action ``issy_budget``: the financial report of a budget table,
compared with another document of the same body when asked (``compare``:
its resource id) or by default (``related.default_comparison``), and its
auth function: whoever may read the table with ``datastore_search``.

Each document's figures are kept in Redis by its table's version
(``figures.py``); the datasets around it (the other documents, the
projects) are searched on each call, so a new harvest shows at once."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate.action import client, issy_aggregate_auth, resource_id_of
from ckanext.issy.language import _
from ckanext.issy.views.budget import compare, document, figures, related, report
from ckanext.issy.views.budget.document import Document


def _not_a_budget() -> tk.ObjectNotFound:
    return tk.ObjectNotFound(_("This resource is not the table of a harvested budget document."))


def _document(context: dict[str, Any], resource_id: str) -> Document:
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    package = tk.get_action("package_show")(dict(context), {"id": resource["package_id"]})
    if not document.is_budget(resource, package):
        raise _not_a_budget()
    return document.read(resource, package)


def _figures(found: Document, context: dict[str, Any]) -> figures.Figures:
    try:
        return figures.read(found, client(context))
    except figures.NotABudget as error:
        raise tk.ObjectNotFound(_("This budget table lacks the columns {columns}.").format(
            columns=", ".join(error.missing))) from None


def _chosen(data_dict: dict[str, Any], found: Document, others: list[Document]) -> Document | None:
    asked = data_dict.get("compare")
    if asked in (None, ""):
        return related.default_comparison(found, others)
    if asked == "none":
        return None
    chosen = next((other for other in others if other.resource_id == asked), None)
    if chosen is None:
        raise tk.ValidationError({"compare": [_("This document cannot be compared with that resource: "
                                                "choose another budget document of the same body.")]})
    return chosen


def _projects(context: dict[str, Any], found: Document) -> dict[str, Any] | None:
    projects = related.projects(context, found)
    if projects is None:
        return None
    resource, package = projects["resource"], projects["package"]
    return {"resource_id": resource["id"], "package_name": package["name"], "title": package["title"]}


@tk.side_effect_free
def issy_budget(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The financial report of a harvested budget table (docs/api.md).

    :param resource_id: the budget document's table
    :param compare: the table of another document of the same body, or
        ``none``; by default the other stage of the same year, else the
        previous year
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_budget", context, {"resource_id": resource_id})
    found = _document(context, resource_id)
    mine = _figures(found, context)
    others = related.other_documents(context, found)
    other = _chosen(data_dict, found, others)
    comparison = compare.compare(found, mine, other, _figures(other, context)) if other else None
    return {
        "resource_id": resource_id,
        **report.build(found, mine),
        "candidates": [{"resource_id": o.resource_id, "label": compare.document_label(o), "title": o.title}
                       for o in others],
        "comparison": comparison,
        "projects": _projects(context, found),
    }


def get_actions() -> dict[str, Any]:
    return {"issy_budget": issy_budget}


def get_auth_functions() -> dict[str, Any]:
    return {"issy_budget": issy_aggregate_auth}
