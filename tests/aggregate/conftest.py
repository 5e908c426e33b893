"""A budget table of a commune in the DataStore, the way the harvesters
create one (a versioned table), and the SQL that checks the aggregations."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ckanext.datastore.backend.postgres import get_read_engine

from ckanext.issy.harvesters.core import datastore
from ckanext.issy.harvesters.core.datastore import Column

COLUMNS = [
    Column("section", "text", "Section", "Fonctionnement ou investissement."),
    Column("fonction", "text", "Fonction", "Fonction de la dépense."),
    Column("nature", "text", "Nature", "Compte par nature."),
    Column("montant", "numeric", "Montant (€)", "Montant en euros."),
    Column("mandate_le", "date", "Mandaté le", "Date du mandat."),
    Column("lignes", "int4", "Lignes", "Nombre de lignes regroupées."),
]
FUNCTIONS = ["Enseignement", "Culture", "Sport et jeunesse", "Aménagement urbain", "Action économique",
             "Sécurité", "Famille", "Logement"]
SECTIONS = ["Fonctionnement", "Investissement"]


def budget_rows() -> list[list[Any]]:
    """48 mandates over 2024, reproducible, with a line of no function."""
    rows: list[list[Any]] = []
    for i in range(48):
        fonction = FUNCTIONS[(i * 5) % len(FUNCTIONS)] if i != 7 else None
        amount = Decimal(1000 + (i * 7919) % 25000) + Decimal(i % 4) / 4
        rows.append([SECTIONS[1 if i % 3 == 0 else 0], fonction, f"6{(i * 3) % 7}{i % 10}", amount,
                     date(2024, 1 + i % 12, 1 + (i * 11) % 28), 1 + i % 5])
    return rows


def new_resource(private: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    from ckan.tests import factories

    user = factories.Sysadmin()
    org = factories.Organization(user=user, title="Direction des finances")
    package = factories.Dataset(user=user, owner_org=org["id"], private=private,
                                title="Mandats de la commune d’Issy-les-Moulineaux 2024")
    resource = factories.Resource(package_id=package["id"], url="http://example.org/mandats.csv",
                                  name="Mandats 2024")
    return resource, {"user": user["name"]}


@pytest.fixture
def budget(with_plugins: None, clean_db: None, clean_index: None) -> str:
    resource, context = new_resource()
    datastore.load(resource["id"], COLUMNS, budget_rows(), context)
    return resource["id"]


@pytest.fixture
def private_budget(with_plugins: None, clean_db: None, clean_index: None) -> str:
    resource, context = new_resource(private=True)
    datastore.load(resource["id"], COLUMNS, budget_rows(), context)
    return resource["id"]


def query(sql: str, **params: Any) -> list[list[Any]]:
    """An independent query on the DataStore database, numbers as the API
    gives them; values named (``%(name)s``) as SQLAlchemy 1.4 wants them."""
    with get_read_engine().connect() as connection:
        return [[_plain(v) for v in row] for row in connection.exec_driver_sql(sql, params)]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value.isoformat() if isinstance(value, date) else value
