"""The sums a financial report is made of, read from one budget table
through the aggregation API (``issy_aggregate``) and kept in Redis by the
table's version: the amounts by section, direction and kind of operation,
the real expenses by function and chapter, the real amounts by chapter and
nature, and the labels of the codes.

They are plain data (codes, sums in euros) in the file's own words:
``report.py`` and ``compare.py`` put them in the page's language."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate import action as aggregate_action
from ckanext.issy.aggregate import cache
from ckanext.issy.language import _
from ckanext.issy.views.aggregation import aggregate
from ckanext.issy.views.budget.document import FUNCTION, NEEDED, Document

SECTIONS = ("fonctionnement", "investissement")
DIRECTIONS = ("dépense", "recette")
KINDS = ("réel", "ordre")
Figures = dict[str, Any]


def _sums(resource_id: str, amount: str, group_by: Sequence[str], filters: Mapping[str, str],
          function: str = "sum") -> list[list[Any]]:
    rows, truncated = aggregate(resource_id, group_by, [(function, amount)], filters)
    if truncated and function == "sum":
        # Sums cut short would make wrong totals; a missing label only shows a code.
        raise tk.ValidationError({"resource_id": [_(
            "This budget has more than {number} lines of detail to add up: the site's administrators can raise "
            "ckanext.issy.aggregate.max_rows.").format(number=tk.config.get("ckanext.issy.aggregate.max_rows"))]})
    return rows


def _labels(resource_id: str, code: str, label: str) -> dict[str, str]:
    """Each code's label (the first one, when a file spells it several ways)."""
    found: dict[str, str] = {}
    for value, text, _count in _sums(resource_id, label, (code, label), {}, "count"):
        if value is not None and text:
            found.setdefault(str(value), str(text).strip())
    return found


def _amount(value: Any) -> float:
    return round(float(value or 0), 2)


def _sections(document: Document) -> dict[str, dict[str, dict[str, float]]]:
    """section -> direction -> kind of operation -> sum."""
    sections = {s: {d: {k: 0.0 for k in KINDS} for d in DIRECTIONS} for s in SECTIONS}
    for direction in DIRECTIONS:
        rows = _sums(document.resource_id, document.amount_column, ("BGT_SECTION", "BGT_OPBUDG"),
                     {"BGT_CODRD": direction})
        for section, kind, amount in rows:
            if section in sections and kind in KINDS:
                sections[section][direction][kind] = _amount(amount)
    return sections


def _chapters(document: Document) -> dict[str, dict[str, list[list[Any]]]]:
    """direction -> section -> [chapter, nature, real sum]."""
    return {direction: {section: [[str(chapter), str(nature), _amount(amount)] for chapter, nature, amount in _sums(
        document.resource_id, document.amount_column, ("BGT_CONTNAT", "BGT_NATURE"),
        {"BGT_CODRD": direction, "BGT_OPBUDG": "réel", "BGT_SECTION": section}) if chapter is not None]
        for section in SECTIONS} for direction in DIRECTIONS}


def _functions(document: Document) -> list[list[Any]]:
    """[function, chapter, sum] of the real expenses."""
    rows = _sums(document.resource_id, document.amount_column, (FUNCTION, "BGT_CONTNAT"),
                 {"BGT_CODRD": "dépense", "BGT_OPBUDG": "réel"})
    return [[function or "", str(chapter), _amount(amount)] for function, chapter, amount in rows]


def compute(document: Document, functions: bool) -> Figures:
    figures: Figures = {
        "sections": _sections(document),
        "chapters": _chapters(document),
        "chapter_labels": _labels(document.resource_id, "BGT_CONTNAT", "BGT_CONTNAT_LABEL"),
        "nature_labels": _labels(document.resource_id, "BGT_NATURE", "BGT_NATURE_LABEL"),
        "functions": None, "function_labels": {},
    }
    # The 13-column subset has no function: its table has the column, empty.
    found = _functions(document) if functions else []
    if any(function for function, _chapter, _amount in found):
        figures["functions"] = found
        figures["function_labels"] = _labels(document.resource_id, FUNCTION, "BGT_FONCTION_LABEL")
    return figures


class NotABudget(Exception):
    """The table lacks a column every report reads."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


def read(document: Document, client: str) -> Figures:
    """The document's figures, from the cache when its table has not changed;
    a computation counts towards ``client``'s rate (``aggregate/cache.py``)."""
    with aggregate_action.table(document.resource_id) as (_connection, columns, version):
        missing = [name for name in (*NEEDED, document.amount_column) if name not in columns]
        functions = FUNCTION in columns and "BGT_FONCTION_LABEL" in columns
    if missing:
        raise NotABudget(missing)
    entry = cache.key("budget", document.resource_id, version, f"{document.amount_column}:{functions}")
    figures, _cached = cache.remember(entry, client, lambda: compute(document, functions))
    return figures
