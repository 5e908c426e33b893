"""The Ministry of the Interior's files by polling station (formats of
2017–2022 and of 2024 onwards) harvested into one dataset per election and
round, with two long tables checked row by row."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk

from devstack import election_samples
from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.elections.conftest import datasets, election_source, number, resource, table

A = "elections/miom-a-legislatives-2022-t1.txt"
B = "elections/miom-b-europeennes-2024.csv"
LEGI = {"format": "miom_a", "election": "2022_legi_t1"}
EURO = {"format": "miom_b", "election": "2024_euro_t1"}


def _extras(package: dict[str, Any]) -> dict[str, str]:
    return {extra["key"]: extra["value"] for extra in package["extras"]}


def test_a_format_a_file_becomes_the_communes_turnout_and_results_tables(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(A)
    report = harvest.run(election_source(harvest, feed.url(A), LEGI))
    assert errors(report) == []
    (package,) = datasets()
    assert package["title"] == "Élections législatives 2022 — 1er tour"
    turnout = table(package, "turnout")
    assert [row["id_brut_miom"] for row in turnout] == ["92040_0001", "92040_0002", "92040_0003"]
    assert turnout[0] == {
        "id_election": "2022_legi_t1", "id_brut_miom": "92040_0001", "code_commune": "92040",
        "libelle_commune": "Issy-les-Moulineaux", "code_bv": "0001", "inscrits": 1204, "abstentions": 492,
        "votants": 712, "blancs": 9, "nuls": 3, "blancs_ou_nuls": None, "exprimes": 700,
        "ratio_abstentions_inscrits": 40.86, "ratio_votants_inscrits": 59.14, "ratio_blancs_votants": 1.26,
        "ratio_nuls_votants": 0.42, "ratio_exprimes_inscrits": 58.14, "ratio_exprimes_votants": 98.31,
    }
    results = table(package, "results")
    assert len(results) == 12  # 3 stations, 4 candidates each (Vanves and Boulogne left out)
    assert results[1] == {
        "id_election": "2022_legi_t1", "id_brut_miom": "92040_0001", "code_commune": "92040", "code_bv": "0001",
        "no_panneau": "2", "nuance": "NUP", "nom": "OUÉDRAOGO", "prenom": "Aïssata", "sexe": "F", "liste": None,
        "libelle_liste": None, "nom_tete_liste": None, "voix": 214, "ratio_voix_inscrits": 17.77,
        "ratio_voix_exprimes": 30.57, "elu": None, "sieges": None,
    }
    # The row that ends with a ";" (station 0002) has the same four candidates.
    assert [(r["code_bv"], r["nom"], r["voix"]) for r in results if r["code_bv"] == "0002"] == [
        ("0002", "FERRAND", 250), ("0002", "OUÉDRAOGO", 198), ("0002", "LE GOFF", 130), ("0002", "CHÂTELAIN", 62)]


def test_a_format_b_file_reads_numbered_blocks_and_percent_strings(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(B)
    report = harvest.run(election_source(harvest, feed.url(B), EURO))
    assert errors(report) == []
    (package,) = datasets()
    assert package["title"] == "Élections européennes 2024 — 1er tour"
    turnout = table(package, "turnout")
    assert [(r["code_bv"], r["inscrits"], r["votants"], r["exprimes"]) for r in turnout] == [
        ("0001", 1198, 640, 626), ("0002", 1175, 598, 586), ("0003", 1301, 701, 683)]
    results = table(package, "results")
    assert [(r["code_bv"], r["no_panneau"], r["nuance"], r["liste"], r["voix"], number(r["ratio_voix_exprimes"]))
            for r in results[:3]] == [
        ("0001", "1", "LENS", "ENSEMBLE POUR L'EUROPE", 280, Decimal("44.73")),
        ("0001", "2", "LUG", "L'EUROPE SOCIALE ET ÉCOLOGIQUE", 226, Decimal("36.10")),
        ("0001", "3", "LRN", "LA FRANCE D'ABORD", 120, Decimal("19.17")),
    ]
    assert results[0]["libelle_liste"] == "Ensemble pour l'Europe, conduite par Aurélien Moreau"


def test_the_dataset_carries_the_licence_dates_place_group_and_tags(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(B)
    harvest.run(election_source(harvest, feed.url(B), EURO))
    (package,) = datasets()
    extras = _extras(package)
    assert package["license_id"] == "lov2"
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2024-06-09", "2024-06-09")
    assert extras["spatial_text"] == "Issy-les-Moulineaux (INSEE 92040)"
    assert extras["election_id"] == "2024_euro_t1"
    assert [group["title"] for group in package["groups"]] == ["Élections"]
    assert {tag["name"] for tag in package["tags"]} == {"élections", "européennes", "1er tour", "2024"}
    # Derived from the three stations, never read from the file.
    assert "3\u202f674 inscrits, 1\u202f939 votants, 1\u202f895 suffrages exprimés" in package["notes"]
    assert "scrutin du 9 juin 2024" in package["notes"]
    assert {r["issy_role"] for r in package["resources"]} == {"turnout", "results", "source"}
    assert resource(package, "source")["url"] == feed.url(B)
    assert resource(package, "turnout")["datastore_active"] is True


def test_the_communes_totals_add_up_over_its_45_polling_stations(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file("legislatives.txt", election_samples.legislatives_2022_format_a())
    report = harvest.run(election_source(harvest, feed.url("legislatives.txt"), LEGI))
    assert errors(report) == []
    (package,) = datasets()
    turnout, results = table(package, "turnout"), table(package, "results")
    assert len(turnout) == 45 and len(results) == 45 * 7
    assert sum(r["votants"] for r in turnout) == sum(
        r["exprimes"] + r["blancs"] + r["nuls"] for r in turnout)
    assert sum(r["voix"] for r in results) == sum(r["exprimes"] for r in turnout)
    registered = sum(r["inscrits"] for r in turnout)
    assert f"{registered:,} inscrits".replace(",", "\u202f") in package["notes"]
    assert {r["id_brut_miom"] for r in turnout} == {f"92040_{n:04d}" for n in range(1, 46)}


def test_an_unchanged_reharvest_writes_nothing(harvest: Harvest, feed: Feed) -> None:
    from ckanext.issy.harvesters.core.datastore import table_version

    feed.serve_file(B)
    source = election_source(harvest, feed.url(B), EURO)
    harvest.run(source)
    (package,) = datasets()
    versions = {role: table_version(resource(package, role)["id"]) for role in ("turnout", "results")}
    report = harvest.run(source)
    assert errors(report) == []
    (again,) = datasets()
    assert again["metadata_modified"] == package["metadata_modified"]
    assert {role: table_version(resource(again, role)["id"]) for role in ("turnout", "results")} == versions
    job = tk.get_action("harvest_source_show")({"ignore_auth": True}, {"id": source["id"]})["status"]["last_job"]
    assert job["stats"] == {"added": 0, "updated": 0, "not modified": 1, "errored": 0, "deleted": 0}
