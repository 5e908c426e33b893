"""The report's data around its figures: the GET address answers JSON
errors (never a 500) and keeps private budgets private; figures are kept
by the table's version; a document's projects of the same year are found
for the map; and the finance harvester's tables get the view by default
(CKAN's ``ckan.views.default_views``), its other resources not."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories

from tests.harvesters.conftest import Feed, Harvest
from tests.harvesters.test_finance_projects import CSV, CSV_MAPPING
from tests.views.budget.conftest import CA_2022_13, CA_2023, BP_2024, budget, publish, table_of, total

EXPENSE = "\"BGT_CODRD\" = 'dépense' AND \"BGT_OPBUDG\" = 'réel'"


def _views(resource_id: str) -> list[str]:
    return [view["view_type"] for view in tk.get_action("resource_view_list")(
        {"ignore_auth": True}, {"id": resource_id})]


def test_the_get_address_answers_the_report_and_json_errors(harvest: Harvest, feed: Feed, app: Any) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    resource_id = table_of("Compte administratif 2022")

    answer = app.get("/api/issy/budget", query_string={"resource_id": resource_id})
    assert answer.status_code == 200 and answer.json["result"]["document"]["year"] == 2022
    for query, status in (({}, 400), ({"resource_id": "nope"}, 404),
                          ({"resource_id": resource_id, "compare": "<script>"}, 400)):
        answer = app.get("/api/issy/budget", query_string=query)
        assert answer.status_code == status and answer.json["success"] is False
        assert answer.json["error"]["message"]
    other = factories.Resource(url="https://example.org/notes.pdf",
                               package_id=factories.Dataset(owner_org=harvest.organization["id"])["id"])
    assert app.get("/api/issy/budget", query_string={"resource_id": other["id"]}).status_code == 404


def test_a_private_budget_is_refused_to_visitors_and_shown_to_its_organisation(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    resource_id = table_of("Compte administratif 2022")
    package_id = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})["package_id"]
    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": package_id, "private": True})

    assert app.get("/api/issy/budget", query_string={"resource_id": resource_id}).status_code == 403
    with pytest.raises(tk.NotAuthorized):
        budget(resource_id)
    seen = tk.get_action("issy_budget")({"user": harvest.sysadmin["name"]}, {"resource_id": resource_id})
    assert seen["document"]["stage"] == "compte administratif"


def test_figures_are_kept_by_the_tables_version_and_follow_a_change(harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    resource_id = table_of("Compte administratif 2022")
    budget(resource_id)
    assert list(connect_to_redis().scan_iter(f"issy:budget:result:{resource_id}:*"))

    tk.get_action("datastore_delete")({"user": harvest.sysadmin["name"]}, {
        "resource_id": resource_id, "filters": {"BGT_CONTNAT": "012"}, "force": True})
    assert budget(resource_id)["totals"]["expense"]["real"] == pytest.approx(
        total(resource_id, "BGT_MTREAL", EXPENSE), abs=0.01)


def test_the_projects_of_the_year_are_found_for_the_compte_administratif_only(
        harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2023: None, BP_2024: None})
    feed.serve_file(CSV)
    harvest.run(harvest.source(feed.url(CSV), {"format": "projects", "mapping": CSV_MAPPING}, name="projets"))

    projects = budget(table_of("Compte administratif 2023"))["projects"]
    assert projects["title"] == "Projets d'investissement 2023"
    assert projects["resource_id"] == table_of("Projets d'investissement 2023")
    assert budget(table_of("Budget primitif 2024"))["projects"] is None


@pytest.mark.ckan_config("ckan.views.default_views", "issy_budget_view datatables_view")
def test_a_harvested_budget_table_gets_the_report_first_and_other_resources_do_not(
        harvest: Harvest, feed: Feed) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    feed.serve_file(CSV)
    harvest.run(harvest.source(feed.url(CSV), {"format": "projects", "mapping": CSV_MAPPING}, name="projets"))

    assert _views(table_of("Compte administratif 2022")) == ["issy_budget_view", "datatables_view"]
    assert _views(table_of("Projets d'investissement 2023")) == ["datatables_view"]


def test_ckans_views_create_command_gives_budgets_harvested_before_their_report(
        harvest: Harvest, feed: Feed, cli: Any) -> None:
    from ckan.cli.cli import ckan

    publish(harvest, feed, {CA_2022_13: None})
    resource_id = table_of("Compte administratif 2022")
    assert "issy_budget_view" not in _views(resource_id)  # test.ini has no default views
    result = cli.invoke(ckan, ["views", "create", "issy_budget_view", "--yes"])
    assert result.exit_code == 0, result.output
    assert _views(resource_id) == ["issy_budget_view"]


@pytest.mark.ckan_config("ckanext.issy.aggregate.max_rows", "5")
def test_a_budget_too_detailed_for_the_sites_limit_is_refused_rather_than_summed_short(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    publish(harvest, feed, {CA_2022_13: None})
    answer = app.get("/api/issy/budget", query_string={"resource_id": table_of("Compte administratif 2022")})
    assert answer.status_code == 400
    assert "ckanext.issy.aggregate.max_rows" in answer.json["error"]["message"]
