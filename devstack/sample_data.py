"""Sample data of the demo: a few datasets, each clearly labelled as a sample.

These few datasets give the home page, the dataset list and the facets
something to show from the first start; the budgets and the election
results come from harvest sources over the sample files of devstack/samples/
(served on 127.0.0.2 by ``python -m devstack sample-feeds``), the real-time
parking from the parking simulator (127.0.0.3, ``python -m devstack
parking-simulator``), with a first
job created here and started by the demo's periodic ``ckan harvester run``. The
commune's outline, drawn under every map (``ckanext.issy.map.boundary``), is a
dataset with the boundary ``issy_dcat`` ships as its uploaded GeoJSON. Run once by
the demo's initialisation; creating what already exists is skipped. Once the
sample budgets are harvested, ``python -m devstack feature-views`` (run by
the demo's periodic tasks until done) features their financial report.
"""
from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage

from ckanext.issy.dcat import DATA_DIR
from devstack import parking_simulator
from devstack.loopback import LoopbackHTTPServer
from devstack.settings import SAMPLE_FEEDS, SAMPLE_FEEDS_HOST, SAMPLE_FEEDS_PORT

SAMPLE_TAG = "exemple"
SAMPLE_NOTE = (
    "\n\n**Données d'exemple** : ce jeu de données illustre le portail de "
    "démonstration ; ses chiffres ne sont pas des chiffres officiels de la Ville."
)
ORGANIZATION = {
    "name": "ville-issy-exemple",
    "title": "Ville d'Issy-les-Moulineaux (exemple)",
    "description": "Organisation d'exemple du portail de démonstration.",
}
GROUPS = [
    {"name": "finances", "title": "Finances"},
    {"name": "elections", "title": "Élections"},
    {"name": "mobilite", "title": "Mobilité"},
]
DATASETS: list[dict[str, Any]] = [
]
# The commune's outline (the demo's ckanext.issy.map.boundary): the boundary
# issy_dcat ships, IGN GEOFLA 2016 simplified to 32 points, good enough to
# frame a map; IGN's ADMIN EXPRESS is the reference.
BOUNDARY_SOURCE = DATA_DIR / "issy-les-moulineaux.geojson"
BOUNDARY = {
    "name": "limites-communales-issy",
    "title": "Limites de la commune d'Issy-les-Moulineaux",
    "notes": "Contour de la commune, tracé sous les données de chaque carte du portail. "
             "C'est une approximation pour la démonstration : le contour IGN GEOFLA 2.2 (2016, "
             "Licence Ouverte) simplifié à 32 points. Le contour de référence est celui "
             "d'ADMIN EXPRESS, publié par l'IGN.",
    "tags": ["limites administratives", "commune"],
    "groups": [],
    "coverage": {"frequency": "NEVER", "spatial_coverage": "commune"},
}
BOUNDARY_FILE = "limites-issy-les-moulineaux.geojson"


FEEDS_URL = f"http://{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT}"
# devstack/samples/: devstack/election_samples.py's file (tests/harvesters/fixtures/generate.py writes it).
ELECTION_FILE = "europeennes-2024-resultats-par-bureau.csv"
# devstack/station_samples.py's contours, in Etalab's shape (the same script writes it).
STATIONS_FILE = "contours-bureaux-de-vote.geojson"
# devstack/election_samples.py's turnout at each hour of the same round.
HOURS_FILE = "europeennes-2024-participation-horaire.csv"
FINANCE_SOURCE = {
    "name": "budgets-exemple",
    "title": "Budgets de la ville (exemple)",
    "notes": "Fichiers budgétaires d'exemple au format SCDL, moissonnés au démarrage." + SAMPLE_NOTE,
    "url": f"{FEEDS_URL}/budget-primitif-2024.csv",
    "source_type": "issy_finance",
    "frequency": "MANUAL",
    "config": json.dumps({
        "urls": [f"{FEEDS_URL}/compte-administratif-2023-cp1252.csv"],
        # Both sample files use the M14 functions (devstack/scdl_samples.py's default).
        "nomenclature": "M14",
        "title_suffix": " (exemple)",
        "tags": ["budget", "finances", "SCDL", SAMPLE_TAG],
        "notes": SAMPLE_NOTE.strip(),
    }, ensure_ascii=False),
}

# The capital expenditure projects of 2023, linked with the compte administratif 2023 above.
PROJECTS_FILE = "projets-investissement-2023.geojson"
PROJECTS_SOURCE = {
    "name": "projets-investissement-exemple",
    "title": "Projets d'investissement (exemple)",
    "notes": "Projets d'investissement localisés d'exemple (GeoJSON), moissonnés au démarrage." + SAMPLE_NOTE,
    "url": f"{FEEDS_URL}/{PROJECTS_FILE}",
    "source_type": "issy_finance",
    "frequency": "MANUAL",
    "config": json.dumps({
        "format": "projects",
        "mapping": {"libelle": "nom"},
        "title_suffix": " (exemple)",
        "tags": ["budget", "investissement", SAMPLE_TAG],
        "notes": SAMPLE_NOTE.strip(),
    }, ensure_ascii=False),
}


ELECTION_SOURCE = {
    "name": "elections-exemple",
    "title": "Résultats électoraux (exemple)",
    "notes": "Résultats d'exemple par bureau de vote, au format du ministère de l'Intérieur, "
             "moissonnés au démarrage." + SAMPLE_NOTE,
    "url": f"{FEEDS_URL}/{ELECTION_FILE}",
    "source_type": "issy_elections",
    "frequency": "MANUAL",
    "config": json.dumps({
        "format": "miom_b",
        "election": "2024_euro_t1",
        "stations_url": f"{FEEDS_URL}/{STATIONS_FILE}",
        "turnout_hours_url": f"{FEEDS_URL}/{HOURS_FILE}",
        "title_suffix": " (exemple)",
        "tags": ["élections", SAMPLE_TAG],
        "notes": SAMPLE_NOTE.strip(),
    }, ensure_ascii=False),
}
# The parking simulator's Opendatasoft datasets (python -m devstack parking-simulator),
# polled every minute by the demo's `ckan issy parking poll`.
PARKING_SOURCE = {
    "name": "stationnement-exemple",
    "title": "Stationnement en temps réel (exemple)",
    "notes": "Parkings et places sur voirie simulés, interrogés chaque minute." + SAMPLE_NOTE,
    "url": parking_simulator.URL,
    "source_type": "issy_parking",
    "frequency": "DAILY",
    "config": json.dumps({
        "format": "ods",
        "dataset": parking_simulator.GARAGES_DATASET,
        "mapping": {"kind": "garage", "id": "parking_id", "name": "name", "free": "value_free_spots",
                    "capacity": "nombre_de_places_contractuelles", "status": "value_status", "geo": "geo",
                    "time": "last_update"},
        "feeds": [{
            "url": parking_simulator.URL,
            "format": "ods",
            "dataset": parking_simulator.SPACES_DATASET,
            "mapping": {"kind": "space", "id": "identifiant_place", "state": "etat", "free_values": ["libre"],
                        "sector": "implantation", "geo": "geo", "time": "last_update"},
        }],
        "title": "Disponibilité du stationnement en temps réel (exemple)",
        "tags": ["stationnement", "temps réel", SAMPLE_TAG],
        "notes": SAMPLE_NOTE.strip(),
    }, ensure_ascii=False),
}
SOURCES = (FINANCE_SOURCE, PROJECTS_SOURCE, ELECTION_SOURCE, PARKING_SOURCE)


def _exists(action: Any, show: str, name: str) -> bool:
    from ckan.plugins import toolkit

    try:
        action(show)({"ignore_auth": True}, {"id": name})
        return True
    except toolkit.ObjectNotFound:
        return False


def _dataset(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "title": spec["title"],
        "notes": spec["notes"] + SAMPLE_NOTE,
        "owner_org": ORGANIZATION["name"],
        "license_id": "lov2",  # data.gouv.fr's id of the Licence Ouverte 2.0 (issy_dcat's list)
        "tags": [{"name": tag} for tag in (*spec["tags"], SAMPLE_TAG)],
        "groups": [{"name": group} for group in spec["groups"]],
        **spec["coverage"],
    }


def load(admin: str) -> None:
    """Create the sample organisation, groups and datasets as ``admin``."""
    from ckan.plugins import toolkit

    action = toolkit.get_action
    context = lambda: {"user": admin}  # noqa: E731 (a fresh context per call)
    if not _exists(action, "organization_show", ORGANIZATION["name"]):
        action("organization_create")(context(), dict(ORGANIZATION))
    for group in GROUPS:
        if not _exists(action, "group_show", group["name"]):
            action("group_create")(context(), dict(group))
    for spec in DATASETS:
        if _exists(action, "package_show", spec["name"]):
            continue
        dataset = action("package_create")(context(), _dataset(spec))
        # A DataStore-backed resource: its download is the DataStore's CSV dump.
        resource = {"package_id": dataset["id"], "name": "Données (exemple)", "format": "CSV"}
        action("datastore_create")(context(), {"resource": resource, "force": True, **spec["table"]})
    publish_boundary(action, context)
    _sources(action, context)


def boundary_geojson() -> bytes:
    """The outline as a FeatureCollection whose properties say what it is."""
    feature = json.loads(BOUNDARY_SOURCE.read_text(encoding="utf-8"))
    feature["properties"] = {**feature["properties"], "source": "approximation pour la démonstration : "
                             + feature["properties"]["source"], "reference": "IGN ADMIN EXPRESS"}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False).encode()


def publish_boundary(action: Any, context: Any) -> None:
    """The outline dataset, in the sample organisation."""
    if _exists(action, "package_show", BOUNDARY["name"]):
        return
    dataset = action("package_create")(context(), _dataset(BOUNDARY))
    upload = FileStorage(io.BytesIO(boundary_geojson()), BOUNDARY_FILE, content_type="application/geo+json")
    action("resource_create")(context(), {"package_id": dataset["id"], "name": "Contour de la commune (exemple)",
                                          "format": "GeoJSON", "url": BOUNDARY_FILE, "upload": upload})


# Created by earlier demos; the harvest sources publish them now.
SUPERSEDED = ("budget-primitif-2024-exemple", "elections-municipales-2020-exemple", "parkings-disponibilite-exemple")


def _created_by_an_earlier_demo(action: Any, name: str) -> bool:
    """Whether the dataset ``name`` exists and no harvest source published
    it: "budget-primitif-2024-exemple" is now the finance source's, which
    does not publish an unchanged file again."""
    from ckan.plugins import toolkit

    try:
        dataset = action("package_show")({"ignore_auth": True}, {"id": name})
    except toolkit.ObjectNotFound:
        return False
    return not any(extra["key"] == "harvest_source_id" for extra in dataset.get("extras") or [])


def _sources(action: Any, context: Any) -> None:
    """The sample harvest sources and their first jobs (run by the periodic `ckan harvester run`)."""
    for name in SUPERSEDED:
        if _created_by_an_earlier_demo(action, name):
            action("dataset_purge")(context(), {"id": name})
    for spec in SOURCES:
        if _exists(action, "harvest_source_show", spec["name"]):
            continue
        source = action("harvest_source_create")(context(), {**spec, "owner_org": ORGANIZATION["name"]})
        action("harvest_job_create")(context(), {"source_id": source["id"]})


def serve_feeds() -> int:
    """Serve devstack/samples/ until stopped (the demo's Procfile runs it)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(SAMPLE_FEEDS))
    with LoopbackHTTPServer((SAMPLE_FEEDS_HOST, SAMPLE_FEEDS_PORT), handler) as server:
        print(f"Sample feeds: {FEEDS_URL}/ ({SAMPLE_FEEDS})", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def in_ckan(ini: Path, work: Callable[[], Any]) -> Any:
    """``work`` in a request context of the site of ``ini`` (the whole CKAN application loaded)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app  # CKAN 2.11 / 2.12
    with flask_app.test_request_context():
        return work()


def main(ini: Path, admin: str) -> int:
    in_ckan(ini, lambda: load(admin))
    return 0
