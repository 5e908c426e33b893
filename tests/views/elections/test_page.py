"""The results in the resource page, as the server sends them (before any
script): the turnout and the candidates' shares are text, in French
format on French pages and English on English ones; the visitor's polling
station is shown beside the commune; whatever a visitor puts in the
address gives a page, never a 500; harvested names are escaped; a
harvested round's results table gets the view by default."""
from __future__ import annotations

import html
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from devstack import election_samples
from ckanext.issy.views.formatting import issy_percent
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import EUROPEENNES, elections, europeennes, one, presidentielle, publish, table_id

pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view datatables_view")]


def _page(package: dict[str, Any]) -> str:
    return f"/dataset/{package['name']}/resource/{table_id(package, 'results')}"


def _spaces(text: str) -> str:
    """The page's text with its entities read and its non-breaking spaces plain."""
    return html.unescape(text).replace("\u202f", " ").replace("\xa0", " ")


def _views(resource_id: str) -> list[str]:
    return [v["view_type"] for v in tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource_id})]


def test_a_harvested_rounds_results_table_gets_the_view_first_and_its_turnout_table_does_not(
        harvest: Harvest, feed: Feed) -> None:
    package = presidentielle(harvest, feed)
    assert _views(table_id(package, "results")) == ["issy_elections_view", "datatables_view"]
    assert _views(table_id(package, "turnout")) == ["datatables_view"]


def test_the_turnout_and_the_first_candidate_are_in_the_page_in_french_and_in_english(
        harvest: Harvest, feed: Feed, app: Any, test_request_context: Any) -> None:
    package = presidentielle(harvest, feed)
    answer = elections(table_id(package, "results"))
    first = answer["candidates"][0]
    french = app.get(_page(package))
    assert french.status_code == 200
    text = _spaces(french.get_data(as_text=True))
    with test_request_context("/"):
        turnout, share = issy_percent(answer["city"]["turnout"], 2), issy_percent(first["share"], 2)
    assert "Élection présidentielle 2022 — 1er tour" in text
    assert _spaces(f"{first['name']} arrive en tête avec {share} des suffrages exprimés") in text
    assert _spaces(turnout) in text and "," in turnout  # "63,41 %"
    assert text.count('data-station="92040_') == 45
    english = _spaces(app.get("/en" + _page(package)).get_data(as_text=True))
    assert f"{first['name']} comes first with {first['share']:.2f}%" in english


def test_my_polling_station_is_shown_beside_the_commune(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = presidentielle(harvest, feed)
    station = elections(table_id(package, "results"), station="7")["station"]
    page = app.get(_page(package), query_string={"bureau": "7"}).get_data(as_text=True)
    assert 'data-role="station" data-station="92040_0007"' in page
    assert "Bureau de vote 7" in page
    best = station["candidates"][0]
    assert _spaces(f"<td class=\"text-end\">{best['voix']:,}</td>".replace(",", " ")) in _spaces(page)
    assert '<option value="7" selected>' in page


@pytest.mark.parametrize("bureau", ["<script>alert(1)</script>", "46", "x" * 500, "../../etc/passwd", "\x00"])
def test_any_polling_station_asked_in_the_address_gives_the_page(
        harvest: Harvest, feed: Feed, app: Any, bureau: str) -> None:
    package = presidentielle(harvest, feed)
    page = app.get(_page(package), query_string={"bureau": bureau})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert 'data-role="station-problem"' in text and 'data-role="city-results"' in text


def test_harvested_names_reach_the_page_escaped(harvest: Harvest, feed: Feed, app: Any) -> None:
    data = election_samples.europeennes_2024_format_b().replace(
        "Pour une Europe des régions, conduite par Anaïs Kervella".encode(),
        "<img src=x onerror=alert(1)> Europe des régions".encode())
    package = publish(harvest, feed, "europeennes-html.csv", data, EUROPEENNES)
    page = app.get(_page(package)).get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; Europe des régions" in page


def test_a_private_rounds_page_shows_no_result_to_visitors(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": package["id"], "private": True})
    assert app.get(_page(package)).status_code in (403, 404)


@pytest.mark.ckan_config("ckanext.issy.aggregate.max_rows", "50")
def test_a_round_with_more_results_than_the_limit_is_counted_whole_when_it_has_fewer_stations(
        harvest: Harvest, feed: Feed) -> None:
    # 45 stations × 8 lists = 360 results, each list's votes read in 45 rows.
    package = europeennes(harvest, feed)
    results = table_id(package, "results")
    answer = elections(results)
    assert sum(c["voix"] for c in answer["candidates"]) == answer["city"]["exprimes"]
    assert answer["city"]["exprimes"] == one(f'SELECT sum(exprimes) FROM "{table_id(package, "turnout")}"')


@pytest.mark.ckan_config("ckanext.issy.aggregate.max_rows", "5")
def test_a_round_too_detailed_for_the_sites_limit_is_refused_rather_than_counted_short(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    answer = app.get("/api/issy/elections", query_string={"resource_id": table_id(package, "results")})
    assert answer.status_code == 400
    assert "ckanext.issy.aggregate.max_rows" in answer.json["error"]["message"]
    assert 'role="alert"' in app.get(_page(package)).get_data(as_text=True)


def test_the_embed_page_may_be_framed_keeps_its_station_choice_and_private_rounds_private(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    resource_id = table_id(package, "results")
    embed = app.get("/resultats-electoraux/integrer", query_string={"resource_id": resource_id, "bureau": "3"})
    assert embed.status_code == 200
    assert embed.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in embed.headers
    text = embed.get_data(as_text=True)
    assert 'data-role="station" data-station="92040_0003"' in text
    assert f'<input type="hidden" name="resource_id" value="{resource_id}">' in text
    assert f"?resource_id={resource_id}&amp;bureau=12#" in text
    assert "issy-report-embed" not in text  # no embed code in the embed page
    assert "issy-report-embed" in app.get(_page(package)).get_data(as_text=True)
    for wrong in ("nope", "\x00", ""):
        assert app.get("/resultats-electoraux/integrer", query_string={"resource_id": wrong}).status_code == 404

    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": package["id"], "private": True})
    assert app.get("/resultats-electoraux/integrer",
                   query_string={"resource_id": resource_id}).status_code in (403, 404)
