"""Sample data of the demo: a few datasets, each clearly labelled as a sample.

Later features add their own sample sources (a finance harvest source, ...);
these few datasets give the home page, the dataset list and the facets
something to show from the first start. Run once by the demo's
initialisation; creating what already exists is skipped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

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
    {
        "name": "budget-primitif-2024-exemple",
        "title": "Budget primitif 2024 (exemple)",
        "notes": "Principales lignes du budget primitif voté par le conseil municipal.",
        "tags": ["budget", "finances"],
        "groups": ["finances"],
        "table": {
            "fields": [
                {"id": "chapitre", "type": "text"},
                {"id": "libelle", "type": "text"},
                {"id": "montant", "type": "numeric"},
            ],
            "records": [
                {"chapitre": "011", "libelle": "Charges à caractère général", "montant": 28450000},
                {"chapitre": "012", "libelle": "Charges de personnel", "montant": 61230000},
                {"chapitre": "65", "libelle": "Autres charges de gestion courante", "montant": 9870000},
                {"chapitre": "73", "libelle": "Impôts et taxes", "montant": 84560000},
            ],
        },
    },
    {
        "name": "elections-municipales-2020-exemple",
        "title": "Résultats des élections municipales 2020 (exemple)",
        "notes": "Résultats du premier tour par bureau de vote.",
        "tags": ["élections", "municipales"],
        "groups": ["elections"],
        "table": {
            "fields": [
                {"id": "bureau", "type": "text"},
                {"id": "inscrits", "type": "int"},
                {"id": "votants", "type": "int"},
            ],
            "records": [
                {"bureau": "0001", "inscrits": 1204, "votants": 512},
                {"bureau": "0002", "inscrits": 1187, "votants": 498},
                {"bureau": "0003", "inscrits": 1312, "votants": 603},
            ],
        },
    },
    {
        "name": "parkings-disponibilite-exemple",
        "title": "Disponibilité des parkings publics (exemple)",
        "notes": "Places libres dans les parkings publics de la ville.",
        "tags": ["stationnement", "mobilité"],
        "groups": ["mobilite"],
        "table": {
            "fields": [
                {"id": "parking", "type": "text"},
                {"id": "places_libres", "type": "int"},
                {"id": "capacite", "type": "int"},
            ],
            "records": [
                {"parking": "Parking de la Mairie", "places_libres": 87, "capacite": 240},
                {"parking": "Parking Corentin-Celton", "places_libres": 31, "capacite": 180},
            ],
        },
    },
]


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
        "license_id": "odc-odbl",
        "tags": [{"name": tag} for tag in (*spec["tags"], SAMPLE_TAG)],
        "groups": [{"name": group} for group in spec["groups"]],
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


def main(ini: Path, admin: str) -> int:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app  # CKAN 2.11 / 2.12
    with flask_app.test_request_context():
        load(admin)
    return 0
