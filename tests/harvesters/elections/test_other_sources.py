"""data.gouv.fr's long format (two files, every election) and an
Opendatasoft dataset (a field mapping) harvested like the Ministry's files."""
from __future__ import annotations

from typing import Any

from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.harvesters.elections.conftest import datasets, election_source, resource, table
from tests.harvesters.elections.test_ods import WIDE
from tests.support.http_server import Response

GENERAL, CANDIDATES = "elections/long-general_results.csv", "elections/long-candidats_results.csv"
EXPORT = "api/explore/v2.1/catalog/datasets/resultats-municipales-2020-t1/exports/csv"


def test_the_long_format_gives_one_dataset_per_election_of_the_commune(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(GENERAL)
    feed.serve_file(CANDIDATES)
    source = election_source(harvest, feed.url(GENERAL), {
        "format": "datagouv", "candidates_url": feed.url(CANDIDATES)})
    report = harvest.run(source)
    assert errors(report) == []
    assert [d["title"] for d in datasets()] == [
        "Élection présidentielle 2022 — 1er tour", "Élections européennes 2024 — 1er tour"]
    euro = next(d for d in datasets() if "2024" in d["title"])
    turnout = table(euro, "turnout")
    assert [(r["id_brut_miom"], r["inscrits"], r["votants"]) for r in turnout] == [
        ("92040_0001", 1027, 647), ("92040_0002", 1112, 710)]
    results = table(euro, "results")
    assert {r["id_brut_miom"] for r in results} == {"92040_0001", "92040_0002"}
    assert sum(r["voix"] for r in results) == sum(r["exprimes"] for r in turnout)


def test_the_long_format_publishes_only_the_elections_asked_for(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(GENERAL)
    feed.serve_file(CANDIDATES)
    harvest.run(election_source(harvest, feed.url(GENERAL), {
        "format": "datagouv", "candidates_url": feed.url(CANDIDATES), "elections": ["2022_pres_t1"]}))
    assert [d["title"] for d in datasets()] == ["Élection présidentielle 2022 — 1er tour"]


def test_a_change_in_the_candidates_file_alone_is_harvested(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(GENERAL)
    feed.serve_file(CANDIDATES)
    source = election_source(harvest, feed.url(GENERAL), {
        "format": "datagouv", "candidates_url": feed.url(CANDIDATES), "elections": ["2024_euro_t1"]})
    harvest.run(source)
    lines = fixture_bytes(CANDIDATES).decode().splitlines()
    changed = [line.replace("HAYER Valérie", "HAYER Valérie-Anne") for line in lines]
    assert changed != lines
    feed.files[CANDIDATES] = lambda: Response(("\n".join(changed) + "\n").encode())
    report = harvest.run(source)
    assert errors(report) == []
    (package,) = datasets()
    assert "HAYER Valérie-Anne" in {r["nom_tete_liste"] for r in table(package, "results")}


def _ods_config(**changes: Any) -> dict[str, Any]:
    return {"format": "ods", "election": "2020_muni_t1", "dataset": "resultats-municipales-2020-t1",
            "mapping": WIDE, **changes}


def test_an_opendatasoft_dataset_is_read_from_its_csv_export_through_its_mapping(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(EXPORT, fixture_bytes("elections/ods-municipales-2020-t1-issy.csv"))
    report = harvest.run(election_source(harvest, feed.server.url, _ods_config()))
    assert errors(report) == []
    (package,) = datasets()
    assert package["title"] == "Élections municipales 2020 — 1er tour"
    turnout = table(package, "turnout")
    assert turnout[0]["code_bv"] == "0001" and turnout[0]["inscrits"] == 1027
    assert turnout[0]["blancs_ou_nuls"] == 12 and turnout[0]["blancs"] is None
    santini = [r for r in table(package, "results") if r["nom"] == "SANTINI"]
    assert [(r["code_bv"], r["voix"], r["liste"]) for r in santini][:2] == [
        ("0001", 400, "Issy, c'est vous !"), ("0002", 420, "Issy, c'est vous !")]
    assert resource(package, "source")["url"].endswith("/exports/csv")


def test_an_opendatasoft_export_cut_off_publishes_nothing(harvest: Harvest, feed: Feed) -> None:
    data = fixture_bytes("elections/ods-municipales-2020-t1-issy.csv")
    feed.serve_file(EXPORT, data[:-40])
    report = harvest.run(election_source(harvest, feed.server.url, _ods_config()))
    assert any("cut off" in message or "coupé" in message or "interrompu" in message for message in errors(report)), \
        errors(report)
    assert datasets() == []


def test_an_election_of_the_long_format_without_a_known_date_asks_for_it(harvest: Harvest, feed: Feed) -> None:
    general = fixture_bytes(GENERAL).decode().replace("2022_pres_t1", "2023_muni_t1").encode()
    candidates = fixture_bytes(CANDIDATES).decode().replace("2022_pres_t1", "2023_muni_t1").encode()
    feed.serve_file(GENERAL, general)
    feed.serve_file(CANDIDATES, candidates)
    report = harvest.run(election_source(harvest, feed.url(GENERAL), {
        "format": "datagouv", "candidates_url": feed.url(CANDIDATES)}))
    assert any("le jour du scrutin de 2023_muni_t1 n’est pas connu" in message for message in errors(report)), \
        errors(report)
    assert [d["title"] for d in datasets()] == ["Élections européennes 2024 — 1er tour"]
