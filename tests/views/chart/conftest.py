"""Fixtures of the chart tests: DataStore tables made as the harvesters make
them (French column names with accents, data dictionary labels, typed
columns), public and private, and an editor of their organisation."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.search.conftest import sysadmin  # noqa: F401  (fixture)

SECTEURS = ["Éducation", "Santé", "Voirie et propreté", "Culture", "Sport"]
QUARTIERS = ["Centre-ville", "Les Épinettes"]
YEARS = [2021, 2022, 2023]
FIELDS = [
    {"id": "secteur", "type": "text", "info": {"label": "Secteur d'activité"}},
    {"id": "quartier", "type": "text", "info": {"label": "Quartier"}},
    {"id": "année", "type": "date", "info": {"label": "Année"}},
    {"id": "montant", "type": "numeric", "info": {"label": "Montant (€)"}},
    {"id": "gratuit", "type": "bool"},
]


def records() -> list[dict[str, Any]]:
    """30 rows: each sector, district and year, with amounts in euros and cents."""
    rows = []
    for s, secteur in enumerate(SECTEURS):
        for q, quartier in enumerate(QUARTIERS):
            for y, year in enumerate(YEARS):
                rows.append({"secteur": secteur, "quartier": quartier, "année": f"{year}-01-01",
                             "montant": round(1000 * (s + 1) + 250.5 * y + 100 * q, 2),
                             "gratuit": s % 2 == 0})
    return rows


def _table(user: dict[str, Any], dataset: dict[str, Any], name: str) -> dict[str, Any]:
    created = call_action("datastore_create", {"user": user["name"]},
                          resource={"package_id": dataset["id"], "name": name, "format": "CSV"},
                          fields=FIELDS, records=records(), force=True)
    return call_action("resource_show", id=created["resource_id"])


@pytest.fixture
def chart_data(sysadmin: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    editor = factories.UserWithToken()
    stranger = factories.UserWithToken()
    org = factories.Organization(name="ville-d-issy", title="Ville d'Issy", user=sysadmin,
                                 users=[{"name": editor["name"], "capacity": "editor"}])
    dataset = factories.Dataset(name="depenses-par-secteur", title="Dépenses par secteur d'activité",
                                owner_org=org["id"], notes="Dépenses de fonctionnement par secteur.")
    resource = _table(sysadmin, dataset, "Dépenses 2021-2023")
    plain = factories.Resource(package_id=dataset["id"], name="Notice.pdf", format="PDF",
                               url="https://data.example.org/notice.pdf")
    private = factories.Dataset(name="brouillon", title="Brouillon interne", owner_org=org["id"],
                                private=True)
    private_resource = _table(sysadmin, private, "Brouillon")
    return {"sysadmin": sysadmin, "editor": editor, "stranger": stranger, "org": org,
            "dataset": dataset, "resource": resource, "plain": plain, "private": private,
            "private_resource": private_resource}
