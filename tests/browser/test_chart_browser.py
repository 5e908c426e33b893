"""The chart builder in Chromium: a visitor finds a table on the Créer page,
builds a bar chart and a line chart, and the permalink, opened in a fresh
browser, draws the same chart; the embed page; axe-core finds nothing at
375 and 1280 px; no console error.

Counting what ECharts drew: its SVG renderer draws each bar, and each dot
of a line, as a ``<path>``; so do the axes, the grid and the legend. The
chart's first series has the first colour of ``chart.js``'s palette
(``IssyChart.palette[0]``); with one series there is no legend, and the
axes, grid lines and the line itself (``fill="none"``) are never filled
with that colour. So the marks are the SVG paths whose computed fill is
that colour (compared as the browser computes it, ``rgb(...)``, whatever
spelling ECharts wrote). The line chart draws a filled dot on every point
(``symbol: "circle"``, ``showAllSymbol``) for this to hold. ECharts'
server-side-rendering meta attributes (``ecmeta_*``) are written only by
its string renderer (``ssr: true``), not in a live page."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import WIDTHS, axe_violations, console_problems, context_at, screenshot, visit
from tests.views.chart.conftest import chart_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]
FIGURE = "#issy-chart"
# A French amount as Intl.NumberFormat('fr-FR') writes it: 12 345,5 €
# (narrow no-break spaces between thousands, a no-break space before €).
FRENCH_AMOUNT = re.compile(r"^-?\d{1,3}([\u202f\u00a0]\d{3})*(,\d{1,2})?\u00a0€$")


def _drawn(page: Any, figure: str = FIGURE, address: str = "") -> None:
    """Wait until ``figure`` is drawn and idle (and the address bar holds
    ``address``, the builder's last change)."""
    page.wait_for_function("""([selector, address]) => {
        const figure = document.querySelector(selector);
        return figure && figure.getAttribute('data-state') === 'drawn' && !figure.hasAttribute('aria-busy')
            && decodeURIComponent(location.search.replace(/\\+/g, ' ')).includes(address);
    }""", arg=[figure, address], timeout=15000)


def _marks(page: Any, figure: str = FIGURE) -> int:
    return page.evaluate("""(selector) => {
        const probe = document.createElement('span');
        probe.style.fill = IssyChart.palette[0];
        document.body.appendChild(probe);
        const colour = getComputedStyle(probe).fill;
        probe.remove();
        return Array.from(document.querySelectorAll(selector + ' svg path'))
            .filter(path => getComputedStyle(path).fill === colour).length;
    }""", figure)


def _table(page: Any, figure: str = FIGURE) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{figure} table tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")


def _choose(page: Any, choices: dict[str, str], address: str) -> None:
    for selector, value in choices.items():
        if page.evaluate("s => document.querySelector(s).tagName", selector) == "INPUT":
            page.fill(selector, value)
        else:
            page.select_option(selector, value)
    _drawn(page, address=address)


def _open_builder(page: Any, live_server: str, resource_id: str) -> None:
    """Créer → search → the table, as a visitor does."""
    visit(page, live_server + "/creer")
    page.fill("#chart-q", "dépenses")
    page.press("#chart-q", "Enter")
    page.wait_for_url("**/creer?q=*")
    page.click(f"a[href='/creer?resource_id={resource_id}']")
    page.wait_for_url("**/creer?resource_id=*")
    page.wait_for_selector("html[data-issy-scripts=loaded]", state="attached")
    _drawn(page)


def test_a_bar_chart_is_built_shared_and_opened_again(browser, live_server: str, chart_data) -> None:  # noqa: F811
    context = context_at(browser, "desktop")
    page = context.new_page()
    errors = console_problems(page)
    _open_builder(page, live_server, chart_data["resource"]["id"])

    _choose(page, {"#chart-type": "bar", "#chart-x": "secteur", "#chart-y-0": "sum:montant",
                   "#chart-sort": "measure_desc", "#chart-limit": "", "#chart-unit": "€",
                   "#chart-title": "Dépenses par secteur"}, "title=Dépenses par secteur")

    rows = _table(page)
    assert [row[0] for row in rows] == ["Sport", "Culture", "Voirie et propreté", "Santé", "Éducation"]
    assert _marks(page) == len(rows)
    assert all(FRENCH_AMOUNT.match(row[1]) for row in rows), rows
    assert page.inner_text(f"{FIGURE} figcaption").startswith("Dépenses par secteur")
    summary = page.inner_text(f"{FIGURE} [data-role=summary]")
    assert "Sport (31\u202f803\u00a0€)" in summary and "Éducation (7\u202f803\u00a0€)" in summary
    permalink = page.inner_text("#chart-permalink")
    assert permalink == page.url  # the address bar holds the permalink
    assert dict(parse_qsl(urlsplit(permalink).query))["sort"] == "measure_desc"
    embed = urlsplit(permalink).query.replace("&", "&amp;")  # an attribute, in HTML
    assert f'<iframe src="{live_server}/creer/integrer?{embed}" title="Dépenses par secteur"' \
        in page.inner_text("#chart-embed")
    page.click(f"{FIGURE} summary")
    assert page.is_visible(f"{FIGURE} table")
    screenshot(page, "desktop_creer_bar")
    assert axe_violations(page) == []

    # The permalink in a fresh browser (no cookie, no history) draws the same chart.
    fresh = context_at(browser, "phone")
    other = fresh.new_page()
    errors += console_problems(other)
    visit(other, permalink)
    _drawn(other)
    assert _table(other) == rows and _marks(other) == len(rows)
    assert other.input_value("#chart-title") == "Dépenses par secteur"
    screenshot(other, "phone_creer_bar")
    assert axe_violations(other) == []
    assert other.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
    fresh.close()
    context.close()
    assert errors == []


def test_a_line_chart_over_time_with_a_filter(browser, live_server: str, chart_data) -> None:  # noqa: F811
    context = context_at(browser, "phone")
    page = context.new_page()
    errors = console_problems(page)
    _open_builder(page, live_server, chart_data["resource"]["id"])

    _choose(page, {"#chart-type": "line", "#chart-x": "année", "#chart-x_unit": "month",
                   "#chart-y-0": "sum:montant", "#chart-sort": "", "#chart-limit": "",
                   "#chart-filter-column-1": "secteur", "#chart-filter-op-1": "in",
                   "#chart-filter-value-1": "Santé; Éducation"}, "filter_value=Santé; Éducation")

    rows = _table(page)
    assert [row[0] for row in rows] == ["janvier 2021", "janvier 2022", "janvier 2023"]
    # Santé (2) and Éducation (1), two districts: 2 × 3000 + 2 × 100, then 4 × 250,5 more a year.
    assert [row[1] for row in rows] == ["6\u202f200", "7\u202f202", "8\u202f204"]
    assert _marks(page) == len(rows)
    # The first and last of the series, whatever the words around them.
    summary = page.inner_text(f"{FIGURE} [data-role=summary]")
    assert summary.index("janvier 2021") < summary.index("janvier 2023")
    assert "6\u202f200" in summary and "8\u202f204" in summary
    # An empty filter row waits for the next filter.
    assert page.input_value("#chart-filter-column-2") == ""
    screenshot(page, "phone_creer_line")
    assert axe_violations(page) == []

    permalink = page.inner_text("#chart-permalink")
    fresh = context_at(browser, "desktop")
    other = fresh.new_page()
    errors += console_problems(other)
    visit(other, permalink)
    _drawn(other)
    assert _table(other) == rows and _marks(other) == len(rows)
    screenshot(other, "desktop_creer_line")
    fresh.close()
    context.close()
    assert errors == []


def test_errors_are_said_and_the_embed_page_draws_the_chart_alone(browser, live_server: str,
                                                                 chart_data) -> None:
    context = context_at(browser, "phone")
    page = context.new_page()
    errors = console_problems(page)
    resource_id = chart_data["resource"]["id"]
    # A filter the API refuses: the alert says why, no blank chart.
    visit(page, f"{live_server}/creer?resource_id={resource_id}&type=bar&x=secteur&y=count"
                "&filter_column=ann%C3%A9e&filter_op=gt&filter_value=demain")
    page.wait_for_function("document.querySelector('#issy-chart').getAttribute('data-state') === 'error'")
    assert "demain" in page.inner_text(f"{FIGURE} [role=alert]")
    assert not page.is_visible(f"{FIGURE} [data-role=canvas]")

    for width in WIDTHS:
        page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width])))
        visit(page, f"{live_server}/creer/integrer?resource_id={resource_id}&type=pie&x=secteur"
                    "&y=sum%3Amontant&title=R%C3%A9partition")
        _drawn(page, figure="figure.issy-chart")
        assert page.inner_text("figure.issy-chart figcaption").startswith("Répartition")
        assert len(_table(page, "figure.issy-chart")) == 5
        screenshot(page, f"{width}_creer_integrer")
        assert axe_violations(page) == []
    context.close()
    # The refused filter's 400 is the only error the console saw.
    assert [e for e in errors if "400" not in e] == []


KINDS = {
    "bar_horizontal": "x=secteur&y=sum%3Amontant&sort=measure_desc",
    "bar_stacked": "x=ann%C3%A9e&x_unit=year&y=sum%3Amontant&series=quartier",
    "area": "x=ann%C3%A9e&x_unit=year&y=sum%3Amontant&series=secteur",
    "donut": "x=quartier&y=count",
    "treemap": "x=secteur&y=sum%3Amontant&limit=3",
    "scatter": "x=secteur&y=sum%3Amontant&y=max%3Amontant",
    "line": "x=gratuit&y=mean%3Amontant&y=min%3Amontant&y=max%3Amontant",
}


def test_every_kind_of_chart_is_drawn(browser, live_server: str, chart_data) -> None:  # noqa: F811
    context = context_at(browser, "phone")
    page = context.new_page()
    errors = console_problems(page)
    resource_id = chart_data["resource"]["id"]
    drawn = {}
    for kind, query in KINDS.items():
        visit(page, f"{live_server}/en/creer/integrer?resource_id={resource_id}&type={kind}&{query}")
        _drawn(page, figure="figure.issy-chart")
        drawn[kind] = len(_table(page, "figure.issy-chart"))
        assert page.get_attribute("figure.issy-chart [data-role=canvas]", "aria-label"), kind
        screenshot(page, f"phone_chart_{kind}")
    context.close()
    assert drawn == {"bar_horizontal": 5, "bar_stacked": 6, "area": 15, "donut": 2, "treemap": 4,
                     "scatter": 5, "line": 2}
    assert errors == []


def test_a_saved_view_is_drawn_in_the_resource_page(browser, live_server: str, chart_data) -> None:  # noqa: F811
    from ckan.tests.helpers import call_action

    resource = chart_data["resource"]
    view = call_action("resource_view_create", {"user": chart_data["sysadmin"]["name"]},
                       resource_id=resource["id"], view_type="issy_chart", title="Dépenses par quartier",
                       type="bar", x="quartier", y="sum:montant", unit="€")
    figure = f"#issy-chart-{view['id']}"
    for width in WIDTHS:
        context = context_at(browser, width)
        page = context.new_page()
        errors = console_problems(page)
        visit(page, f"{live_server}/dataset/depenses-par-secteur/resource/{resource['id']}?view_id={view['id']}")
        # Its stylesheet, like its script, comes after the first paint: the
        # chart is drawn at its full height all the same.
        _drawn(page, figure=figure)
        assert len(_table(page, figure)) == 2 and _marks(page, figure) == 2
        assert page.eval_on_selector(f"{figure} [data-role=canvas]", "c => c.clientHeight") >= 250
        screenshot(page, f"{width}_resource_chart_view")
        assert axe_violations(page) == []
        context.close()
        assert errors == []
