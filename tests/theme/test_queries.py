"""The search page runs as many SQL statements for 10 results as for 2: the
result cards' visualisation counts come from one query per page, and the
page views of the results (CKAN's tracking plugin) from one query per page
too (search/tracking_batch.py). The home page and a dataset's page run as
many for a catalogue of 200 datasets as for one of 10."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.model as model
from ckan.tests import factories

from tests.support.sql import statements

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _add_datasets(org: dict[str, Any], start: int, stop: int) -> None:
    """Datasets with one resource and ``n % 3`` views each (0, 1 or 2)."""
    for n in range(start, stop):
        dataset = factories.Dataset(name=f"jeu-{n:02d}", owner_org=org["id"])
        resource = factories.Resource(package_id=dataset["id"], url="https://data.example.org/x.csv")
        for _ in range(n % 3):
            factories.ResourceView(resource_id=resource["id"], view_type="image_view",
                                   image_url="https://data.example.org/x.png")


def _search_statements(app: Any) -> list[str]:
    """Every statement of a search page."""
    app.get("/dataset/", status=200)  # caches of the first request (config, ...) filled
    with statements() as run:
        body = app.get("/dataset/", status=200).body
    assert body.count('class="issy-meta"') == model.Session.query(model.Package).count()
    return list(run)


def test_search_page_queries_do_not_grow_with_the_results(app, sysadmin: dict[str, Any]) -> None:
    org = factories.Organization(user=sysadmin)
    _add_datasets(org, 0, 2)
    with_two = _search_statements(app)

    _add_datasets(org, 2, 10)
    with_ten = _search_statements(app)

    assert len(with_ten) == len(with_two), with_ten


def _page_statements(app: Any, url: str) -> list[str]:
    """Every statement of ``url``, asked once before (first-request caches)."""
    app.get(url, status=200)
    with statements() as run:
        app.get(url, status=200)
    return list(run)


def test_home_and_dataset_pages_queries_do_not_grow_with_the_catalogue(app, sysadmin: dict[str, Any]) -> None:
    org = factories.Organization(user=sysadmin)
    _add_datasets(org, 0, 10)
    pages = ("/", "/dataset/jeu-04")
    with_ten = {url: _page_statements(app, url) for url in pages}

    _add_datasets(org, 10, 200)
    with_two_hundred = {url: _page_statements(app, url) for url in pages}

    for url in pages:
        assert len(with_two_hundred[url]) == len(with_ten[url]), (url, with_two_hundred[url])


def test_cards_count_the_views_of_each_dataset(app, sysadmin: dict[str, Any]) -> None:
    _add_datasets(factories.Organization(user=sysadmin), 0, 3)
    body = app.get("/en/dataset/", status=200).body

    cards = {name: body[body.index(f'href="/en/dataset/{name}"'):] for name in ("jeu-00", "jeu-01", "jeu-02")}
    cards = {name: card[:card.index("</li>")] for name, card in cards.items()}
    assert "visualisation" not in cards["jeu-00"]
    assert "1 visualisation<" in cards["jeu-01"]
    assert "2 visualisations<" in cards["jeu-02"]


def test_home_page_sorts_nothing_for_ckan_s_own_listing_and_counts_from_the_totals(
        app, sysadmin: dict[str, Any]) -> None:
    """CKAN's home view asks for four datasets sorted on ``view_recent``
    (a field nobody indexes: the whole catalogue sorted) that the theme
    never shows; the home page's counts come from the search's totals."""
    _add_datasets(factories.Organization(user=sysadmin), 0, 7)
    run = _page_statements(app, "/")
    body = app.get("/", status=200).body

    assert not [sql for sql in run if "view_recent" in sql]
    # The newest datasets, shown as the most viewed too while no visit is counted: searched once.
    assert len([sql for sql in run if "metadata_created AS key0" in sql]) == 1
    assert not [sql for sql in run if "count(*)" in sql and "FROM issy_search_index" in sql]
    assert "<dd>7</dd>" in body  # the number of datasets, among the key figures


@pytest.mark.parametrize("image_url, shown", [
    ("https://data.example.org/logo.png", "https://data.example.org/logo.png"),
    ("2026-12-07-logo-ville.png", "/uploads/group/2026-12-07-logo-ville.png"),  # uploaded
])
def test_dataset_page_shows_its_publisher_without_counting_the_catalogue(
        app, sysadmin: dict[str, Any], image_url: str, shown: str) -> None:
    """CKAN's publisher block asks organization_show, which counts the
    datasets of every organisation and group; the theme's reads the dataset."""
    org = factories.Organization(user=sysadmin, title="Direction des finances", image_url=image_url,
                                 description="Budgets et comptes de la Ville d'Issy-les-Moulineaux.")
    factories.Dataset(name="budget-2026", owner_org=org["id"])
    run = _page_statements(app, "/dataset/budget-2026")
    info = app.get("/dataset/budget-2026", status=200).body.split('id="organization-info"')[1].split("</section>")[0]

    assert not [sql for sql in run if "GROUPING SETS" in sql]
    assert "Direction des finances" in info and "Budgets et comptes de la Ville" in info
    assert f'src="{shown}"' in info or f'src="http://test.ckan.net{shown}"' in info
