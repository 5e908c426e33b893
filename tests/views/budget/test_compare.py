"""Budget documents compared (action ``issy_budget``): a budget primitif
2024 under M57 beside the compte administratif 2024 (same plan: sections,
chapters and function groups) and beside the compte administratif 2023
under M14 (only sections and the chapters both have; functions never),
every figure checked against independent SQL on both tables; order
operations kept apart from real ones."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest

from tests.aggregate.conftest import query
from tests.harvesters.conftest import Feed, Harvest
from tests.views.budget.conftest import budget, local, publish, sums, table_of, total

FILES = ("compte-administratif-2023-m14.csv", "budget-primitif-2024-m57.csv", "compte-administratif-2024-m57.csv")
NOMENCLATURES = {"nomenclature": {"2023": "M14-M14_COM_SUP3500", "2024": "M57-M57"}}
FUNCTION_GROUP = "CASE WHEN \"BGT_FONCTION\" LIKE '01%%' THEN '01' ELSE left(\"BGT_FONCTION\", 1) END"
REAL = "\"BGT_OPBUDG\" = 'réel'"


@pytest.fixture
def documents(harvest: Harvest, feed: Feed) -> dict[str, str]:
    publish(harvest, feed, {name: local(name) for name in FILES}, NOMENCLATURES)
    return {title: table_of(title) for title in
            ("Compte administratif 2023", "Budget primitif 2024", "Compte administratif 2024")}


def _chapters(resource_id: str, amount: str) -> dict[str, float]:
    rows = query(f'SELECT "BGT_CODRD" || \':\' || "BGT_SECTION" || \':\' || "BGT_CONTNAT", '
                 f'COALESCE(SUM("{amount}"), 0) FROM "{resource_id}" WHERE {REAL} GROUP BY 1')
    return {key: float(value) for key, value in rows}


def _rows(rows: list[dict]) -> dict[str, tuple[float, float]]:
    return {row["key"]: (row["this"], row["other"]) for row in rows}


def test_a_budget_primitif_is_compared_by_default_with_the_compte_administratif_of_its_year(
        documents: dict[str, str]) -> None:
    bp, ca = documents["Budget primitif 2024"], documents["Compte administratif 2024"]
    report = budget(bp)

    assert [c["label"] for c in report["candidates"]] == [
        "Compte administratif 2024 (réalisé)", "Compte administratif 2023 (réalisé)"]
    comparison = report["comparison"]
    assert comparison["other"]["resource_id"] == ca
    assert comparison["levels"] == ["sections", "chapters", "function_groups"]
    assert "M57" in comparison["note"]
    # Each side its own amount: voted in the budget primitif, actual in the compte administratif.
    sections = _rows(comparison["sections"])
    for direction in ("dépense", "recette"):
        for section in ("fonctionnement", "investissement"):
            where = f"{REAL} AND \"BGT_CODRD\" = '{direction}' AND \"BGT_SECTION\" = '{section}'"
            assert sections[f"{direction}:{section}"] == pytest.approx(
                (total(bp, "BGT_MTPREV", where), total(ca, "BGT_MTREAL", where)), abs=0.01)
    # Same plan: every chapter, and the function groups, nothing left out.
    mine, theirs = _chapters(bp, "BGT_MTPREV"), _chapters(ca, "BGT_MTREAL")
    assert _rows(comparison["chapters"]) == pytest.approx(
        {key: (mine.get(key, 0.0), theirs.get(key, 0.0)) for key in set(mine) | set(theirs)}, abs=0.01)
    assert comparison["left_out"] == []
    expense = f"{REAL} AND \"BGT_CODRD\" = 'dépense'"
    mine, theirs = sums(bp, "BGT_MTPREV", FUNCTION_GROUP, expense), sums(ca, "BGT_MTREAL", FUNCTION_GROUP, expense)
    assert _rows(comparison["function_groups"]) == pytest.approx(
        {key: (mine.get(key, 0.0), theirs.get(key, 0.0)) for key in set(mine) | set(theirs)}, abs=0.01)


def test_across_m14_and_m57_only_sections_and_shared_chapters_are_compared(documents: dict[str, str]) -> None:
    bp, ca_2023 = documents["Budget primitif 2024"], documents["Compte administratif 2023"]
    comparison = budget(bp, compare=ca_2023)["comparison"]

    assert comparison["other"]["resource_id"] == ca_2023
    assert comparison["levels"] == ["sections", "chapters"]
    assert comparison["function_groups"] is None
    assert "M57" in comparison["note"] and "M14" in comparison["note"]
    mine, theirs = _chapters(bp, "BGT_MTPREV"), _chapters(ca_2023, "BGT_MTREAL")
    shared = set(mine) & set(theirs)
    assert shared and set(mine) != set(theirs)  # the fixtures' plans differ by a chapter at least
    assert _rows(comparison["chapters"]) == pytest.approx(
        {key: (mine[key], theirs[key]) for key in shared}, abs=0.01)
    assert {(item["key"], item["in"]) for item in comparison["left_out"]} == {
        (key, "this" if key in mine else "other") for key in set(mine) ^ set(theirs)}


def test_order_operations_are_counted_apart_from_real_ones(documents: dict[str, str]) -> None:
    bp = documents["Budget primitif 2024"]
    totals = budget(bp)["totals"]
    for direction, key in (("dépense", "expense"), ("recette", "revenue")):
        where = f"\"BGT_CODRD\" = '{direction}' AND \"BGT_OPBUDG\" = "
        assert totals[key]["order"] == pytest.approx(total(bp, "BGT_MTPREV", where + "'ordre'"), abs=0.01)
        assert totals[key]["real"] == pytest.approx(total(bp, "BGT_MTPREV", where + "'réel'"), abs=0.01)
        assert totals[key]["order"] > 0


def test_a_comparison_is_only_with_a_document_of_the_same_body(documents: dict[str, str]) -> None:
    bp = documents["Budget primitif 2024"]
    assert budget(bp, compare="none")["comparison"] is None
    with pytest.raises(tk.ValidationError):
        budget(bp, compare=bp)
    with pytest.raises(tk.ValidationError):
        budget(bp, compare="6b0e4c3a-0000-4000-8000-000000000000")
