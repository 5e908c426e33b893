"""The Opendatasoft Explore API v2.1 client against a local portal on 127.0.0.2."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import ckan.plugins.toolkit as tk
import pytest
import urllib3.util.retry

from ckanext.issy.harvesters.core import http, ods
from ckanext.issy.harvesters.core.reading import ReadError
from tests.support.http_server import FixtureServer, Response, sequence, serve
from tests.support.ods import API, CSV, Portal, as_json, csv_export, dataset

PARKING = "park-indigo-disponibilite-temps-reel"
ELECTIONS = "resultats-des-elections-municipales-et-communautaires-du-23-mars-2014-a-issy-les-moulineaux"
BUDGET = "resultats-des-exercices-budgetaires-a-issy"
PARKING_FIELDS = [
    ("parking_id", "Identifiant", "text"), ("name", "Nom du parking", "text"),
    ("nombre_de_places_contractuelles", "Nombre de places", "int"),
    ("value_free_spots", "Places libres", "int"), ("remplissage", "Remplissage (%)", "double"),
    ("value_status", "État", "text"), ("geo", "Coordonnées", "geo_point_2d"),
]
# Sample values, in the export's form: "lat, lon" for geo_point_2d.
PARKING_ROWS = [
    ("issy-1", "Parking Hôtel de Ville", 520, 137, 73.7, "ouvert", "48.8239, 2.2704"),
    ("issy-2", "Parking Corentin Celton", 318, 12, 96.2, "ouvert", "48.8271, 2.2792"),
    ("issy-3", "Parking Les Trois Moulins", 410, 0, 100.0, "complet", "48.8214, 2.2631"),
]
CATALOGUE = [
    dataset(PARKING, "Disponibilité en temps réel des parkings Indigo", fields=PARKING_FIELDS,
            keywords=["parking", "stationnement", "temps réel"], themes=["Transports, Déplacements"],
            description="<p>Places libres dans les parkings publics d'Issy-les-Moulineaux, "
                        "mises à jour toutes les 5 minutes.</p>",
            modified="2024-11-18T09:15:02+00:00", records_count=len(PARKING_ROWS)),
    dataset(ELECTIONS, "Résultats des élections municipales et communautaires du 23 mars 2014 à Issy-les-Moulineaux",
            fields=[("numero_bureau", "N° du bureau", "text"), ("inscrits", "Inscrits", "int"),
                    ("votants", "Votants", "int"), ("liste", "Liste", "text"), ("voix", "Voix", "int")],
            keywords=["élections", "municipales", "bureaux de vote"],
            themes=["Administration, Gouvernement, Finances publiques, Citoyenneté"],
            license=("Licence Ouverte (Etalab)", None), modified="2014-03-24T16:02:11+00:00", records_count=94,
            attachments=[{"mimetype": "application/pdf", "url": "odsfile://proces-verbal-municipales-2014.pdf",
                          "id": "proces_verbal_municipales_2014_pdf", "title": "Procès-verbal municipales 2014.pdf"}]),
    dataset(BUDGET, "Résultats des exercices budgétaires à Issy-les-Moulineaux",
            fields=[("exercice", "Exercice", "int"), ("resultat_exercice", "Résultat de l'exercice (€)", "double")],
            keywords=["budget", "finances"], themes=None,
            license=("Open Database License (ODbL)", "http://opendatacommons.org/licenses/odbl/summary/"),
            modified=None, records_count=12),
]


@dataclass
class Site:
    portal: Portal
    server: FixtureServer
    client: ods.Client

    def queries(self, path: str) -> list[dict[str, list[str]]]:
        """The query parameters of every request to ``path``, in order."""
        return [parse_qs(urlsplit(request).query) for request in self.server.requests
                if urlsplit(request).path == f"{API}/{path}"]


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    portal = Portal(list(CATALOGUE), {PARKING: csv_export([name for name, _l, _t in PARKING_FIELDS], PARKING_ROWS)})
    with serve(portal.handlers(), host="127.0.0.2") as server:
        monkeypatch.setitem(tk.config, "ckanext.issy.harvest.allowed_hosts", server.url.split("//")[1])
        monkeypatch.setitem(tk.config, "ckanext.issy.harvest.backoff", 0)
        yield Site(portal, server, ods.Client(server.url, http.HttpSettings.from_config()))


def quota_exceeded() -> Response:
    """Opendatasoft's answer when the portal's quota is used up."""
    quota = as_json({"errorcode": 10002, "reset_time": "2024-11-19T00:00:00Z", "limit_time_unit": "day",
                     "call_limit": 10000, "error": "Too many requests on the domain."})
    quota.status, quota.headers["Retry-After"] = 429, "1"
    return quota


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between retries, recorded instead of slept."""
    pauses: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", pauses.append)
    return pauses


# --- one dataset's metadata ------------------------------------------------
def test_a_dataset_s_metadata_becomes_a_typed_object(site: Site) -> None:
    parking = site.client.dataset(PARKING)
    assert parking.id == PARKING
    assert parking.title == "Disponibilité en temps réel des parkings Indigo"
    assert parking.description.startswith("<p>Places libres")
    assert parking.keywords == ("parking", "stationnement", "temps réel")
    assert parking.themes == ("Transports, Déplacements",)
    assert parking.publisher == "Ville d'Issy-les-Moulineaux"
    assert (parking.license_text, parking.license_id) == ("Licence Ouverte v2.0 (Etalab)", "lov2")
    assert parking.modified == datetime(2024, 11, 18, 9, 15, 2, tzinfo=timezone.utc)
    assert parking.records_count == 3
    assert [(field.name, field.type) for field in parking.fields][-3:] == [
        ("remplissage", "double"), ("value_status", "text"), ("geo", "geo_point_2d")]
    assert parking.fields[2].label == "Nombre de places"
    assert parking.attachments == ()


def test_attachments_come_with_the_url_they_are_downloaded_from(site: Site) -> None:
    (attachment,) = site.client.dataset(ELECTIONS).attachments
    assert attachment.title == "Procès-verbal municipales 2014.pdf"
    assert attachment.mimetype == "application/pdf"
    assert attachment.url == (f"{site.server.url}{API}/catalog/datasets/{ELECTIONS}"
                              "/attachments/proces_verbal_municipales_2014_pdf")


def test_missing_metadata_are_empty_and_the_licence_is_mapped_from_its_text(site: Site) -> None:
    budget = site.client.dataset(BUDGET)
    assert (budget.themes, budget.modified) == ((), None)
    assert (budget.license_text, budget.license_id) == ("Open Database License (ODbL)", "odc-odbl")


def test_an_unknown_dataset_names_the_portal_the_id_and_the_api_s_message(site: Site) -> None:
    with pytest.raises(ods.UnknownDataset) as raised:
        site.client.dataset("budget-primitif-2031")
    message = str(raised.value)
    assert site.server.url in message and "budget-primitif-2031" in message
    assert "Unknown dataset: budget-primitif-2031" in message
    assert isinstance(raised.value, http.FetchError)


def test_an_answer_that_is_not_json_is_a_read_error_naming_the_url(site: Site) -> None:
    page = "<html><body>Maintenance en cours</body></html>".encode()
    site.portal.routes[f"{API}/catalog/datasets/{PARKING}"] = lambda _q: Response(page)
    with pytest.raises(ReadError, match=f"{PARKING}.*JSON"):
        site.client.dataset(PARKING)


# --- the catalogue ---------------------------------------------------------
def test_every_dataset_of_the_catalogue_is_listed_page_by_page(site: Site) -> None:
    sensors = [dataset(f"comptage-velo-compteur-{n:03d}", f"Comptage vélo – compteur n° {n}") for n in range(1, 203)]
    site.portal.datasets += sensors
    listed = [item.id for item in site.client.datasets()]
    assert listed == [item["dataset_id"] for item in CATALOGUE + sensors]
    pages = site.queries("catalog/datasets")
    assert [(query["limit"], query["offset"]) for query in pages] == [
        (["100"], ["0"]), (["100"], ["100"]), (["100"], ["200"])]


def test_the_listing_sends_where_and_refine_filters_to_the_api(site: Site) -> None:
    listed = site.client.datasets(where='search("élections")', refine=["keyword:élections"])
    assert [item.id for item in listed] == [ELECTIONS]
    (query,) = site.queries("catalog/datasets")
    assert query["where"] == ['search("élections")']
    assert query["refine"] == ["keyword:élections"]


def test_an_incremental_listing_keeps_what_changed_since_the_last_run_and_what_has_no_date(site: Site) -> None:
    last_run = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert [item.id for item in site.client.datasets(modified_after=last_run)] == [PARKING, BUDGET]
    assert "where" not in site.queries("catalog/datasets")[0]  # compared here, see Client.datasets


def test_a_page_without_results_is_a_read_error(site: Site) -> None:
    site.portal.routes[f"{API}/catalog/datasets"] = lambda _q: as_json({"total_count": 3, "datasets": []})
    with pytest.raises(ReadError, match="results.*total_count"):
        list(site.client.datasets())


def test_a_catalogue_that_changes_between_two_pages_is_an_error_not_a_silent_gap(site: Site) -> None:
    sensors = [dataset(f"comptage-velo-compteur-{n:03d}", f"Comptage vélo – compteur n° {n}") for n in range(1, 121)]
    first = as_json({"total_count": 123, "results": (CATALOGUE + sensors)[:100]})
    # A dataset published meanwhile shifts the second page by one: one dataset comes again.
    second = as_json({"total_count": 124, "results": (CATALOGUE + sensors)[99:]})
    site.portal.routes[f"{API}/catalog/datasets"] = sequence(first, second)
    with pytest.raises(ReadError, match="catalogue"):
        list(site.client.datasets())


def test_a_catalogue_beyond_the_api_s_paging_window_ends_in_an_error_not_silently(site: Site) -> None:
    def huge(query: dict[str, list[str]]) -> Response:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        page = [dataset(f"capteur-{n:05d}", f"Capteur n° {n}") for n in range(offset, offset + limit)]
        return as_json({"total_count": 10_050, "results": page})

    site.portal.routes[f"{API}/catalog/datasets"] = huge
    listed: list[str] = []
    with pytest.raises(ReadError, match="10000"):
        listed.extend(item.id for item in site.client.datasets())
    assert len(listed) == 10_000
    assert site.queries("catalog/datasets")[-1]["offset"] == ["9900"]


def test_an_odsql_error_shows_the_api_s_message(site: Site) -> None:
    bad = Response(json.dumps({"message": "ODSQL query is malformed: modifed > 2024 Clause(s) containing the "
                                          "error(s): where.", "error_code": "ODSQLError"}).encode(), 400)
    site.portal.routes[f"{API}/catalog/datasets"] = lambda _q: bad
    with pytest.raises(ods.ApiError, match="400.*ODSQL query is malformed"):
        list(site.client.datasets(where="modifed > 2024"))


# --- exports ---------------------------------------------------------------
def test_an_export_is_read_without_its_bom_with_semicolons_and_accents(site: Site) -> None:
    with site.client.export_csv(PARKING) as export:
        header, rows = export.header, [row.cells for row in export.rows]
    assert header == ["parking_id", "name", "nombre_de_places_contractuelles", "value_free_spots",
                      "remplissage", "value_status", "geo"]
    assert export.delimiter == ";"
    assert rows[0] == ["issy-1", "Parking Hôtel de Ville", "520", "137", "73.7", "ouvert", "48.8239, 2.2704"]
    assert [ods.geo_point(cells[-1]) for cells in rows] == [
        ods.GeoPoint(48.8239, 2.2704), ods.GeoPoint(48.8271, 2.2792), ods.GeoPoint(48.8214, 2.2631)]


def test_the_export_s_temporary_file_is_deleted_after_reading(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.download_dir", str(tmp_path))
    client = ods.Client(site.server.url, http.HttpSettings.from_config())
    with client.export_csv(PARKING) as export:
        assert len(list(tmp_path.iterdir())) == 1
        next(export.rows)
    assert list(tmp_path.iterdir()) == []


def test_an_export_is_asked_for_whole_not_paged_through_records(site: Site) -> None:
    with site.client.export_csv(PARKING, where="value_status = \"ouvert\"") as export:
        list(export.rows)
    (request,) = site.server.requests
    assert urlsplit(request).path == f"{API}/catalog/datasets/{PARKING}/exports/csv"
    assert parse_qs(urlsplit(request).query) == {"where": ['value_status = "ouvert"']}


def test_a_429_is_retried_after_the_delay_the_portal_asks_for(site: Site, slept: list[float]) -> None:
    path = f"{API}/catalog/datasets/{PARKING}/exports/csv"
    site.portal.routes[path] = sequence(quota_exceeded(), site.portal.export(PARKING))
    with site.client.export_csv(PARKING) as export:
        assert len(list(export.rows)) == 3
    assert slept == [1.0]
    assert len(site.server.requests) == 2


def test_a_quota_still_exhausted_after_the_retries_shows_the_portal_s_message(
        site: Site, slept: list[float]) -> None:
    site.portal.routes[f"{API}/catalog/datasets"] = lambda _q: quota_exceeded()
    with pytest.raises(ods.ApiError, match="429.*Too many requests on the domain"):
        list(site.client.datasets())
    assert len(site.server.requests) == 1 + site.client.settings.retries


def test_an_export_shorter_than_its_content_length_is_refused(site: Site) -> None:
    body = site.portal.exports[PARKING]
    site.portal.routes[f"{API}/catalog/datasets/{PARKING}/exports/csv"] = lambda _q: Response(
        body[:-40], headers=dict(CSV), content_length=len(body))
    with pytest.raises(http.FetchError, match=PARKING):
        with site.client.export_csv(PARKING):
            pytest.fail("no row of a cut-off export may be read")


def test_an_export_ending_in_the_middle_of_a_line_is_refused_before_any_row(site: Site) -> None:
    cut = site.portal.exports[PARKING][:-30]  # the last line loses its end and its line break
    site.portal.routes[f"{API}/catalog/datasets/{PARKING}/exports/csv"] = lambda _q: Response(cut, headers=dict(CSV))
    with pytest.raises(ReadError, match=f"{PARKING}/exports/csv"):
        with site.client.export_csv(PARKING):
            pytest.fail("no row of a cut-off export may be read")


def test_the_export_of_an_unknown_dataset_is_an_unknown_dataset_error(site: Site) -> None:
    with pytest.raises(ods.UnknownDataset, match="stationnement-velo-2031"):
        with site.client.export_csv("stationnement-velo-2031"):
            pass


# --- geo_point_2d ------------------------------------------------------------
@pytest.mark.parametrize("value", ["48.8239, 2.2704", "48.8239,2.2704", {"lat": 48.8239, "lon": 2.2704},
                                   [48.8239, 2.2704]])
def test_a_geo_point_is_read_from_the_csv_the_json_and_the_v1_forms(value: object) -> None:
    assert ods.geo_point(value) == ods.GeoPoint(48.8239, 2.2704)


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_geo_point_is_none(value: object) -> None:
    assert ods.geo_point(value) is None


@pytest.mark.parametrize("value", ["48.8239", "Issy-les-Moulineaux, 92130", "248.8, 2.27", {"lat": 48.8}])
def test_a_value_that_is_not_a_geo_point_is_a_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        ods.geo_point(value)
