"""The election results (the ``issy_elections_view``) in Chromium, on the
sample Européennes 2024 file (devstack/election_samples.py: Issy's 45
polling stations) harvested through the real harvest queues; the site's
default views are the results alone, so the harvest gives the results
table its view.

At 375 and 1280 px, in French and once in English: the turnout and the
first list's share are those this test computes from the file with the
csv module; the visitor chooses a polling station with the keyboard (the
form's select and button) and sees its results beside the commune's; the
table of stations is sorted by turnout with the keyboard (its header's
button), the header saying so (aria-sort); axe-core finds nothing,
nothing sticks out of the screen, the console holds no error."""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from devstack import election_samples
from tests.browser.conftest import (WIDTHS, axe_violations, check_page, console_problems, context_at, free_port,
                                   visit)
from tests.harvesters import conftest as harvesting
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import europeennes, europeennes_placed, table_id

feed, harvest = harvesting.feed, harvesting.harvest
# The base map's tiles come from a closed port (as in test_map_browser.py).
DEAD_TILES = f"127.0.0.1:{free_port()}"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view"),
]


def _stations() -> list[dict[str, str]]:
    """Issy's rows of the sample file, read independently of the harvester."""
    text = election_samples.europeennes_2024_format_b().decode("utf-8")
    return [row for row in csv.DictReader(io.StringIO(text), delimiter=";") if row["Code commune"] == "92040"]


def _percent(part: int, whole: int, language: str = "fr") -> str:
    value = (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return f"{value}".replace(".", ",") + "\u00a0%" if language == "fr" else f"{value}%"


def _expected() -> dict[str, Any]:
    stations = _stations()
    registered = sum(int(row["Inscrits"]) for row in stations)
    voters = sum(int(row["Votants"]) for row in stations)
    cast = sum(int(row["Exprimés"]) for row in stations)
    lists = {number: sum(int(row[f"Voix {number}"]) for row in stations)
             for number in range(1, len(election_samples.EUROPEENNES_2024) + 1)}
    first = max(lists, key=lists.__getitem__)
    turnouts = {int(row["Code BV"]): Decimal(int(row["Votants"])) / int(row["Inscrits"]) for row in stations}
    return {"registered": registered, "voters": voters, "cast": cast, "first": first, "first_votes": lists[first],
            "first_label": election_samples.EUROPEENNES_2024[first - 1][3],
            "highest_turnout": max(turnouts, key=turnouts.__getitem__), "station_7": stations[6]}


def _overflowing(page: Any) -> list[str]:
    """What of the results sticks out of the screen (not what is in a table's
    own scrolling box, a closed <details> or a map, whose tiles lie beyond
    its clipped box)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-issy-elections] *'))
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 1
                     && !e.closest('.table-responsive, details:not([open]), .leaflet-container'))
        .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""")


def test_the_results_a_chosen_polling_station_and_the_sorted_stations(
        browser: Any, live_server: str, harvest: Harvest, feed: Feed) -> None:
    package = europeennes(harvest, feed)
    address = f"{live_server}/dataset/{package['name']}/resource/{table_id(package, 'results')}"
    expected = _expected()
    said: list[str] = []
    for width in WIDTHS:
        context = context_at(browser, width)
        page = context.new_page()
        said += console_problems(page)
        visit(page, address)
        turnout = _percent(expected["voters"], expected["registered"])
        assert page.inner_text("[data-role=turnout] dd").strip() == turnout
        summary = page.inner_text("[data-role=summary]")
        assert summary.startswith(f"{expected['first_label']} arrive en tête avec "
                                  f"{_percent(expected['first_votes'], expected['cast'])}")

        # My polling station, chosen with the keyboard: the select, then its button.
        page.focus("select[name=bureau]")
        page.select_option("select[name=bureau]", "7")
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("html[data-issy-scripts=loaded]", state="attached")
        station = page.locator("[data-role=station]")
        assert station.get_attribute("data-station") == "92040_0007"
        row = expected["station_7"]
        assert _percent(int(row["Votants"]), int(row["Inscrits"])) in station.inner_text()

        # The stations sorted by turnout, with the keyboard: highest first.
        table = "table[data-role=stations]"
        page.wait_for_selector(f"{table} button.issy-elections-sort")
        page.focus(f"{table} thead th:nth-child(3) button")
        page.keyboard.press("Enter")
        assert page.get_attribute(f"{table} thead th:nth-child(3)", "aria-sort") == "descending"
        assert page.get_attribute(f"{table} thead th:nth-child(1)", "aria-sort") is None
        first_row = page.get_attribute(f"{table} tbody tr:first-child", "data-station")
        assert first_row == f"92040_{expected['highest_turnout']:04d}"
        page.keyboard.press("Enter")  # again: the other way
        assert page.get_attribute(f"{table} thead th:nth-child(3)", "aria-sort") == "ascending"

        check_page(page, "elections", width, _overflowing(page))
        context.close()

    context = context_at(browser, "phone")
    page = context.new_page()
    said += console_problems(page)
    visit(page, address.replace(live_server, live_server + "/en"))
    assert page.inner_text("[data-role=turnout] dd").strip() == _percent(
        expected["voters"], expected["registered"], "en")
    assert axe_violations(page) == []
    context.close()
    assert said == []


def _maps_drawn(page: Any) -> list[dict[str, Any]]:
    """Bring each map near the screen (each is drawn when it comes close),
    wait until both are drawn, and say what each drew: map.js's count, the
    SVG areas, the legend's words, the rows of its table."""
    maps = page.locator("[data-issy-elections] figure[data-issy-map]")
    for index in range(maps.count()):
        maps.nth(index).scroll_into_view_if_needed()
        page.wait_for_function("(figure) => figure.getAttribute('data-state') === 'drawn'",
                               arg=maps.nth(index).element_handle(), timeout=20000)
    return page.eval_on_selector_all("[data-issy-elections] figure[data-issy-map]", """figures => figures.map(f => ({
        drawn: Number(f.dataset.drawn),
        areas: f.querySelectorAll('.leaflet-overlay-pane path').length,
        legend: Array.from(f.querySelectorAll('[data-role=legend] li')).map(i => i.textContent.trim()),
        rows: Array.from(f.querySelectorAll('[data-role=table] tbody tr')).map(
            r => Array.from(r.cells).map(c => c.textContent.trim())),
    }))""")


@pytest.mark.ckan_config("ckanext.issy.map.tile_url", f"http://{DEAD_TILES}/{{z}}/{{x}}/{{y}}.png")
@pytest.mark.ckan_config("ckanext.issy.map.tile_attribution", "Plan de test")
def test_the_map_of_the_polling_stations_by_leader_and_by_turnout_with_tiles_unreachable(
        browser: Any, live_server: str, harvest: Harvest, feed: Feed) -> None:
    package = europeennes_placed(harvest, feed)
    address = f"{live_server}/dataset/{package['name']}/resource/{table_id(package, 'results')}"
    stations = {int(row["Code BV"]): row for row in _stations()}
    said: list[str] = []
    for width in WIDTHS:
        context = context_at(browser, width)
        page = context.new_page()
        said += console_problems(page)
        tiles: list[int] = []
        page.on("response", lambda r: tiles.append(r.status) if "/carte/fond/" in r.url else None)
        visit(page, address)
        if width == "phone":  # the resource and its view come before the list of files (theme.css)
            assert page.locator(".module-resource").bounding_box()["y"] < page.locator(
                "aside.secondary").bounding_box()["y"]
        leader, turnout = _maps_drawn(page)
        assert leader["drawn"] == turnout["drawn"] == leader["areas"] == turnout["areas"] == 45
        # The legends say in words what each colour stands for.
        assert len(leader["legend"]) >= 2 and all(any(c.isalpha() for c in item) for item in leader["legend"])
        assert len(turnout["legend"]) >= 2 and all(any(c.isdigit() for c in item) for item in turnout["legend"])
        # The table under the turnout map: every station, its turnout as the file gives it.
        assert len(turnout["rows"]) == 45
        row = next(cells for cells in turnout["rows"] if "12" in cells[:1])
        expected = _percent(int(stations[12]["Votants"]), int(stations[12]["Inscrits"])).replace("\u00a0%", "")
        assert expected in row
        assert set(tiles) <= {204}  # the tiles did not come; the map is drawn all the same
        check_page(page, "elections-map", width, _overflowing(page))
        context.close()
    assert said == []
