"""Election sources and what a harvest published, read back through the API."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk

from tests.harvesters.conftest import Harvest


def election_source(harvest: Harvest, url: str, config: dict[str, Any], name: str = "elections-issy") -> dict[str, Any]:
    return harvest.source(url, config, name=name, source_type="issy_elections", title="Résultats électoraux")


def datasets() -> list[dict[str, Any]]:
    return tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*", "rows": 100, "sort": "name asc"})["results"]


def resource(package: dict[str, Any], role: str) -> dict[str, Any]:
    return next(r for r in package["resources"] if r.get("issy_role") == role)


def table(package: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every row of a table of the dataset, without the DataStore's _id."""
    records = tk.get_action("datastore_search")({"ignore_auth": True}, {
        "resource_id": resource(package, role)["id"], "limit": 100000, "sort": "_id"})["records"]
    return [{key: value for key, value in record.items() if key != "_id"} for record in records]


def number(value: Any) -> Decimal:
    return Decimal(str(value))


def plain_quotes(message: str) -> str:
    """A message of the French site with its typography made plain (« x » ->
    "x", "a\u00a0:" -> "a:"), so that a test can name what it must say
    whichever language the site speaks."""
    return message.replace("«\u00a0", '"').replace("\u00a0»", '"').replace("\u00a0:", ":")
