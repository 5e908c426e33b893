"""Two budget documents side by side, at the levels they share and only
there (issue #25): the sections always; the chapters both have (a chapter
of one plan of accounts missing from the other is named, not compared);
the function groups only when both follow the same plan and give
functions. Each document keeps its own kind of amount (voted or actually
spent): the columns say which."""
from __future__ import annotations

from typing import Any

from ckanext.issy.language import _
from ckanext.issy.views.budget import nomenclature
from ckanext.issy.views.budget.document import Document
from ckanext.issy.views.budget.figures import DIRECTIONS, SECTIONS, Figures
from ckanext.issy.views.budget.labels import direction_label

SECTIONS_LEVEL, CHAPTERS_LEVEL, FUNCTIONS_LEVEL = "sections", "chapters", "function_groups"


def document_label(document: Document) -> str:
    stage = document.stage[:1].upper() + document.stage[1:]
    kind = _("actual") if document.kind == "actual" else _("voted")
    return f"{stage} {document.year or ''} ({kind})".replace("  ", " ")


def _row(key: str, label: str, this: float, other: float) -> dict[str, Any]:
    change = round(100 * (this - other) / other, 1) if other else None
    return {"key": key, "label": label, "this": round(this, 2), "other": round(other, 2), "change": change}


def section_rows(this: Figures, other: Figures) -> list[dict[str, Any]]:
    rows = []
    for direction in DIRECTIONS:
        for section in SECTIONS:
            rows.append(_row(f"{direction}:{section}", direction_label(direction, section),
                             this["sections"][section][direction]["réel"],
                             other["sections"][section][direction]["réel"]))
        rows.append(_row(direction, direction_label(direction),
                         sum(this["sections"][s][direction]["réel"] for s in SECTIONS),
                         sum(other["sections"][s][direction]["réel"] for s in SECTIONS)))
    return rows


def chapter_sums(figures: Figures) -> dict[tuple[str, str, str], float]:
    """(direction, section, chapter) -> real sum."""
    sums: dict[tuple[str, str, str], float] = {}
    for direction in DIRECTIONS:
        for section in SECTIONS:
            for chapter, _nature, amount in figures["chapters"][direction][section]:
                key = (direction, section, chapter)
                sums[key] = sums.get(key, 0.0) + amount
    return sums


def _chapter_label(key: tuple[str, str, str], this: Figures, other: Figures) -> str:
    direction, section, chapter = key
    name = this["chapter_labels"].get(chapter) or other["chapter_labels"].get(chapter) or ""
    return f"{chapter} {name} ({direction_label(direction, section).lower()})".replace("  ", " ")


def chapter_rows(this: Figures, other: Figures, same_plan: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The chapters compared, and those left out (in one document only,
    under different plans)."""
    mine, theirs = chapter_sums(this), chapter_sums(other)
    keys = sorted(set(mine) | set(theirs)) if same_plan else sorted(set(mine) & set(theirs))
    rows = [_row(":".join(key), _chapter_label(key, this, other), mine.get(key, 0.0), theirs.get(key, 0.0))
            for key in keys]
    left_out = [] if same_plan else [
        {"key": ":".join(key), "label": _chapter_label(key, this, other), "in": "this" if key in mine else "other"}
        for key in sorted(set(mine) ^ set(theirs))]
    return rows, left_out


def function_group_sums(figures: Figures) -> dict[str, float]:
    sums: dict[str, float] = {}
    for function, _chapter, amount in figures["functions"]:
        group = nomenclature.group_of(function)
        sums[group] = sums.get(group, 0.0) + amount
    return sums


def function_group_rows(this: Figures, other: Figures, family: str) -> list[dict[str, Any]]:
    mine, theirs = function_group_sums(this), function_group_sums(other)
    return [_row(group, nomenclature.group_label(group, family), mine.get(group, 0.0), theirs.get(group, 0.0))
            for group in sorted(set(mine) | set(theirs))]


def _note(this: Document, other: Document, same_plan: bool, functions: bool) -> str:
    if same_plan and functions:
        return _("Both documents follow the {plan} plan of accounts: sections, chapters and function groups "
                 "are compared.").format(plan=this.family)
    if same_plan:
        return _("Both documents follow the {plan} plan of accounts, but one of them gives no function: "
                 "sections and chapters are compared.").format(plan=this.family)
    if this.family and other.family:
        return _("This document follows the {this} plan of accounts and the other one {other}: only the sections "
                 "and the chapters both documents have are compared. Functions are not, as their groups "
                 "differ between the two plans.").format(this=this.family, other=other.family)
    return _("The plan of accounts of one of the documents is not known: only the sections and the chapters "
             "both documents have are compared.")


def compare(this: Document, this_figures: Figures, other: Document, other_figures: Figures) -> dict[str, Any]:
    same_plan = nomenclature.same_plan(this.family, other.family)
    functions = same_plan and this_figures["functions"] is not None and other_figures["functions"] is not None
    chapters, left_out = chapter_rows(this_figures, other_figures, same_plan)
    return {
        "this": {"resource_id": this.resource_id, "label": document_label(this)},
        "other": {"resource_id": other.resource_id, "label": document_label(other), "stage": other.stage,
                  "year": other.year, "kind": other.kind, "nomenclature": other.nomenclature},
        "levels": [SECTIONS_LEVEL, CHAPTERS_LEVEL, *([FUNCTIONS_LEVEL] if functions else [])],
        "note": _note(this, other, same_plan, functions),
        "sections": section_rows(this_figures, other_figures),
        "chapters": chapters,
        "function_groups": function_group_rows(this_figures, other_figures, this.family) if functions else None,
        "left_out": left_out,
    }
