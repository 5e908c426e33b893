"""Fixtures of the search tests: French sample data and a local Solr stub."""
from __future__ import annotations

import http.server
import json
import threading
from typing import Any, Iterator

import pytest

from ckan.tests import factories

from devstack.loopback import LoopbackHTTPServer
from tests.search.support import csv, dataset

ORGANIZATION_TITLE = "Ville d'Issy-les-Moulineaux"


@pytest.fixture
def sysadmin(clean_db: None, clean_index: None) -> dict[str, Any]:
    """The first object of every sample: the database is clean before it."""
    return factories.SysadminWithToken()


@pytest.fixture
def issy(sysadmin: dict[str, Any]) -> dict[str, Any]:
    """The city's organisation."""
    return factories.Organization(
        name="ville-d-issy-les-moulineaux", title=ORGANIZATION_TITLE,
        user=sysadmin,
    )


@pytest.fixture
def grand_paris(sysadmin: dict[str, Any]) -> dict[str, Any]:
    """Another organisation."""
    return factories.Organization(
        name="grand-paris-seine-ouest", title="Grand Paris Seine Ouest",
        user=sysadmin,
    )


class SolrStub(LoopbackHTTPServer):
    """Answers like an empty Solr core and records every request path."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SolrStubHandler)
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/solr/ckan"

    def select_requests(self) -> list[str]:
        return [path for path in self.paths if "/select" in path]


class _SolrStubHandler(http.server.BaseHTTPRequestHandler):
    server: SolrStub

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if "/schema" in self.path:
            self._reply("application/xml",
                        '<schema name="ckan-2.11" version="1.6"/>')
        else:
            self._reply("application/json", json.dumps({
                "responseHeader": {"status": 0, "QTime": 0},
                "response": {"numFound": 0, "start": 0, "docs": []},
                "facet_counts": {"facet_fields": {}},
            }))

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def _reply(self, content_type: str, body: str) -> None:
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def solr_stub() -> Iterator[SolrStub]:
    server = SolrStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def catalogue(issy: dict[str, Any], grand_paris: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Five public datasets of two organisations and two groups."""
    citoyennete = factories.Group(name="citoyennete", title="Citoyenneté")
    mobilite = factories.Group(name="mobilite", title="Mobilité")
    return {
        "elections": dataset(
            "elections-municipales-2020", "Élections municipales 2020", issy,
            notes="Résultats du premier tour, par bureau de vote.",
            tags=[{"name": "élections"}, {"name": "vote"}],
            resources=[csv("resultats-premier-tour")], license_id="odc-odbl",
            extras=[{"key": "theme", "value": "Citoyenneté"}],
            groups=[{"name": citoyennete["name"]}],
        ),
        "budget": dataset(
            "budget-primitif-2024", "Budget primitif 2024", issy,
            notes="Budget de la ville au format SCDL.",
            tags=[{"name": "budget"}, {"name": "finances"}],
            resources=[csv("budget-2024"), csv("budget-2024-annexes"),
                       {"url": "https://data.issy.com/budget.json",
                        "format": "JSON"}],
            license_id="odc-odbl",
            extras=[{"key": "theme", "value": "Finances publiques"}],
        ),
        "stationnement": dataset(
            "stationnement-payant", "Stationnement payant", grand_paris,
            notes="Zones et tarifs du stationnement sur voirie.",
            tags=[{"name": "stationnement"}, {"name": "budget"}],
            resources=[{"url": "https://data.issy.com/zones.geojson",
                        "format": "GeoJSON"}],
            license_id="cc-by", groups=[{"name": mobilite["name"]}],
        ),
        "parkings": dataset(
            "parkings-souterrains", "Occupation des parkings souterrains",
            grand_paris, notes="Taux d'occupation des parkings souterrains, heure par heure.",
            tags=[{"name": "stationnement"}],
            resources=[csv("occupation")], license_id="cc-by",
            groups=[{"name": mobilite["name"]}],
        ),
        "arbres": dataset(
            "arbres-remarquables", "Arbres remarquables", issy,
            notes="Inventaire des arbres remarquables des parcs.",
            tags=[{"name": "environnement"}], license_id="other-open",
        ),
    }


@pytest.fixture
def french_catalogue(issy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Issy's datasets as citizens search them: accents, plurals, phrases,
    and one English dataset."""
    return {
        "budget": dataset(
            "budget-primitif-2024", "Budget primitif 2024", issy,
            notes="Budget voté par le conseil municipal, au format SCDL.",
            tags=[{"name": "finances"}], resources=[csv("budget-2024")],
        ),
        "comptes": dataset(
            "comptes-administratifs", "Comptes administratifs", issy,
            notes="Les budgets exécutés de 2015 à 2023.",
            tags=[{"name": "finances"}],
        ),
        "municipales": dataset(
            "elections-municipales-2020",
            "Élections municipales 2020 — résultats par bureau", issy,
            notes="Résultats du premier tour, par bureau de vote.",
            tags=[{"name": "vote"}],
        ),
        "europeennes": dataset(
            "resultats-europeennes-2024",
            "Résultats des élections européennes 2024", issy,
            notes="Scores des listes dans chaque bureau de vote.",
            tags=[{"name": "vote"}],
        ),
        "stationnement": dataset(
            "stationnement-temps-reel",
            "Stationnement : places disponibles en temps réel", issy,
            notes="Places libres dans les parkings de la ville, mises à jour "
                  "chaque minute.",
            tags=[{"name": "mobilité"}],
            resources=[csv("parking-de-la-gare")],
        ),
        "air": dataset(
            "air-quality-sensors", "Air quality sensors", issy,
            notes="Hourly measurements from the city's air quality sensors.",
            tags=[{"name": "environment"}],
        ),
    }
