"""The SCDL budget harvester, run through the real harvest stages, Redis queues,
database and DataStore."""
from __future__ import annotations

import csv
import json
import logging
import io
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject
from sqlalchemy import event

from ckanext.issy.harvesters.finance_formats.scdl import NAMES
from devstack import scdl_samples
from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.support.harvest import gather
from tests.support.http_server import Response

BP = "budget-primitif-2024.csv"
CA = "compte-administratif-2023-cp1252.csv"
CA_13 = "compte-administratif-2022-13col.csv"


def datasets() -> list[dict[str, Any]]:
    result = tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*", "rows": 100, "include_private": True})
    return sorted(result["results"], key=lambda d: d["title"])


def dataset(title: str) -> dict[str, Any]:
    matches = [d for d in datasets() if d["title"] == title]
    assert len(matches) == 1, [d["title"] for d in datasets()]
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": matches[0]["id"]})


def data_resource(package: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in package["resources"] if r.get("issy_role") == "data")


def table(package: dict[str, Any]) -> list[dict[str, Any]]:
    result = tk.get_action("datastore_search")(
        {"ignore_auth": True}, {"resource_id": data_resource(package)["id"], "limit": 100000, "sort": "_id"})
    return result["records"]


def activities(package: dict[str, Any]) -> int:
    return len(tk.get_action("package_activity_list")({"ignore_auth": True}, {"id": package["id"], "limit": 100}))


def current_objects(source: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(model.Session.query(HarvestObject.id, HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source["id"], HarvestObject.current.is_(True)).all())


def snapshot(title: str) -> tuple[str, list[dict[str, Any]], int]:
    package = dataset(title)
    return package["metadata_modified"], table(package), activities(package)


def test_a_harvest_publishes_one_dataset_per_budget_document(harvest: Harvest, feed: Feed, app: Any) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    report = harvest.run(harvest.source(feed.url(BP), {"urls": [feed.url(CA)]}))

    assert errors(report) == []
    assert [d["title"] for d in datasets()] == ["Budget primitif 2024", "Compte administratif 2023"]
    package = dataset("Compte administratif 2023")
    assert package["organization"]["name"] == "ville-issy"
    assert package["license_id"] == "lov2"
    assert [g["name"] for g in package["groups"]] == ["finances"]
    assert {t["name"] for t in package["tags"]} >= {"budget", "finances", "compte administratif", "2023"}
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["temporal_start"] == "2023-01-01" and extras["temporal_end"] == "2023-12-31"
    assert extras["insee_code"] == "92040"
    assert extras["spatial_text"] == "Issy-les-Moulineaux (INSEE 92040)"
    assert extras["frequency"].endswith("/frequency/ANNUAL")
    source = next(r for r in package["resources"] if r.get("issy_role") == "source")
    assert source["url"] == feed.url(CA)


@pytest.mark.ckan_config("ckan.views.default_views", "datatables_view image_view")
def test_the_table_gets_the_sites_table_view_and_the_original_file_none(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(CA)
    harvest.run(harvest.source(feed.url(CA)))
    package = dataset("Compte administratif 2023")
    views = {r["issy_role"]: [v["view_type"] for v in tk.get_action("resource_view_list")(
        {"ignore_auth": True}, {"id": r["id"]})] for r in package["resources"]}
    assert views == {"data": ["datatables_view"], "source": []}


def test_the_datastore_table_is_typed_with_a_french_data_dictionary(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(CA)
    harvest.run(harvest.source(feed.url(CA)))
    package = dataset("Compte administratif 2023")
    info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": data_resource(package)["id"]})
    types = {field["id"]: field["type"] for field in info["fields"]}
    assert [field["id"] for field in info["fields"]] == NAMES
    assert types["BGT_MTREAL"] == types["BGT_MTPREV"] == "numeric"
    assert types["BGT_ANNEE"] == "int4"
    assert types["BGT_CONTNAT"] == types["BGT_SIRET"] == types["BGT_FONCTION"] == "text"
    labels = {field["id"]: field["info"]["label"] for field in info["fields"]}
    assert labels["BGT_MTREAL"] == "Montant réalisé"


def test_cp1252_decimal_comma_values_arrive_exactly_with_codes_as_text(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(CA)
    harvest.run(harvest.source(feed.url(CA)))
    rows = table(dataset("Compte administratif 2023"))
    expected = scdl_samples.rows("compte administratif", 2023)
    assert len(rows) == len(expected) == 700
    for row, line in zip(rows, expected):
        assert row["BGT_CONTNAT"] == line["BGT_CONTNAT"]  # "011", "012": leading zeros kept
        assert row["BGT_FONCTION"] == line["BGT_FONCTION"]  # "020", "01"
        assert row["BGT_NATURE_LABEL"] == line["BGT_NATURE_LABEL"]  # accents from cp1252
        assert Decimal(str(row["BGT_MTREAL"])) == Decimal(f"{line['BGT_MTREAL']:.2f}")
        assert row["BGT_SECTION"] == line["BGT_SECTION"]
    assert rows[0]["BGT_SIRET"] == "21920040500011"


def test_the_normalised_csv_is_utf8_in_scdl_column_order(harvest: Harvest, feed: Feed, app: Any) -> None:
    feed.serve_file(CA)
    harvest.run(harvest.source(feed.url(CA)))
    package = dataset("Compte administratif 2023")
    resource = data_resource(package)
    assert resource["url_type"] == "upload" and resource["datastore_active"]
    body = app.get(resource["url"]).get_data()
    lines = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert lines[0] == NAMES
    assert lines[1][4] == "011" and lines[1][5] == "Charges à caractère général"
    assert re.fullmatch(r"-?\d+\.\d{2}", lines[1][NAMES.index("BGT_MTREAL")])
    assert len(lines) == 701


@pytest.mark.parametrize("name, title, rows", [
    ("decision-modificative-2024-bom.csv", "Décision modificative 2024", 150),
    ("compte-administratif-2022-13col.csv", "Compte administratif 2022", 700),
    ("compte-financier-unique-2024.csv", "Compte financier unique 2024", 200),
])
def test_bom_lowercase_semicolon_subset_and_new_stage_files_are_published(
        harvest: Harvest, feed: Feed, name: str, title: str, rows: int) -> None:
    feed.serve_file(name)
    report = harvest.run(harvest.source(feed.url(name)))
    records = table(dataset(title))
    assert len(records) == rows
    if "13col" in name:
        assert records[0]["BGT_FONCTION"] is None and records[0]["BGT_MTREAL"] is not None
    if "unique" in name:
        assert any("compte financier unique" in message and "schéma SCDL" in message for message in errors(report))
    else:
        assert errors(report) == []


def test_reharvesting_an_unchanged_source_writes_nothing(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)  # no ETag: the content hash decides
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    before = snapshot("Budget primitif 2024")
    report = harvest.run(source)
    assert errors(report) == []
    assert snapshot("Budget primitif 2024") == before  # same metadata_modified, rows and _ids, activities


def test_a_new_version_of_what_the_harvester_publishes_republishes_an_unchanged_file(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    from ckanext.issy.harvesters.finance import ScdlBudgetHarvester

    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    before = snapshot("Budget primitif 2024")
    monkeypatch.setattr(ScdlBudgetHarvester, "publication", ScdlBudgetHarvester.publication + "-next")
    report = harvest.run(source)
    assert errors(report) == []
    after = snapshot("Budget primitif 2024")
    assert after[0] > before[0]  # published again: its metadata_modified moved
    without_ids = lambda rows: [{k: v for k, v in row.items() if k != "_id"} for row in rows]  # noqa: E731
    assert without_ids(after[1]) == without_ids(before[1])  # the same rows, loaded again
    harvest.run(source)
    assert snapshot("Budget primitif 2024") == after  # then unchanged again


def test_an_unchanged_reharvest_reports_each_document_not_modified_without_loading_its_content(
        harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)]})
    harvest.run(source)
    titles = ["Budget primitif 2024", "Compte administratif 2023"]
    before = [snapshot(title) for title in titles]
    current = current_objects(source)
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(model.meta.engine, "before_cursor_execute", record)
    try:
        report = harvest.run(source)
    finally:
        event.remove(model.meta.engine, "before_cursor_execute", record)
    assert errors(report) == []
    status = tk.get_action("harvest_source_show_status")({"ignore_auth": True}, {"id": source["id"]})
    assert status["last_job"]["stats"] == {"added": 0, "updated": 0, "not modified": 2, "errored": 0, "deleted": 0}
    # Gather compares the hashes kept in the extras: the previous objects'
    # content (a whole document's rows each) stays in the database.
    assert [s for s in statements
            if "harvest_object.content" in s and "WHERE harvest_object.harvest_source_id" in s] == []
    assert [snapshot(title) for title in titles] == before
    assert current_objects(source) == current  # the last published versions stay the current ones
    # Recorded by gather: the fetch consumer, which counts its attempts in retry_times, never saw them.
    job = model.Session.query(HarvestObject.state, HarvestObject.report_status, HarvestObject.retry_times,
                              HarvestObject.content).filter(HarvestObject.harvest_job_id == status["last_job"]["id"])
    assert job.all() == [("COMPLETE", "not modified", 0, None)] * 2


def test_an_unchanged_reharvest_gathers_in_one_commit(harvest: Harvest, feed: Feed) -> None:
    """The "not modified" objects go to the database with ckanext-harvest's own
    commit of the job's gather_finished, not in commits of their own."""
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)]})
    harvest.run(source)
    job = tk.get_action("harvest_job_create")({"user": harvest.sysadmin["name"]}, {"source_id": source["id"]})
    commits: list[Any] = []

    def record(connection: Any) -> None:
        commits.append(connection)

    event.listen(model.meta.engine, "commit", record)
    try:
        gather()
    finally:
        event.remove(model.meta.engine, "commit", record)
    assert len(commits) == 1
    recorded = model.Session.query(HarvestObject.state, HarvestObject.report_status).filter(
        HarvestObject.harvest_job_id == job["id"])
    assert [tuple(row) for row in recorded] == [("COMPLETE", "not modified")] * 2
    assert model.Session.query(HarvestJob.gather_finished).filter(HarvestJob.id == job["id"]).scalar() is not None


def test_a_304_answer_to_the_conditional_request_writes_nothing(harvest: Harvest, feed: Feed) -> None:
    body = fixture_bytes(BP)
    feed.files[BP] = lambda: (Response(status=304) if feed.server.request_headers[-1].get("If-None-Match") == '"bp-v1"'
                              else Response(body, headers={"ETag": '"bp-v1"'}))
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    before = snapshot("Budget primitif 2024")
    harvest.run(source)
    assert feed.server.request_headers[-1]["If-None-Match"] == '"bp-v1"'
    assert snapshot("Budget primitif 2024") == before


@pytest.mark.parametrize("removal", ["dataset_purge", "package_delete"])
def test_a_dataset_removed_by_hand_is_published_again_from_an_unchanged_file(
        harvest: Harvest, feed: Feed, removal: str) -> None:
    """An unchanged file is not read again, unless one of its datasets is
    gone: it would never come back (the demo once purged a harvested budget)."""
    body = fixture_bytes(BP)
    feed.files[BP] = lambda: (Response(status=304) if feed.server.request_headers[-1].get("If-None-Match") == '"bp-v1"'
                              else Response(body, headers={"ETag": '"bp-v1"'}))
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    rows = len(table(dataset("Budget primitif 2024")))
    tk.get_action(removal)({"user": harvest.sysadmin["name"]}, {"id": dataset("Budget primitif 2024")["id"]})

    report = harvest.run(source)
    assert errors(report) == []
    assert "If-None-Match" not in feed.server.request_headers[-1]  # the whole file asked for
    again = dataset("Budget primitif 2024")
    assert again["state"] == "active" and len(table(again)) == rows
    before = snapshot("Budget primitif 2024")
    harvest.run(source)
    assert feed.server.request_headers[-1]["If-None-Match"] == '"bp-v1"'  # then unchanged again
    assert snapshot("Budget primitif 2024") == before


def test_a_changed_file_updates_the_same_dataset_and_replaces_its_table(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    first = dataset("Budget primitif 2024")
    budget = scdl_samples.rows("budget primitif", 2024)
    budget[0]["BGT_MTPREV"] = 99999.99
    feed.serve_file(BP, scdl_samples.write(budget[:500]))
    report = harvest.run(source)
    assert errors(report) == []
    second = dataset("Budget primitif 2024")
    assert second["id"] == first["id"] and second["metadata_modified"] > first["metadata_modified"]
    rows = table(second)
    assert len(rows) == 500 and Decimal(str(rows[0]["BGT_MTPREV"])) == Decimal("99999.99")


@pytest.mark.parametrize("withdraw", ["delete", "mark"])
def test_a_document_gone_from_the_source_is_withdrawn(harvest: Harvest, feed: Feed, withdraw: str) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)], "withdraw": withdraw})
    harvest.run(source)
    ca_id = dataset("Compte administratif 2023")["id"]
    harvest.update(source, config={"withdraw": withdraw})
    harvest.run(source)
    withdrawn = tk.get_action("package_show")({"ignore_auth": True}, {"id": ca_id})
    if withdraw == "delete":
        assert withdrawn["state"] == "deleted"
    else:
        assert withdrawn["state"] == "active"
        assert any(e["key"] == "issy_withdrawn" for e in withdrawn["extras"])
    assert dataset("Budget primitif 2024")["state"] == "active"


def _truncated() -> bytes:
    data = fixture_bytes(BP)
    return data[: len(data) * 3 // 5]


def _without_column(column: str) -> bytes:
    budget = scdl_samples.rows("budget primitif", 2024)
    return scdl_samples.write(budget, columns=[c for c in scdl_samples.COLUMNS if c != column])


def _with_cell(line: int, column: str, value: str) -> bytes:
    budget = scdl_samples.rows("budget primitif", 2024)
    budget[line - 2][column] = value
    return scdl_samples.write(budget)


def _with_duplicate(line: int) -> bytes:
    budget = scdl_samples.rows("budget primitif", 2024)
    budget.insert(line - 1, budget[line - 2])
    return scdl_samples.write(budget)


FAULTS: dict[str, tuple[dict[str, Any], str]] = {  # response of the second run, error expected
    "timeout": ({"delay": 1.5}, r"n’a pas répondu dans les 0.3\s+secondes|timed out"),
    "http 500": ({"status": 500}, r"HTTP 500"),
    "truncated file": ({"body": _truncated()}, r"budget-primitif-2024.csv, ligne \d+\s:\s\d+ cellules au lieu de 22 .*tronqué"),
    # The source says its files are UTF-8; the publisher switches to cp1252.
    "wrong encoding": ({"body": fixture_bytes(BP).decode().encode("cp1252")},
                       r"budget-primitif-2024.csv, ligne 2, colonne \d+\s:\sl’octet 0x\w\w n’est pas valide en utf-8"),
    "missing required column": ({"body": _without_column("BGT_NATURE")}, r"colonne\(s\) obligatoire\(s\) absente\(s\)\s:\sBGT_NATURE"),
    "non-numeric amount": ({"body": _with_cell(57, "BGT_MTPREV", "12a,50")},
                           r"budget-primitif-2024.csv, ligne 57, colonne 19 \(BGT_MTPREV\)\s:\s«\s12a,50\s» n’est pas un nombre"),
    "duplicated lines": ({"body": _with_duplicate(40)}, r"budget-primitif-2024.csv, ligne 41\s:\sdoublon de la ligne 40"),
    "over the size limit": ({"body": fixture_bytes(BP) + b"\n" * 10000}, r"dépasse la limite de 200000 octets"),
    "redirect to a refused address": ({"status": 302, "redirect": True}, r"Connexion à 127.0.0.1:\d+ refusée"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_feed_leaves_the_published_data_intact_and_says_why(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.timeout", 0.3)
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.retries", 1)
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.max_bytes", 200000)
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP), {"encoding": "utf-8"})
    harvest.run(source)
    before = snapshot("Budget primitif 2024")

    response, expected = FAULTS[fault]
    response = dict(response)
    body = response.pop("body", fixture_bytes(BP))
    if response.pop("redirect", False):
        response["headers"] = {"Location": "http://127.0.0.1:9/budget.csv"}
    feed.files[BP] = lambda: Response(body, **response)
    report = harvest.run(source)

    assert any(re.search(expected, message) for message in errors(report)), errors(report)
    assert snapshot("Budget primitif 2024") == before  # row by row, metadata and activity


def test_a_source_that_is_down_leaves_the_published_data_intact(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    before = snapshot("Budget primitif 2024")
    feed.stop()  # nothing listens on the source's port any more
    report = harvest.run(source)
    assert any("Connection refused" in message for message in errors(report)), errors(report)
    assert snapshot("Budget primitif 2024") == before


def test_a_429_answer_is_retried_and_the_harvest_succeeds(harvest: Harvest, feed: Feed) -> None:
    body = fixture_bytes(BP)
    answers = [Response(b"", status=429, headers={"Retry-After": "0"}), Response(body)]
    feed.files[BP] = lambda: answers.pop(0) if len(answers) > 1 else answers[0]
    report = harvest.run(harvest.source(feed.url(BP)))
    assert errors(report) == []
    assert len(table(dataset("Budget primitif 2024"))) == 700


def test_a_bad_document_does_not_stop_the_good_ones(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP, _with_cell(10, "BGT_MTPREV", "beaucoup"))
    feed.serve_file(CA)
    report = harvest.run(harvest.source(feed.url(BP), {"urls": [feed.url(CA)]}))
    assert any(re.search(r"«\sbeaucoup\s» n’est pas un nombre", message) for message in errors(report))
    assert [d["title"] for d in datasets()] == ["Compte administratif 2023"]


def test_the_run_test_command_harvests_synchronously(harvest: Harvest, feed: Feed, cli: Any) -> None:
    from ckan.cli.cli import ckan

    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    result = cli.invoke(ckan, ["harvester", "run-test", source["id"]])
    assert result.exit_code == 0, result.output
    assert len(table(dataset("Budget primitif 2024"))) == 700


TOTEM = "finance/totem-compte-administratif-2023-iso-8859-1.xml"


def test_a_totem_document_is_published_as_its_scdl_table_with_its_nomenclature(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(TOTEM, headers={"Content-Type": "application/xml"})
    report = harvest.run(harvest.source(feed.url(TOTEM), {"format": "totem"}))
    assert errors(report) == []
    assert [d["title"] for d in datasets()] == [
        "Compte administratif 2023", "Compte administratif 2023 – ISSY - BUDGET ANNEXE DES ÉQUIPEMENTS SPORTIFS"]
    package = dataset("Compte administratif 2023")
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert (extras["budget_nomenclature"], extras["scdl_siret"]) == ("M57-M57", "21920040500011")
    assert "Nomenclature comptable : M57-M57" in package["notes"]
    rows = table(package)
    assert [(r["BGT_NATURE"], r["BGT_SECTION"], r["BGT_OPBUDG"], r["BGT_CODRD"], r["BGT_MTREAL"]) for r in rows] == [
        ("73111", "fonctionnement", "réel", "recette", 52345678.9),
        ("2315", "investissement", "réel", "dépense", 1234567.89),
        ("6811", "fonctionnement", "ordre", "dépense", 4087512.34)]
    # Neither copied nor linked (its annexes may name people): named in words.
    assert [r["issy_role"] for r in package["resources"]] == ["data"]
    assert "document budgétaire TOTEM « totem-compte-administratif-2023-iso-8859-1.xml »" in package["notes"]


def test_a_document_given_both_as_scdl_and_as_totem_is_published_once_and_reported(
        harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(CA)
    feed.serve_file(TOTEM)
    report = harvest.run(harvest.source(feed.url(CA), {"urls": [feed.url(TOTEM)]}))
    titles = [d["title"] for d in datasets()]
    assert titles.count("Compte administratif 2023") == 1 and len(titles) == 2  # and the annex budget
    assert [m for m in errors(report) if "compte-administratif-2023-21920040500011" in m and TOTEM in m]
    assert table(dataset("Compte administratif 2023"))[0]["BGT_NOM"] == "COMMUNE D'ISSY-LES-MOULINEAUX (EXEMPLE)"


def test_a_csv_source_records_the_nomenclature_its_configuration_names(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(CA)
    harvest.run(harvest.source(feed.url(CA), {"nomenclature": "M14-M14_COM_SUP3500"}))
    extras = {e["key"]: e["value"] for e in dataset("Compte administratif 2023")["extras"]}
    assert extras["budget_nomenclature"] == "M14-M14_COM_SUP3500"


def test_a_source_over_a_change_of_plan_records_the_nomenclature_of_each_year(harvest: Harvest, feed: Feed) -> None:
    # A city that moved from M14 to M57 in 2024; 2022 is not listed: no nomenclature.
    feed.serve_file(CA)
    feed.serve_file(BP)
    feed.serve_file(CA_13)
    config = {"urls": [feed.url(BP), feed.url(CA_13)], "nomenclature": {"2023": "M14", "2024": "M57"}}
    assert errors(harvest.run(harvest.source(feed.url(CA), config))) == []

    for title, plan in (("Compte administratif 2023", "M14"), ("Budget primitif 2024", "M57")):
        package = dataset(title)
        assert {e["key"]: e["value"] for e in package["extras"]}["budget_nomenclature"] == plan
        assert f"Nomenclature comptable : {plan}." in package["notes"]
    package = dataset("Compte administratif 2022")
    assert "budget_nomenclature" not in {e["key"] for e in package["extras"]}
    assert "Nomenclature comptable" not in package["notes"]


EXAMPLE = '{"2023": "M14", "2024": "M57"}'  # the shape the message shows


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("value, named", [
    ({"2024x": "M57"}, "2024x"),
    ({"2023": "M14", "24": "M57"}, "24"),  # 2023 is a year: only 24 is named
    ({"2024": 57}, EXAMPLE),
    (["M14", "M57"], EXAMPLE),
    (57, EXAMPLE),
], ids=["key-not-a-year", "one-key-not-a-year", "value-not-a-string", "list", "number"])
def test_a_nomenclature_neither_a_string_nor_one_per_year_is_refused_clearly(value: Any, named: str) -> None:
    from ckanext.issy.harvesters.core.base import ConfigError
    from ckanext.issy.harvesters.finance import ScdlBudgetHarvester

    with pytest.raises(ConfigError) as refused:
        ScdlBudgetHarvester().validate_config(json.dumps({"nomenclature": value}))
    message = str(refused.value)
    # The site's language words the rest: the key and what is wrong are in every language.
    assert "nomenclature" in message and named in message, message
    assert "2023" not in message or named == EXAMPLE, message
    assert ";" not in message, "one problem, not a cascade"


def test_the_nomenclature_of_a_dataset_over_several_years_lists_each_plan_once() -> None:
    from ckanext.issy.harvesters.finance import nomenclature

    per_year = {"nomenclature": {"2022": "M14", "2023": "M14", "2024": "M57", "2026": "M57"}}
    assert nomenclature(per_year, ("2024", "2024")) == "M57"
    assert nomenclature(per_year, ("2025", "2025")) == ""
    assert nomenclature(per_year, ("2021", "2025")) == "M14, M57"
    assert nomenclature({"nomenclature": "M14"}, ("2020", "2030")) == "M14"


PERSON = "Jeanne Dupré"  # named in the fixture's annex of staff


def _rows_naming(engine_connection: Any, text: str, left_behind: frozenset[str] = frozenset()) -> list[str]:
    """The tables of a database (every schema but the catalogue's, but the
    ``left_behind`` ones) with a row that contains ``text``."""
    tables = engine_connection.exec_driver_sql(
        "SELECT table_name, quote_ident(table_schema) || '.' || quote_ident(table_name)"
        " FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema')").all()
    return [table for name, table in tables if name not in left_behind and engine_connection.exec_driver_sql(
        f"SELECT EXISTS (SELECT FROM {table} AS t WHERE t::text ILIKE %s)", (f"%{text}%",)).scalar()]


def _left_behind(ckan_db: Any, datastore_db: Any) -> frozenset[str]:
    """The DataStore tables of resources that no longer exist: earlier tests'
    (clean_db empties CKAN's database, not the DataStore's)."""
    resources = set(ckan_db.exec_driver_sql("SELECT id FROM resource").scalars())
    tables = datastore_db.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        " AND table_name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'").scalars()
    return frozenset(table for table in tables if table not in resources)


def test_the_person_a_totem_annex_names_is_nowhere_in_the_databases_files_or_logs(
        harvest: Harvest, feed: Feed, caplog: pytest.LogCaptureFixture) -> None:
    from ckanext.datastore.backend.postgres import get_write_engine

    feed.serve_file(TOTEM, headers={"Content-Type": "application/xml"})
    assert PERSON.encode("iso-8859-1") in fixture_bytes(TOTEM)
    caplog.set_level(logging.DEBUG)
    started = time.time()
    report = harvest.run(harvest.source(feed.url(TOTEM)))
    assert errors(report) == [] and len(datasets()) == 2
    with model.meta.engine.connect() as ckan_db, get_write_engine().connect() as datastore_db:
        earlier = _left_behind(ckan_db, datastore_db)
        assert _rows_naming(ckan_db, "Dupré") == [] and _rows_naming(datastore_db, "Dupré", earlier) == []
        assert _rows_naming(ckan_db, "73111") and _rows_naming(datastore_db, "73111", earlier)  # the search finds
    storage = Path(tk.config["ckan.storage_path"])
    written = [path for path in storage.rglob("*") if path.is_file() and path.stat().st_mtime >= started - 1]
    assert written and not [path for path in written if re.search(rb"Dupr(\xc3\xa9|\xe9)", path.read_bytes())]
    assert not [record for record in caplog.records if "Dupré" in record.getMessage()]


TOTEM_FAULTS = {
    "invalid XML": lambda good: good[:good.index(b"</Budget>")],
    "entity expansion": lambda good: b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                                     + good.split(b"?>", 1)[1].replace(b'V="01"/>', b'V="&b;"/>', 1),
    "external entity": lambda good: b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
                                    + good.split(b"?>", 1)[1].replace(b'V="01"/>', b'V="&x;"/>', 1),
}


@pytest.mark.parametrize("fault", TOTEM_FAULTS)
def test_a_broken_totem_document_is_refused_readably_and_leaves_the_published_data(
        harvest: Harvest, feed: Feed, fault: str) -> None:
    good = fixture_bytes(TOTEM)
    feed.serve_file(TOTEM, headers={"Content-Type": "application/xml"})
    source = harvest.source(feed.url(TOTEM), {"format": "totem"})
    harvest.run(source)
    before = snapshot("Compte administratif 2023")
    feed.serve_file(TOTEM, TOTEM_FAULTS[fault](good))
    messages = errors(harvest.run(source))
    assert len(messages) == 1 and "totem-compte-administratif-2023-iso-8859-1.xml" in messages[0], messages
    assert snapshot("Compte administratif 2023") == before


def test_a_totem_document_in_utf8_reads_the_same(harvest: Harvest, feed: Feed) -> None:
    utf8 = fixture_bytes(TOTEM).decode("iso-8859-1").replace('encoding="ISO-8859-1"', 'encoding="UTF-8"').encode()
    feed.serve_file("ca-2023-utf8.xml", utf8, headers={"Content-Type": "application/xml; charset=utf-8"})
    assert errors(harvest.run(harvest.source(feed.url("ca-2023-utf8.xml"), {"format": "totem"}))) == []
    assert [d["title"] for d in datasets()][1].endswith("ÉQUIPEMENTS SPORTIFS")
