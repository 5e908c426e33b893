"""Capital expenditure projects harvested by ``issy_finance`` with
``"format": "projects"``: one dataset per year with its table and its
GeoJSON map layer, linked with the budget document of the same year.

Fixtures: four projects of 2023 and 2024 in Issy, as a Windows-1252 CSV file
(``;``, French amounts "2 350 000,00", an Opendatasoft ``geo_point_2d``
column "48.8248, 2.2661", headers of their own) and as a GeoJSON
FeatureCollection of points (longitude first)."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.harvesters.test_finance import CA, dataset, datasets, table

CSV = "finance/projets-investissement.csv"
GEOJSON = "finance/projets-investissement.geojson"
CSV_MAPPING = {"libelle": "Projet", "montant": "Montant TTC", "annee": "Année", "fonction": "Politique publique",
               "adresse": "Adresse", "geo_point": "geo_point_2d"}
GEOJSON_MAPPING = {"libelle": "nom"}  # the other properties have the table's names
PROJECTS_2023 = "Projets d'investissement 2023"


def _layer(app: Any, package: dict[str, Any]) -> dict[str, Any]:
    resource = next(r for r in package["resources"] if r.get("issy_role") == "map")
    assert resource["format"] == "GeoJSON"
    return json.loads(app.get(resource["url"]).body)


@pytest.mark.parametrize("name, mapping", [(CSV, CSV_MAPPING), (GEOJSON, GEOJSON_MAPPING)])
def test_projects_are_published_by_year_with_their_table_and_map_layer(
        harvest: Harvest, feed: Feed, app: Any, name: str, mapping: dict[str, str]) -> None:
    feed.serve_file(name)
    report = harvest.run(harvest.source(feed.url(name), {"format": "projects", "mapping": mapping}))
    assert errors(report) == []
    assert [d["title"] for d in datasets()] == [PROJECTS_2023, "Projets d'investissement 2024"]

    package = dataset(PROJECTS_2023)
    rows = table(package)
    assert [(r["annee"], r["libelle"], Decimal(str(r["montant"]))) for r in rows] == [
        (2023, "Rénovation du groupe scolaire Anatole-France", Decimal("2350000")),
        (2023, "Réaménagement du parc Henri-Barbusse", Decimal("845000.5")),
        (2023, "Médiathèque centre-ville : mise en accessibilité", Decimal("412300")),
    ]
    assert (rows[0]["latitude"], rows[0]["longitude"], rows[0]["adresse"]) == (48.8248, 2.2661, "12 rue Anatole-France")
    layer = _layer(app, package)
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 3
    first = layer["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [2.2661, 48.8248]}
    assert first["properties"]["fonction"] == "Enseignement" and first["properties"]["montant"] == 2350000
    original = next(r for r in package["resources"] if r.get("issy_role") == "source")
    assert original["format"] == ("GeoJSON" if name == GEOJSON else "CSV")
    assert "3 607 300,50" in package["notes"].replace("\u202f", " ").replace("\xa0", " ")
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert (extras["temporal_start"], extras["issy_budget_document"]) == ("2023-01-01", "compte administratif")


def test_a_csv_file_with_latitude_and_longitude_columns_needs_no_mapping_for_them(harvest: Harvest, feed: Feed) -> None:
    text = fixture_bytes(CSV).decode("cp1252").replace("geo_point_2d", "latitude;longitude")
    text = re.sub(r";(-?[0-9.]+), (-?[0-9.]+)\r\n", r";\1;\2\r\n", text)
    feed.serve_file("projets.csv", text.encode("cp1252"))
    mapping = {key: value for key, value in CSV_MAPPING.items() if key != "geo_point"}
    report = harvest.run(harvest.source(feed.url("projets.csv"), {"format": "projects", "mapping": mapping}))
    assert errors(report) == []
    rows = table(dataset(PROJECTS_2023))
    assert [(r["latitude"], r["longitude"]) for r in rows] == [(48.8248, 2.2661), (48.8189, 2.2633), (48.8231, 2.2702)]


def test_the_projects_and_the_budget_document_of_their_year_link_to_each_other(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    feed.serve_file(GEOJSON)
    harvest.run(harvest.source(feed.url(GEOJSON), {"format": "projects", "mapping": GEOJSON_MAPPING},
                               name="projets-issy"))
    feed.serve_file(CA)  # harvested second: the link does not depend on the order
    harvest.run(harvest.source(feed.url(CA)))

    budget, projects = dataset("Compte administratif 2023"), dataset(PROJECTS_2023)
    budget_page = app.get(f"/dataset/{budget['name']}").body
    assert f'href="/dataset/{projects["name"]}"' in budget_page
    assert "Projets d&#39;investissement 2023" in budget_page
    assert f'href="/dataset/{budget["name"]}"' in app.get(f"/dataset/{projects['name']}").body
    # The 2024 projects have no compte administratif 2024: no link.
    other = dataset("Projets d'investissement 2024")
    assert "/dataset/compte-administratif" not in app.get(f"/dataset/{other['name']}").body


@pytest.mark.parametrize("name, change, expected", [
    (GEOJSON, lambda text: text.replace('"Point"', '"Polygon"', 1), r"feature 1|entité 1"),
    (GEOJSON, lambda text: text[:-40], r"JSON"),
    (CSV, lambda text: text.replace("geo_point_2d", "position"), r"geo_point_2d"),
    (CSV, lambda text: text.replace("Montant TTC", "Montant"), r"Montant TTC"),
    (CSV, lambda text: text.replace("48.8189, 2.2633", "Rue Henri-Barbusse"), r"Rue Henri-Barbusse"),
])
def test_a_broken_projects_file_is_refused_readably_and_publishes_nothing(
        harvest: Harvest, feed: Feed, name: str, change: Any, expected: str) -> None:
    encoding = "cp1252" if name == CSV else "utf-8"
    feed.serve_file(name, change(fixture_bytes(name).decode(encoding)).encode(encoding))
    mapping = CSV_MAPPING if name == CSV else GEOJSON_MAPPING
    report = harvest.run(harvest.source(feed.url(name), {"format": "projects", "mapping": mapping}))
    assert any(re.search(expected, message) for message in errors(report)), errors(report)
    assert datasets() == []


def test_a_point_outside_the_earth_is_reported_with_its_feature_and_its_year_is_not_published(
        harvest: Harvest, feed: Feed) -> None:
    text = fixture_bytes(GEOJSON).decode().replace("48.8189", "148.8189")
    feed.serve_file(GEOJSON, text.encode())
    report = harvest.run(harvest.source(feed.url(GEOJSON), {"format": "projects", "mapping": GEOJSON_MAPPING}))
    (message,) = errors(report)
    assert "148.8189" in message and " 2," in message and "90" in message and "(latitude)" in message
    assert [d["title"] for d in datasets()] == ["Projets d'investissement 2024"]
