"""``package_list`` lists datasets only: data.gouv.fr's CKAN harvester reads
it and counts every package of another type (a harvest source) as a
failed item."""
from __future__ import annotations

from typing import Any

import pytest
from ckan.tests import factories

from tests.harvesters.conftest import Feed, Harvest, feed, harvest  # noqa: F401  (fixtures)


@pytest.fixture
def portal(harvest: Harvest, feed: Feed) -> Harvest:  # noqa: F811
    """A harvest source and three public datasets (and a private one)."""
    harvest.source(feed.url("budget-primitif-2024.csv"), name="budgets-ville")
    for name in ("budget-primitif-2024", "compte-administratif-2023", "elections-municipales-2020"):
        factories.Dataset(name=name, owner_org=harvest.organization["id"])
    factories.Dataset(name="brouillon-interne", owner_org=harvest.organization["id"], private=True)
    return harvest


def test_package_list_names_the_public_datasets_and_no_harvest_source(app: Any, portal: Harvest) -> None:
    listed = app.get("/api/3/action/package_list", status=200).json["result"]

    assert listed == ["budget-primitif-2024", "compte-administratif-2023", "elections-municipales-2020"]


def test_package_list_pages_through_the_datasets_only(app: Any, portal: Harvest) -> None:
    page = app.get("/api/3/action/package_list", query_string={"limit": 2, "offset": 1}, status=200)

    assert page.json["result"] == ["compte-administratif-2023", "elections-municipales-2020"]
    assert app.get("/api/3/action/package_list", query_string={"limit": "deux"}, status=409).json["error"]["limit"]
