"""The financial report's figures (action ``issy_budget``), each checked
against an independent SQL query on the same DataStore table: the totals
of real and order operations, the sections, the amount per inhabitant,
what 100 € of spending pays for and the trees the treemaps draw; for a
compte administratif (actual amounts), a budget primitif (voted amounts)
and the 13-column subset that gives no function."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest

from tests.harvesters.conftest import Feed, Harvest
from tests.views.budget.conftest import BP_2024, CA_2022_13, CA_2023, budget, publish, sums, table_of, total

pytestmark = [pytest.mark.ckan_config("ckanext.issy.theme.population", "68000")]
REAL_EXPENSE = "\"BGT_CODRD\" = 'dépense' AND \"BGT_OPBUDG\" = 'réel'"
# The function group of a code (views/budget/nomenclature.py), in SQL.
FUNCTION_GROUP = "CASE WHEN \"BGT_FONCTION\" LIKE '01%%' THEN '01' ELSE left(\"BGT_FONCTION\", 1) END"


def _where(direction: str, kind: str, section: str | None = None) -> str:
    where = f"\"BGT_CODRD\" = '{direction}' AND \"BGT_OPBUDG\" = '{kind}'"
    return where + (f" AND \"BGT_SECTION\" = '{section}'" if section else "")


def _check_key_figures(report: dict, resource_id: str, amount: str) -> None:
    assert report["document"]["amount_column"] == amount
    for direction, key in (("dépense", "expense"), ("recette", "revenue")):
        for kind, kind_key in (("réel", "real"), ("ordre", "order")):
            assert report["totals"][key][kind_key] == pytest.approx(
                total(resource_id, amount, _where(direction, kind)), abs=0.01)
        for section in report["sections"]:
            assert section[key]["real"] == pytest.approx(
                total(resource_id, amount, _where(direction, "réel", section["key"])), abs=0.01)
    assert report["population"] == 68000
    assert report["per_inhabitant"]["expense"] == pytest.approx(
        total(resource_id, amount, REAL_EXPENSE) / 68000, abs=0.01)


def test_a_compte_administratif_reports_actual_amounts_as_sql_sums_them(harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2023: None}, {"nomenclature": "M14"})
    resource_id = table_of("Compte administratif 2023")
    report = budget(resource_id)

    assert report["document"]["kind"] == "actual" and report["document"]["stage"] == "compte administratif"
    assert report["document"]["year"] == 2023 and report["document"]["nomenclature"] == "M14"
    _check_key_figures(report, resource_id, "BGT_MTREAL")
    assert [s["key"] for s in report["sections"]] == ["fonctionnement", "investissement"]


def test_what_100_euros_pays_for_is_each_function_groups_share_of_real_expenses(
        harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2023: None}, {"nomenclature": "M14"})
    resource_id = table_of("Compte administratif 2023")
    hundred = budget(resource_id)["hundred"]

    groups = sums(resource_id, "BGT_MTREAL", FUNCTION_GROUP, REAL_EXPENSE)
    whole = sum(groups.values())
    assert hundred["by"] == "function"
    assert [item["code"] for item in hundred["items"]] == sorted(groups, key=lambda g: -groups[g])
    for item in hundred["items"]:
        assert item["amount"] == pytest.approx(groups[item["code"]], abs=0.01)
        assert item["euros"] == pytest.approx(100 * groups[item["code"]] / whole, abs=0.01)
    top = hundred["items"][0]
    assert top["label"] == "Enseignement et formation"  # M14 group 2, in French (the site's default)
    assert sum(item["euros"] for item in hundred["items"]) == pytest.approx(100, abs=0.05)


def test_the_treemaps_trees_hold_the_real_amounts_by_function_and_by_chapter(harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2023: None}, {"nomenclature": "M14"})
    resource_id = table_of("Compte administratif 2023")
    trees = {tree["id"]: tree for tree in budget(resource_id)["trees"]}

    assert list(trees) == ["expense-function", "expense-chapter", "revenue-chapter"]
    functions = sums(resource_id, "BGT_MTREAL", "\"BGT_FONCTION\"", REAL_EXPENSE)
    drawn = {node["code"]: node["value"] for group in trees["expense-function"]["children"]
             for node in group["children"]}
    assert drawn == pytest.approx(functions, abs=0.01)
    chapters = sums(resource_id, "BGT_MTREAL", "\"BGT_CONTNAT\"", _where("recette", "réel"))
    drawn = {node["code"]: node["value"] for section in trees["revenue-chapter"]["children"]
             for node in section["children"]}
    assert drawn == pytest.approx(chapters, abs=0.01)
    # A chapter's natures, named by the file's labels.
    staff = next(node for node in trees["expense-chapter"]["children"][0]["children"] if node["code"] == "012")
    assert staff["name"] == "Charges de personnel et frais assimilés"
    natures = sums(resource_id, "BGT_MTREAL", "\"BGT_NATURE\"", REAL_EXPENSE + " AND \"BGT_CONTNAT\" = '012'")
    assert {n["code"]: n["value"] for n in staff["children"]} == pytest.approx(natures, abs=0.01)
    assert trees["expense-chapter"]["total"] == pytest.approx(
        sum(sums(resource_id, "BGT_MTREAL", "1", REAL_EXPENSE).values()), abs=0.01)


def test_a_budget_primitif_reports_voted_amounts(harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {BP_2024: None}, {"nomenclature": "M14"})
    resource_id = table_of("Budget primitif 2024")
    report = budget(resource_id)

    assert report["document"]["kind"] == "forecast"
    _check_key_figures(report, resource_id, "BGT_MTPREV")


def test_a_13_column_file_says_it_gives_no_function_and_breaks_down_by_chapter(
        harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    resource_id = table_of("Compte administratif 2022")
    report = budget(resource_id)

    assert report["document"]["functions"] is False
    _check_key_figures(report, resource_id, "BGT_MTREAL")
    assert [tree["id"] for tree in report["trees"]] == ["expense-chapter", "revenue-chapter"]
    chapters = sums(resource_id, "BGT_MTREAL", "\"BGT_CONTNAT\"", REAL_EXPENSE)
    whole = sum(chapters.values())
    assert report["hundred"]["by"] == "chapter"
    assert {i["code"]: i["euros"] for i in report["hundred"]["items"]} == pytest.approx(
        {code: 100 * amount / whole for code, amount in chapters.items()}, abs=0.01)


def test_without_a_population_there_is_no_amount_per_inhabitant(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.theme.population", 0)
    publish(harvest, feed, {CA_2022_13: None})
    report = budget(table_of("Compte administratif 2022"))
    assert report["population"] is None and report["per_inhabitant"] is None
