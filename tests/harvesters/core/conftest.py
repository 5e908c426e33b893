"""Parking tables of Issy in the real DataStore: the current state of each
car park (one row per car park, upserted by ``parking``) and the history of
the measures (appended, pruned)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import ckan.plugins.toolkit as tk
import pytest
from ckanext.datastore.backend.postgres import get_read_engine

from ckanext.issy.harvesters.core import datastore
from ckanext.issy.harvesters.core.datastore import Column

PARIS = ZoneInfo("Europe/Paris")
STATE = [
    Column("parking", "text", "Parking", "Identifiant du parking."),
    Column("nom", "text", "Nom", "Nom du parking."),
    Column("places_libres", "int4", "Places libres", "Places libres au moment de la mesure."),
    Column("capacite", "int4", "Capacité", "Nombre total de places."),
    Column("etat", "text", "État", "Ouvert, complet ou fermé."),
    Column("mesure_le", "timestamptz", "Mesuré le", "Date et heure de la mesure."),
]
HISTORY = [STATE[0], STATE[2], STATE[4], STATE[5]]
AT_0830 = datetime(2025, 6, 14, 8, 30, tzinfo=PARIS)
GARAGES = [
    ["hotel-de-ville", "Parking Hôtel de Ville", 112, 420, "ouvert", AT_0830],
    ["trois-moulins", "Parking Les Trois Moulins", 0, 380, "complet", AT_0830],
    ["ile-saint-germain", "Parking Île Saint-Germain", 57, 150, "ouvert", AT_0830],
]


def new_resource(name: str) -> tuple[str, dict[str, Any]]:
    from ckan.tests import factories

    user = factories.Sysadmin()
    package = factories.Dataset(user=user, owner_org=factories.Organization(user=user)["id"])
    resource = factories.Resource(package_id=package["id"], url=f"http://example.org/{name}.json")
    return resource["id"], {"user": user["name"]}


@pytest.fixture
def state(with_plugins: None, clean_db: None, clean_index: None) -> str:
    """The current state of three car parks, keyed by ``parking``."""
    resource_id, context = new_resource("parkings-temps-reel")
    datastore.ensure_table(resource_id, STATE, context, primary_key=["parking"])
    datastore.replace_rows(resource_id, STATE, GARAGES)
    return resource_id


@pytest.fixture
def history(with_plugins: None, clean_db: None, clean_index: None) -> str:
    """Measures every 30 minutes through the night the clocks go back
    (26 October 2025: 02:00-03:00 happens twice, at +02:00 then +01:00)."""
    resource_id, context = new_resource("parkings-historique")
    datastore.ensure_table(resource_id, HISTORY, context, primary_key=["parking", "mesure_le"])
    datastore.replace_rows(resource_id, HISTORY, [
        ["hotel-de-ville", places, "ouvert", datetime(2025, 10, 26, hour, minute, fold=fold, tzinfo=PARIS)]
        for places, (hour, minute, fold) in enumerate([(1, 30, 0), (2, 0, 0), (2, 30, 0), (2, 0, 1), (2, 30, 1), (3, 0, 0)])
    ])
    return resource_id


def rows(resource_id: str, *columns: str) -> list[tuple[Any, ...]]:
    """The rows in _id order, as the read-only user reads them; times as
    ISO 8601 in Paris (two aware datetimes of an hour that happens twice are
    never equal in Python when their zones differ)."""
    names = ", ".join(f'"{column}"' for column in columns)
    with get_read_engine().connect() as connection:
        found = connection.exec_driver_sql(f'SELECT {names} FROM "{resource_id}" ORDER BY _id')
        return [tuple(v.astimezone(PARIS).isoformat() if isinstance(v, datetime) else v for v in row)
                for row in found]


def full_text_differing(resource_id: str) -> int:
    """How many rows have another _full_text than the DataStore's zfulltext
    trigger computes (every column but those starting with _, as in
    row_to_json, NULLs skipped, separated by spaces)."""
    with get_read_engine().connect() as connection:
        return connection.exec_driver_sql(
            f'SELECT count(*) FROM "{resource_id}" AS row WHERE row._full_text IS DISTINCT FROM '
            "(SELECT to_tsvector(string_agg(value, ' ')) FROM json_each_text(row_to_json(row.*)) "
            "WHERE key NOT LIKE '\\_%%')").scalar()


def search(resource_id: str, **data: Any) -> list[dict[str, Any]]:
    return tk.get_action("datastore_search")({"ignore_auth": True}, {"resource_id": resource_id, **data})["records"]
