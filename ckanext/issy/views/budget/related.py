"""The datasets a report links to, found with ``package_search`` in the
visitor's context (what they may see): the other budget documents of the
same body (its SIRET), to compare with, and the capital expenditure
projects of the same year that the finance harvester linked with this
kind of document (``issy_budget_document``), for the map."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views.budget import document as documents
from ckanext.issy.views.budget.document import Document

MAX_DATASETS = 100


def _search(context: dict[str, Any], fq: str) -> list[dict[str, Any]]:
    return tk.get_action("package_search")(dict(context), {
        "fq": fq, "rows": MAX_DATASETS, "include_private": True})["results"]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def other_documents(context: dict[str, Any], document: Document) -> list[Document]:
    """The body's other harvested documents with a table, newest year first."""
    if not document.siret:
        return []
    found = []
    for package in _search(context, f"extras_scdl_siret:{_quoted(document.siret)}"):
        resource = documents.data_resource(package)
        if (resource and resource["id"] != document.resource_id
                and documents.extras(package).get("scdl_siret") == document.siret):
            found.append(documents.read(resource, package))
    return sorted(found, key=lambda other: (-(other.year or 0), other.stage, other.title))


def default_comparison(document: Document, others: list[Document]) -> Document | None:
    """The other stage of the same year (voted against spent), else the same
    stage of the year before, else the closest earlier year."""
    def rank(other: Document) -> tuple[int, int] | None:
        if document.year is None or other.year is None:
            return None
        if other.year == document.year and other.kind != document.kind:
            return (0, 0)
        if other.year == document.year - 1 and other.stage == document.stage:
            return (1, 0)
        return (2, document.year - other.year) if other.year < document.year else None
    ranked = [(rank(other), index) for index, other in enumerate(others) if rank(other) is not None]
    return others[min(ranked)[1]] if ranked else None


def projects(context: dict[str, Any], document: Document) -> dict[str, Any] | None:
    """The table of the capital expenditure projects of the document's year
    linked with its stage, in the same organisation (and for the same SIRET
    when the projects name one)."""
    if document.year is None:
        return None
    for package in _search(context, "extras_issy_budget_document:*"):
        found = documents.extras(package)
        resource = documents.data_resource(package)
        if (resource and package.get("owner_org") == document.owner_org
                and found.get("issy_budget_document", "").strip().lower() == document.stage.strip().lower()
                and found.get("temporal_start", "")[:4] == str(document.year)
                and found.get("issy_budget_siret", document.siret) in ("", document.siret)):
            return {"resource": resource, "package": package}
    return None
