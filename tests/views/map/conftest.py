"""Fixtures of the map tests: a DataStore table of car parks with their
coordinates (French names, accents), a GeoJSON file of two polling-station
areas uploaded to the portal, the election table joined to it, a PDF that
cannot be mapped, and an editor of their organisation."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.search.conftest import sysadmin  # noqa: F401  (fixture)

PARKINGS = [
    {"nom": "Hôtel de Ville", "latitude": 48.8240, "longitude": 2.2705, "places": 420,
     "quartier": "Centre-ville", "geo_point_2d": "48.8240, 2.2705"},
    {"nom": "Les Épinettes", "latitude": 48.8171, "longitude": 2.2612, "places": 180,
     "quartier": "Les Épinettes", "geo_point_2d": "48.8171, 2.2612"},
    {"nom": "Île Saint-Germain", "latitude": 48.8262, "longitude": 2.2551, "places": 95,
     "quartier": "Île Saint-Germain", "geo_point_2d": "48.8262, 2.2551"},
]
PARKING_FIELDS = [
    {"id": "nom", "type": "text", "info": {"label": "Nom du parking"}},
    {"id": "latitude", "type": "numeric"},
    {"id": "longitude", "type": "numeric"},
    {"id": "places", "type": "int", "info": {"label": "Places"}},
    {"id": "quartier", "type": "text", "info": {"label": "Quartier"}},
    {"id": "geo_point_2d", "type": "text"},
]
RESULT_FIELDS = [
    {"id": "code_bv", "type": "text", "info": {"label": "Bureau de vote"}},
    {"id": "votants", "type": "int", "info": {"label": "Votants"}},
    {"id": "tour", "type": "int"},
]
RESULTS = [{"code_bv": "0001", "votants": 512, "tour": 1}, {"code_bv": "0001", "votants": 498, "tour": 2},
           {"code_bv": "0002", "votants": 377, "tour": 1}]


def _square(west: float, south: float, code: str, name: str) -> dict[str, Any]:
    ring = [[west, south], [west + 0.01, south], [west + 0.01, south + 0.01], [west, south + 0.01], [west, south]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code_bv": code, "nom": name, "inscrits": 1200}}


AREAS = {"type": "FeatureCollection", "features": [
    _square(2.26, 48.82, "0001", "École Jules-Ferry"), _square(2.27, 48.82, "0002", "Gymnase Île Saint-Germain")]}


def _table(user: dict[str, Any], dataset: dict[str, Any], name: str, fields: list[dict[str, Any]],
           records: list[dict[str, Any]]) -> dict[str, Any]:
    created = call_action("datastore_create", {"user": user["name"]},
                          resource={"package_id": dataset["id"], "name": name, "format": "CSV"},
                          fields=fields, records=records, force=True)
    return call_action("resource_show", id=created["resource_id"])


def _upload(user: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(AREAS, ensure_ascii=False).encode()
    return call_action("resource_create", {"user": user["name"]}, package_id=dataset["id"],
                       name="Périmètres des bureaux de vote", format="GeoJSON", url="bureaux.geojson",
                       upload=FileStorage(io.BytesIO(body), "bureaux.geojson",
                                          content_type="application/geo+json"))


@pytest.fixture
def map_data(sysadmin: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    editor = factories.UserWithToken()
    stranger = factories.UserWithToken()
    org = factories.Organization(name="ville-d-issy", title="Ville d'Issy", user=sysadmin,
                                 users=[{"name": editor["name"], "capacity": "editor"}])
    # Notes written out: Faker's English words include "election", which a
    # search for "élections" would then find in the parking dataset.
    parkings = factories.Dataset(name="parkings", title="Parkings publics", owner_org=org["id"],
                                 notes="Places libres dans les parkings de la ville.")
    table = _table(sysadmin, parkings, "Parkings et places", PARKING_FIELDS, PARKINGS)
    plain = factories.Resource(package_id=parkings["id"], name="Règlement.pdf", format="PDF",
                               url="https://data.example.org/reglement.pdf")
    elections = factories.Dataset(name="elections-municipales", title="Élections municipales",
                                  owner_org=org["id"], notes="Résultats par bureau de vote.")
    areas = _upload(sysadmin, elections)
    results = _table(sysadmin, elections, "Résultats par bureau", RESULT_FIELDS, RESULTS)
    return {"sysadmin": sysadmin, "editor": editor, "stranger": stranger, "org": org,
            "parkings": parkings, "table": table, "plain": plain, "elections": elections,
            "areas": areas, "results": results}
