"""Fixtures of the map data tests: a DataStore table of places of Issy with
their coordinates written every way real files write them (numbers, text
with a French decimal comma, Opendatasoft's geo_point_2d), made as the
harvesters make tables (a versioned table); uploaded GeoJSON layers of
polling-station contours; an election turnout table to join them to."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from werkzeug.datastructures import FileStorage

from ckanext.issy.harvesters.core import datastore
from ckanext.issy.harvesters.core.datastore import Column

PLACE_COLUMNS = [
    Column("nom", "text", "Nom", "Nom du lieu."),
    Column("quartier", "text", "Quartier", "Quartier d’Issy-les-Moulineaux."),
    Column("places", "int4", "Places", "Places de stationnement vélo."),
    Column("latitude", "numeric", "Latitude", "Latitude WGS 84."),
    Column("longitude", "numeric", "Longitude", "Longitude WGS 84."),
    Column("lat_texte", "text", "Latitude (texte)", "Latitude telle que chargée par xloader."),
    Column("lon_texte", "text", "Longitude (texte)", "Longitude telle que chargée par xloader."),
    Column("geo_point_2d", "text", "Géolocalisation", "« latitude, longitude » d’Opendatasoft."),
]
# name, district, bicycle spaces, latitude, longitude
PLACES = [
    ("Hôtel de Ville", "Centre-ville", 12, "48.8240", "2.2700"),
    ("Médiathèque centrale", "Centre-ville", 8, "48.8227", "2.2731"),
    ("Parc Henri-Barbusse", "Les Épinettes", 20, "48.8189", "2.2625"),
    ("Île Saint-Germain", "Île Saint-Germain", 30, "48.8265", "2.2510"),
    ("Fort d’Issy", "Fort", 16, "48.8185", "2.2585"),
    ("Gare d’Issy-Val-de-Seine", "Val de Seine", 40, "48.8303", "2.2641123"),
]


def place_rows() -> list[list[Any]]:
    """The six places, then one of unknown position and one with a latitude of 148."""
    rows: list[list[Any]] = [
        [name, district, spaces, Decimal(lat), Decimal(lon), lat.replace(".", ","), lon.replace(".", ","),
         f"{lat}, {lon}"] for name, district, spaces, lat, lon in PLACES]
    rows.append(["Kiosque à musique", "Centre-ville", 4, None, None, "inconnu", "", "à préciser"])
    rows.append(["Saisie erronée", "Fort", 2, Decimal("148"), Decimal("2.27"), "148", "2,27", "148.0, 2.27"])
    return rows


@dataclass
class Portal:
    sysadmin: dict[str, Any]
    editor: dict[str, Any]  # an editor of the organisation, with an API token
    organization: dict[str, Any]


@pytest.fixture
def portal(with_plugins: None, clean_db: None, clean_index: None) -> Portal:
    sysadmin = factories.Sysadmin()
    editor = factories.UserWithToken()
    organization = factories.Organization(user=sysadmin, title="Ville d’Issy-les-Moulineaux",
                                          users=[{"name": editor["name"], "capacity": "editor"}])
    return Portal(sysadmin, editor, organization)


def act(user: dict[str, Any], action: str, **data: Any) -> Any:
    return tk.get_action(action)({"user": user["name"]}, data)


def dataset(portal: Portal, title: str, private: bool = False) -> dict[str, Any]:
    return factories.Dataset(user=portal.sysadmin, owner_org=portal.organization["id"], private=private,
                             title=title)


def table(portal: Portal, title: str, columns: list[Column], rows: list[list[Any]],
          private: bool = False) -> str:
    """A versioned DataStore table of a new dataset, as the harvesters make one."""
    resource = factories.Resource(package_id=dataset(portal, title, private)["id"], name=title,
                                  url="http://example.org/donnees.csv", format="CSV")
    datastore.load(resource["id"], columns, rows, {"user": portal.sysadmin["name"]})
    return resource["id"]


@pytest.fixture
def places(portal: Portal) -> str:
    return table(portal, "Stationnements vélo d’Issy-les-Moulineaux", PLACE_COLUMNS, place_rows())


def square(lon: float, lat: float, side: float = 0.004) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]]


def contours() -> dict[str, Any]:
    """Four polling-station contours of Issy as Etalab publishes them (one a
    MultiPolygon, with an altitude and a nested property), and a feature
    without a geometry."""
    stations = [("92040_0001", "Hôtel de Ville", 2.2690, 48.8230),
                ("92040_0002", "École Anatole-France", 2.2730, 48.8250),
                ("92040_0003", "Gymnase Jules-Guesde", 2.2600, 48.8180),
                ("92040_0004", "École des Épinettes", 2.2640, 48.8290)]
    features: list[dict[str, Any]] = [
        {"type": "Feature", "id": code,
         "properties": {"codeBureauVote": code, "nomBureauVote": name, "numero": rank + 1,
                        "codeCommune": "92040", "source": {"producteur": "Etalab"}},
         "geometry": {"type": "Polygon", "coordinates": square(lon, lat)}}
        for rank, (code, name, lon, lat) in enumerate(stations)]
    features[3]["geometry"] = {"type": "MultiPolygon", "coordinates": [
        [[[x, y, 35.0] for x, y in ring] for ring in square(2.2640, 48.8290)], square(2.2700, 48.8300, 0.001)]}
    features.append({"type": "Feature", "properties": {"codeBureauVote": "92040_0099"}, "geometry": None})
    return {"type": "FeatureCollection", "features": features}


def upload(portal: Portal, content: bytes | str | dict[str, Any], private: bool = False,
           name: str = "contours.geojson", format: str = "GeoJSON") -> str:
    """A resource whose file is uploaded to the portal."""
    data = json.dumps(content).encode() if isinstance(content, dict) else (
        content.encode() if isinstance(content, str) else content)
    package = dataset(portal, "Contours des bureaux de vote d’Issy-les-Moulineaux", private)
    resource = act(portal.sysadmin, "resource_create", package_id=package["id"], name="Contours", url=name,
                   format=format, upload=FileStorage(io.BytesIO(data), name, content_type="application/geo+json"))
    assert resource["url_type"] == "upload"
    return resource["id"]


@pytest.fixture
def layer(portal: Portal) -> str:
    return upload(portal, contours())


TURNOUT_COLUMNS = [
    Column("id_brut_miom", "text", "Bureau de vote", "Code du bureau : commune et numéro."),
    Column("libelle", "text", "Libellé du bureau", "Nom du bureau."),
    Column("inscrits", "int4", "Inscrits", "Électeurs inscrits."),
    Column("votants", "int4", "Votants", "Électeurs ayant voté."),
]
# 0004 has no row; 0005 (a station created since the contours) has no feature.
TURNOUT = [["92040_0001", "Hôtel de Ville", 1210, 702], ["92040_0002", "École Anatole-France", 1105, 640],
           [" 92040_0003 ", "Gymnase Jules-Guesde", 987, 512], ["92040_0005", "Collège Victor-Hugo", 1003, 488]]


@pytest.fixture
def turnout(portal: Portal) -> str:
    return table(portal, "Élections européennes 2024 : participation par bureau", TURNOUT_COLUMNS, TURNOUT)
