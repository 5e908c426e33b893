"""The page views CKAN's tracking plugin adds to search results and to a
dataset shown: read in a fixed number of queries per page or dataset, with
the values CKAN's own queries give."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckanext.tracking.model import TrackingSummary

from ckanext.issy.search import tracking_batch
from tests.search.support import search
from tests.support.sql import statements

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

TODAY = dt.date(2026, 11, 29)


def _datasets(org: dict[str, Any], start: int, stop: int) -> list[dict[str, Any]]:
    """Datasets with two resources each; two of them share a URL."""
    return [
        factories.Dataset(name=f"jeu-{n:02d}", owner_org=org["id"], resources=[
            {"url": f"https://data.issy.com/{n}.csv", "format": "CSV"},
            {"url": "https://data.issy.com/commun.pdf", "format": "PDF"},
        ])
        for n in range(start, stop)
    ]


def _search_statements() -> list[str]:
    search(rows=50)  # caches of the first search filled
    with statements() as run:
        search(rows=50)
    return run


def _summary(url: str, package_id: Any, day: dt.date, total: int, recent: int) -> None:
    model.Session.execute(sa.text(
        "INSERT INTO tracking_summary (url, package_id, tracking_type, count, "
        "running_total, recent_views, tracking_date) VALUES (:url, :package_id, "
        ":type, 1, :total, :recent, :day)"
    ), {"url": url, "package_id": package_id, "type": "page" if package_id else "resource",
        "total": total, "recent": recent, "day": day})


def test_search_statements_do_not_grow_with_the_results(sysadmin: dict[str, Any]) -> None:
    org = factories.Organization(user=sysadmin)
    _datasets(org, 0, 2)
    with_two = _search_statements()

    _datasets(org, 2, 10)
    with_ten = _search_statements()

    assert len(with_ten) == len(with_two), with_ten
    assert sum("tracking_summary" in statement for statement in with_ten) == 2


def test_tracking_summaries_are_those_ckan_reads(sysadmin: dict[str, Any]) -> None:
    datasets = _datasets(factories.Organization(user=sysadmin), 0, 4)
    first, second = datasets[0], datasets[1]
    # Several days: the latest counts. Two URLs of one dataset's page.
    _summary(f"/dataset/{first['name']}", first["id"], TODAY - dt.timedelta(days=1), 5, 2)
    _summary(f"/dataset/{first['name']}", first["id"], TODAY, 7, 3)
    _summary(f"/dataset/{second['id']}", second["id"], TODAY - dt.timedelta(days=3), 4, 1)
    _summary("https://data.issy.com/1.csv", None, TODAY, 9, 4)
    _summary("https://data.issy.com/commun.pdf", None, TODAY - dt.timedelta(days=2), 11, 6)
    _summary("https://data.issy.com/commun.pdf", None, TODAY, 12, 5)
    model.Session.commit()

    results = search(rows=50)["results"]

    assert len(results) == 4
    for result in results:
        assert result["tracking_summary"] == tracking_batch._ckan_get_for_package(result["id"])
        for resource in result["resources"]:
            assert resource["tracking_summary"] == (
                tracking_batch._ckan_get_for_resource(resource["url"]))
    by_name = {result["name"]: result for result in results}
    assert by_name[first["name"]]["tracking_summary"] == {"total": 7, "recent": 3}
    assert by_name[datasets[3]["name"]]["tracking_summary"] == {"total": 0, "recent": 0}
    assert by_name[first["name"]]["resources"][1]["tracking_summary"] == {
        "total": 12, "recent": 5}


def test_the_page_is_forgotten_after_the_search(sysadmin: dict[str, Any]) -> None:
    dataset = _datasets(factories.Organization(user=sysadmin), 0, 1)[0]
    assert search(rows=10)["results"][0]["tracking_summary"] == {"total": 0, "recent": 0}
    _summary(f"/dataset/{dataset['name']}", dataset["id"], TODAY, 3, 1)
    model.Session.commit()

    assert TrackingSummary.get_for_package(dataset["id"]) == {"total": 3, "recent": 1}
    assert search(rows=10)["results"][0]["tracking_summary"] == {"total": 3, "recent": 1}


def test_a_datasets_page_views_are_read_in_two_statements_whatever_its_resources(
        sysadmin: dict[str, Any]) -> None:
    dataset = factories.Dataset(owner_org=factories.Organization(user=sysadmin)["id"], resources=[
        {"url": f"https://data.issy.com/elections/{name}.csv", "format": "CSV"}
        for name in ("participation", "resultats", "bureaux", "horaires", "candidats")])
    _summary(f"/dataset/{dataset['name']}", dataset["id"], TODAY, 8, 2)
    _summary("https://data.issy.com/elections/resultats.csv", None, TODAY - dt.timedelta(days=1), 3, 3)
    _summary("https://data.issy.com/elections/resultats.csv", None, TODAY, 6, 4)
    model.Session.commit()
    show = tk.get_action("package_show")

    with statements() as run:
        shown = show({"ignore_auth": True}, {"id": dataset["id"]})

    assert sum("tracking_summary" in statement for statement in run) == 2, run
    assert shown["tracking_summary"] == {"total": 8, "recent": 2}
    assert [r["tracking_summary"] for r in shown["resources"]] == [
        tracking_batch._ckan_get_for_resource(r["url"]) for r in shown["resources"]]
    assert shown["resources"][1]["tracking_summary"] == {"total": 6, "recent": 4}
