"""The results' HTML is written once for all the visitors who ask for the
same page (views/rendered.py): a page asked again is served from the HTML
kept in Redis (for ten minutes at most), with the same scripts and
stylesheets as when it was written, and new figures, another polling
station or another language write it anew."""
from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from ckanext.issy.aggregate import cache
from ckanext.issy.views import rendered
from ckanext.issy.views.formatting import issy_percent
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import elections, europeennes_placed, table_id

pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view datatables_view")]

def _page(package: dict[str, Any]) -> str:
    return f"/dataset/{package['name']}/resource/{table_id(package, 'results')}"


def _kept(package: dict[str, Any]) -> list[bytes]:
    """The HTML kept of the round's results."""
    return sorted(cache.connect_to_redis().keys(f"issy:elections-html:result:{table_id(package, 'results')}:*"))


def _assets(page: str) -> list[str]:
    """The page's scripts and stylesheets (their webassets addresses)."""
    return sorted(re.findall(r'(?:src|href)="(/webassets/[^"]+)"', page))


def _results(page: str) -> str:
    return page[page.index('<div class="issy-elections"'):page.index('data-role="stations"')]


def test_a_page_asked_again_is_served_from_the_kept_html_with_the_same_assets(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes_placed(harvest, feed)
    first = app.get(_page(package)).get_data(as_text=True)
    (entry,) = _kept(package)
    again = app.get(_page(package)).get_data(as_text=True)

    assert _kept(package) == [entry]
    assert 0 < cache.connect_to_redis().ttl(entry) <= rendered.KEPT_SECONDS  # shorter than the figures'
    assert _results(again) == _results(first)
    assert _assets(again) == _assets(first)
    assert any("issy_map" in asset for asset in _assets(again))  # the maps' script, kept HTML or not
    assert any("issy_elections" in asset for asset in _assets(again))
    # What is served is the kept HTML.
    redis = cache.connect_to_redis()
    kept = json.loads(redis.get(entry))["html"]
    redis.set(entry, json.dumps({"html": kept.replace("Résultats de la commune", "Résultats gardés")}))
    assert "Résultats gardés" in app.get(_page(package)).get_data(as_text=True)


def test_new_figures_another_station_or_language_write_the_html_anew(
        harvest: Harvest, feed: Feed, app: Any, test_request_context: Any) -> None:
    from ckanext.datastore.backend.postgres import get_write_engine

    package = europeennes_placed(harvest, feed)
    app.get(_page(package))
    app.get(_page(package), query_string={"bureau": "12"})
    app.get("/en" + _page(package))
    assert len(_kept(package)) == 3

    # A harvest brings more registered voters to station 1 (its votes unchanged).
    turnout = table_id(package, "turnout")
    with get_write_engine().begin() as connection:
        connection.exec_driver_sql(f"UPDATE \"{turnout}\" SET inscrits = inscrits + 500 WHERE code_bv = '0001'")
    city = elections(table_id(package, "results"))["city"]
    with test_request_context("/"):
        written = issy_percent(city["turnout"], 2)
    page = html.unescape(app.get(_page(package)).get_data(as_text=True))
    assert written in page
    assert len(_kept(package)) == 4
