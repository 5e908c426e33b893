"""Opendatasoft finance datasets harvested by ``issy_finance`` with
``"format": "ods"``, through the real harvest stages, Redis queues, database
and DataStore, from a portal served on 127.0.0.2.

Fixtures: a budget by function (``budget-par-fonction``: plural "Dépenses",
"Fonctionnement", amounts with a decimal point, ODbL) mapped onto the
aggregated table, in its CSV export (``;``, byte order mark, CRLF) and its
JSON export; a detailed compte administratif 2022 (one-letter sections and
directions, Licence Ouverte) mapped onto the SCDL columns."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.harvesters.test_finance import dataset, datasets, snapshot, table
from tests.support.http_server import Response

API = "api/explore/v2.1/catalog/datasets"
BY_FUNCTION = "budget-par-fonction"
DETAIL = "compte-administratif-2022"
AGGREGATED = {
    "format": "ods", "dataset": BY_FUNCTION, "table": "aggregated",
    "mapping": {"annee": "exercice", "document": "type_de_budget", "sens": "sens", "section": "section",
                "code": "code_fonction", "libelle": "libelle_fonction", "montant": "montant"},
}
SCDL = {
    "format": "ods", "dataset": DETAIL, "nomenclature": "M14",
    "mapping": {"BGT_ANNEE": "exercice", "BGT_CONTNAT": "chapitre", "BGT_CONTNAT_LABEL": "libelle_chapitre",
                "BGT_NATURE": "nature", "BGT_NATURE_LABEL": "libelle_nature", "BGT_FONCTION": "fonction",
                "BGT_FONCTION_LABEL": "libelle_fonction", "BGT_SECTION": "section", "BGT_OPBUDG": "type_mouvement",
                "BGT_CODRD": "sens", "BGT_MTREAL": "realise"},
    "values": {"BGT_NATDEC": "compte administratif", "BGT_SIRET": "21920040500011",
               "BGT_NOM": "Commune d'Issy-les-Moulineaux"},
}
TITLE = "Budget de la ville par fonction (comptes administratifs)"


def serve_portal(feed: Feed, dataset_id: str) -> None:
    """The dataset's catalogue entry and both exports, where the Explore API v2.1 serves them."""
    feed.serve_file(f"{API}/{dataset_id}", fixture_bytes(f"finance/ods-{dataset_id}-catalogue.json"),
                    headers={"Content-Type": "application/json; charset=utf-8"})
    for export in ("csv", "json"):
        name = f"finance/ods-{dataset_id}-export.{export}"
        try:
            feed.serve_file(f"{API}/{dataset_id}/exports/{export}", fixture_bytes(name))
        except FileNotFoundError:
            continue


def portal(feed: Feed) -> str:
    return feed.server.url


@pytest.mark.parametrize("export", ["csv", "json"])
def test_an_aggregated_dataset_is_published_whole_from_either_export_with_its_licence(
        harvest: Harvest, feed: Feed, export: str) -> None:
    serve_portal(feed, BY_FUNCTION)
    report = harvest.run(harvest.source(portal(feed), {**AGGREGATED, "export": export}))
    assert errors(report) == []

    package = dataset(TITLE)
    rows = table(package)
    assert len(rows) == 9
    first = rows[0]
    assert (first["annee"], first["document"], first["sens"], first["section"], first["code"]) == (
        2021, "Compte administratif", "dépense", "fonctionnement", "0")
    assert first["libelle"] == "Services généraux des administrations publiques locales"
    assert Decimal(str(first["montant"])) == Decimal("41236508.37")
    assert sum(Decimal(str(row["montant"])) for row in rows) == Decimal("325824379.59")  # the records summed by hand
    assert package["license_id"] == "odc-odbl"  # the portal's, not the source's default
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2021-01-01", "2022-12-31")
    source = next(r for r in package["resources"] if r.get("issy_role") == "source")
    assert source["url"] == f"{portal(feed)}/explore/dataset/{BY_FUNCTION}/"
    assert "Open Database License (ODbL)" in package["notes"]


def test_both_exports_give_the_same_table(harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, BY_FUNCTION)
    source = harvest.source(portal(feed), AGGREGATED)
    harvest.run(source)
    from_csv = table(dataset(TITLE))
    harvest.update(source, config={**AGGREGATED, "export": "json"})
    report = harvest.run(source)
    assert errors(report) == []
    from_json = table(dataset(TITLE))
    assert [{**row, "_id": 0} for row in from_json] == [{**row, "_id": 0} for row in from_csv]
    assert from_json[0]["_id"] != from_csv[0]["_id"]  # the table was loaded again, from the other export


def test_a_detailed_dataset_mapped_onto_scdl_is_published_as_a_budget_document(harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, DETAIL)
    report = harvest.run(harvest.source(portal(feed), SCDL))
    assert errors(report) == []
    package = dataset("Compte administratif 2022")
    rows = table(package)
    assert len(rows) == 6
    assert [(r["BGT_SECTION"], r["BGT_CODRD"], r["BGT_OPBUDG"]) for r in rows[-2:]] == [
        ("investissement", "dépense", "réel"), ("investissement", "recette", "ordre")]
    assert rows[0]["BGT_SIRET"] == "21920040500011" and rows[0]["BGT_NATDEC"] == "compte administratif"
    assert rows[0]["BGT_NATURE_LABEL"] == "Énergie – électricité"
    assert Decimal(str(rows[0]["BGT_MTREAL"])) == Decimal("412530.18")
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert extras["budget_nomenclature"] == "M14" and extras["scdl_document"] == "compte administratif"
    assert package["license_id"] == "lov2"


def test_a_429_answer_of_the_portal_is_retried_and_the_harvest_succeeds(harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, BY_FUNCTION)
    path = f"{API}/{BY_FUNCTION}/exports/csv"
    export = feed.files[path]
    answers = [Response(b'{"errorcode": 10002, "error": "Too many requests"}', status=429,
                        headers={"Retry-After": "0"})]
    feed.files[path] = lambda: answers.pop(0) if answers else export()
    report = harvest.run(harvest.source(portal(feed), AGGREGATED))
    assert errors(report) == []
    assert answers == []  # the 429 was answered, then the export
    assert len(table(dataset(TITLE))) == 9


def _cut(body: bytes) -> bytes:
    return body[:len(body) * 2 // 3]


@pytest.mark.parametrize("export, response, expected", [
    ("csv", {"content_length": 100_000}, r"exports/csv"),  # the connection closes before the announced length
    ("csv", {"body": "cut"}, r"interrompu|cut off"),  # a complete answer whose last line is cut
    ("json", {"body": "cut"}, r"JSON"),
])
def test_an_export_cut_mid_stream_is_refused_and_the_published_table_stays(
        harvest: Harvest, feed: Feed, export: str, response: dict[str, Any], expected: str) -> None:
    import re

    serve_portal(feed, BY_FUNCTION)
    source = harvest.source(portal(feed), {**AGGREGATED, "export": export})
    harvest.run(source)
    before = snapshot(TITLE)

    name = f"finance/ods-{BY_FUNCTION}-export.{export}"
    body = _cut(fixture_bytes(name)) if response.get("body") == "cut" else fixture_bytes(name)
    extra = {key: value for key, value in response.items() if key != "body"}
    feed.files[f"{API}/{BY_FUNCTION}/exports/{export}"] = lambda: Response(body, **extra)
    report = harvest.run(source)

    assert any(re.search(expected, message) for message in errors(report)), errors(report)
    assert snapshot(TITLE) == before  # row by row, metadata and activity
    assert len(datasets()) == 1


def test_a_mapping_naming_a_field_the_export_lacks_is_refused_readably_and_the_data_stays(
        harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, BY_FUNCTION)
    source = harvest.source(portal(feed), AGGREGATED)
    harvest.run(source)
    before = snapshot(TITLE)

    renamed = {**AGGREGATED, "mapping": {**AGGREGATED["mapping"], "montant": "montant_realise"}}
    harvest.update(source, config=renamed)
    report = harvest.run(source)

    (message,) = errors(report)
    assert "montant_realise (montant)" in message
    assert "exercice, type_de_budget, sens, section, code_fonction, libelle_fonction, montant" in message
    assert snapshot(TITLE) == before


def test_a_bad_amount_is_reported_with_its_field_and_line_and_nothing_is_published(
        harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, BY_FUNCTION)
    body = fixture_bytes(f"finance/ods-{BY_FUNCTION}-export.csv").replace(b"18422950.1", b"n/a")
    feed.serve_file(f"{API}/{BY_FUNCTION}/exports/csv", body)
    report = harvest.run(harvest.source(portal(feed), AGGREGATED))
    (message,) = [m for m in errors(report) if "n/a" in m]
    assert f"{BY_FUNCTION}.csv" in message and "« montant »" in message and " 3," in message
    assert datasets() == []


def test_the_metadata_and_the_export_are_both_read_so_a_new_licence_republishes(
        harvest: Harvest, feed: Feed) -> None:
    serve_portal(feed, BY_FUNCTION)
    source = harvest.source(portal(feed), AGGREGATED)
    harvest.run(source)
    entry = json.loads(fixture_bytes(f"finance/ods-{BY_FUNCTION}-catalogue.json"))
    entry["metas"]["default"]["license"] = "Licence Ouverte v2.0 (Etalab)"
    feed.serve_file(f"{API}/{BY_FUNCTION}", json.dumps(entry).encode())
    report = harvest.run(source)
    assert errors(report) == []
    assert dataset(TITLE)["license_id"] == "lov2"
