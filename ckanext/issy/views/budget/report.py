"""A financial report in the page's language, from the figures of one
budget document (``figures.py``): the key figures, what 100 € of real
spending pays for, and the trees a treemap draws (real expenses by
function and by chapter, real revenue by chapter).

Real operations are money actually spent or received; order operations
are entries between the two sections (depreciation, transfers) that move
no money: they are given apart and never added to the totals."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.views.budget import nomenclature
from ckanext.issy.views.budget.document import Document
from ckanext.issy.views.budget.figures import DIRECTIONS, KINDS, SECTIONS, Figures
from ckanext.issy.views.budget.labels import section_label

DIRECTION_KEYS = {"dépense": "expense", "recette": "revenue"}
KIND_KEYS = {"réel": "real", "ordre": "order"}


def _money(value: float) -> float:
    return round(value, 2)


def totals(figures: Figures) -> dict[str, dict[str, float]]:
    """direction ("expense", "revenue") -> kind ("real", "order") -> sum of both sections."""
    return {DIRECTION_KEYS[d]: {KIND_KEYS[k]: _money(sum(figures["sections"][s][d][k] for s in SECTIONS))
                                for k in KINDS} for d in DIRECTIONS}


def sections(figures: Figures) -> list[dict[str, Any]]:
    return [{"key": s, "label": section_label(s),
             **{DIRECTION_KEYS[d]: {KIND_KEYS[k]: figures["sections"][s][d][k] for k in KINDS} for d in DIRECTIONS}}
            for s in SECTIONS]


def population() -> int | None:
    """The theme's number of inhabitants (``ckanext.issy.theme.population``)."""
    value = tk.config.get("ckanext.issy.theme.population")
    try:
        return int(value) if value and int(value) > 0 else None
    except (TypeError, ValueError):
        return None


def per_inhabitant(total: dict[str, dict[str, float]], inhabitants: int | None) -> dict[str, float] | None:
    if not inhabitants:
        return None
    return {direction: _money(total[direction]["real"] / inhabitants) for direction in ("expense", "revenue")}


def _node(code: str, name: str, children: list[dict[str, Any]] | None = None,
          value: float | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"code": code, "name": name or code}
    if children:
        node["children"] = sorted(children, key=lambda child: -child["value"])
        node["value"] = _money(sum(child["value"] for child in children))
    else:
        node["value"] = _money(value or 0)
    return node


def _nest(rows: Iterable[tuple[str, str, float]], parent_name: Any, child_name: Any) -> list[dict[str, Any]]:
    """(parent, child, amount) rows as parent nodes with their children;
    amounts that are not positive (cancellations) cannot be drawn as areas
    and are left out of the trees (not of the key figures)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for parent, child, amount in rows:
        if amount > 0:
            grouped.setdefault(parent, []).append(_node(child, child_name(child), value=amount))
    return [_node(parent, parent_name(parent), children) for parent, children in grouped.items()]


def function_tree(figures: Figures, family: str) -> list[dict[str, Any]]:
    """Function group -> function -> chapter, of the real expenses."""
    labels, chapters = figures["function_labels"], figures["chapter_labels"]
    by_group: dict[str, list[tuple[str, str, float]]] = {}
    for function, chapter, amount in figures["functions"]:
        by_group.setdefault(nomenclature.group_of(function), []).append(
            (function or nomenclature.NO_FUNCTION, chapter, amount))
    groups = []
    for group, rows in by_group.items():
        children = _nest(rows, lambda code: labels.get(code, code), lambda code: chapters.get(code, code))
        if children:
            node = _node(group, "", children)  # children sorted, largest first
            node["name"] = nomenclature.group_label(group, family, [child["name"] for child in node["children"]])
            groups.append(node)
    return sorted(groups, key=lambda node: -node["value"])


def chapter_tree(figures: Figures, direction: str) -> list[dict[str, Any]]:
    """Section -> chapter -> nature, of the real operations of one direction."""
    chapters, natures = figures["chapter_labels"], figures["nature_labels"]
    tree = []
    for section in SECTIONS:
        rows = [tuple(row) for row in figures["chapters"][direction][section]]
        children = _nest(rows, lambda code: chapters.get(code, code), lambda code: natures.get(code, code))
        if children:
            tree.append(_node(section, section_label(section), children))
    return tree


def _tree(tree_id: str, title: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": tree_id, "title": title, "total": _money(sum(child["value"] for child in children)),
            "children": children}


def trees(functions: list[dict[str, Any]] | None, expense_chapters: list[dict[str, Any]],
          revenue_chapters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The treemaps' trees that have something to draw; ``functions`` is
    None when the file gives no function."""
    found = []
    if functions is not None:
        found.append(_tree("expense-function", _("Real expenses by function"), functions))
    found.append(_tree("expense-chapter", _("Real expenses by chapter"), expense_chapters))
    found.append(_tree("revenue-chapter", _("Real revenue by chapter"), revenue_chapters))
    return [tree for tree in found if tree["children"]]


def hundred(functions: list[dict[str, Any]] | None, expense_chapters: list[dict[str, Any]]) -> dict[str, Any]:
    """What 100 € of real spending pays for: by function group, or by
    chapter when the file gives no function."""
    if functions is not None:
        by, parts = "function", functions
    else:
        by = "chapter"
        parts = sorted((chapter for section in expense_chapters for chapter in section["children"]),
                       key=lambda node: -node["value"])
    total = sum(part["value"] for part in parts)
    return {"by": by, "items": [{"code": part["code"], "label": part["name"], "amount": part["value"],
                                 "euros": round(100 * part["value"] / total, 2) if total else 0.0}
                                for part in parts]}


def build(document: Document, figures: Figures) -> dict[str, Any]:
    """The report's figures, in the page's language."""
    total = totals(figures)
    inhabitants = population()
    functions = function_tree(figures, document.family) if figures["functions"] is not None else None
    expense_chapters = chapter_tree(figures, "dépense")
    return {
        "document": {**document.as_dict(), "functions": functions is not None},
        "population": inhabitants,
        "totals": total,
        "sections": sections(figures),
        "per_inhabitant": per_inhabitant(total, inhabitants),
        "hundred": hundred(functions, expense_chapters),
        "trees": trees(functions, expense_chapters, chapter_tree(figures, "recette")),
    }
