"""Budget documents harvested for the financial report's tests, as a city
publishes them (tests/harvesters/fixtures/ and this folder's fixtures/,
made by devstack/scdl_samples.py), and independent SQL on their tables."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk

from tests.aggregate.conftest import query
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401  (fixtures)

HERE = Path(__file__).resolve().parent / "fixtures"
CA_2023 = "compte-administratif-2023-cp1252.csv"  # M14, as the demo's
BP_2024 = "budget-primitif-2024.csv"
CA_2022_13 = "compte-administratif-2022-13col.csv"


def publish(harvest: Harvest, feed: Feed, files: dict[str, bytes | None], config: dict[str, Any] | None = None,
            name: str = "budgets-issy") -> None:
    """Harvests ``files`` (name -> bytes, None: the shared fixture) in one source."""
    for file_name, data in files.items():
        feed.serve_file(file_name, data)
    urls = [feed.url(file_name) for file_name in files]
    report = harvest.run(harvest.source(urls[0], {"urls": urls[1:], **(config or {})}, name=name))
    assert errors(report) == []


def local(name: str) -> bytes:
    return (HERE / name).read_bytes()


def table_of(title: str) -> str:
    """The DataStore table (resource id) of the harvested document ``title``."""
    found = tk.get_action("package_search")({"ignore_auth": True}, {"rows": 1000, "include_private": True})
    package = next(p for p in found["results"] if p["title"] == title)
    return next(r["id"] for r in package["resources"] if r.get("issy_role") == "data")


def budget(resource_id: str, **params: Any) -> dict[str, Any]:
    """The report as an anonymous visitor gets it."""
    return tk.get_action("issy_budget")({"user": ""}, {"resource_id": resource_id, **params})


def sums(resource_id: str, amount: str, group: str, where: str = "TRUE") -> dict[Any, float]:
    """Independent SQL: the sum of ``amount`` by ``group`` (an SQL expression) where ``where``."""
    rows = query(f'SELECT {group}, COALESCE(SUM("{amount}"), 0) FROM "{resource_id}" WHERE {where} '
                 f'GROUP BY 1')
    return {key: float(value) for key, value in rows}


def total(resource_id: str, amount: str, where: str) -> float:
    return float(query(f'SELECT COALESCE(SUM("{amount}"), 0) FROM "{resource_id}" WHERE {where}')[0][0])
