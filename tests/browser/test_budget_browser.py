"""The financial report (the ``issy_budget_view``) in Chromium, on budget
files harvested through the real harvest queues: the site's default views
are the report alone (``ckan.views.default_views``), so the harvest gives
each budget table its report.

A compte administratif 2023 (the 22 SCDL columns), a budget primitif 2024
of the same body (to compare with) and the capital expenditure projects of
2023 (their map): the resource page at 375 and 1280 px in French and once
in English says the key figures (checked against sums this test computes
from the fixture files with the csv module), draws every treemap, lets the
keyboard go down a level and back up (the "Detail of …" buttons of the
table, the path's buttons, Escape), and a tile's click too; the map of the
projects is drawn; the form compares with the budget primitif. A
compte administratif in the 13-column subset (no BGT_FONCTION), with two
order operations added, says that the file has no function, breaks the
expenses down by chapter and gives the order operations apart from the
totals. axe-core finds nothing at either width, nothing of the report
sticks out of its box, the console holds no error.

The base map's tiles come from a closed port (as in test_map_browser.py):
the relay answers 204, the map is drawn on its plain background.

What ECharts drew: its SVG renderer writes each tile's label as SVG text,
so the names a level shows are read from the chart itself."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from tests.browser.conftest import (WIDTHS, axe_violations, check_page, console_problems, context_at, free_port,
                                   screenshot, visit)
from tests.harvesters import conftest as harvesting
from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.harvesters.test_finance import BP, CA, data_resource, dataset
from tests.harvesters.test_finance_projects import CSV, CSV_MAPPING

# The harvesters' fixtures: a feed server and a harvest through the real queues.
feed, harvest = harvesting.feed, harvesting.harvest
CA_13 = "compte-administratif-2022-13col.csv"
TREES = "figure[data-tree]"



DEAD_TILES = f"127.0.0.1:{free_port()}"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    pytest.mark.ckan_config("ckan.views.default_views", "issy_budget_view"),
    pytest.mark.ckan_config("ckanext.issy.theme.population", "68000"),
    pytest.mark.ckan_config("ckanext.issy.map.tile_url", f"http://{DEAD_TILES}/{{z}}/{{x}}/{{y}}.png"),
    pytest.mark.ckan_config("ckanext.issy.map.tile_attribution", "Plan de test"),
]


# The fixture files read independently of the harvester -----------------------

def _lines(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _decimal(text: str) -> Decimal:
    text = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    return Decimal(text.replace(",", ".") if "." not in text else text) if text else Decimal(0)


def _sums(data: bytes, column: str) -> dict[tuple[str, str, str], Decimal]:
    """(direction, kind, section) -> the sum of ``column``."""
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for line in _lines(data):
        sums[(line["BGT_CODRD"], line["BGT_OPBUDG"], line["BGT_SECTION"])] += _decimal(line[column])
    return sums


def _total(sums: dict[tuple[str, str, str], Decimal], direction: str, kind: str = "réel") -> Decimal:
    return sum((amount for (d, k, _s), amount in sums.items() if d == direction and k == kind), Decimal(0))


def _chapters(data: bytes, column: str, section: str) -> set[str]:
    """The chapters of the real expenses of ``section`` whose sum is positive
    (a treemap draws no negative area), by their label."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    labels: dict[str, str] = {}
    for line in _lines(data):
        if (line["BGT_CODRD"], line["BGT_OPBUDG"], line["BGT_SECTION"]) == ("dépense", "réel", section):
            sums[line["BGT_CONTNAT"]] += _decimal(line[column])
            labels.setdefault(line["BGT_CONTNAT"], line["BGT_CONTNAT_LABEL"].strip())
    return {labels[code] for code, amount in sums.items() if amount > 0}


def _euros(amount: Decimal, language: str = "fr") -> str:
    """Whole euros as the language writes them: 12 345 678 € (narrow no-break
    spaces, a no-break space before €), €12,345,678."""
    whole = f"{int(amount.quantize(Decimal(1), ROUND_HALF_EVEN)):,}"
    return whole.replace(",", "\u202f") + "\u00a0€" if language == "fr" else "€" + whole


def _percent(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'), ROUND_HALF_EVEN)}".replace(".", ",")
    return ("+" if value > 0 else "") + text + "\u00a0%"


# The page --------------------------------------------------------------------

def _drawn(page: Any, count: int) -> None:
    """Wait until ``count`` treemaps are drawn: each is drawn when it comes
    near the screen, so the test scrolls to each as a reader would."""
    for figure in page.query_selector_all("figure[data-tree]"):
        figure.scroll_into_view_if_needed()
        page.wait_for_function("figure => figure.dataset.state !== 'waiting'", arg=figure, timeout=20000)
    page.wait_for_function("""(count) => {
        const figures = Array.from(document.querySelectorAll('figure[data-tree]'));
        return figures.length === count && figures.every(f => f.getAttribute('data-state') === 'drawn');
    }""", arg=count, timeout=20000)


def _charts(page: Any) -> list[dict[str, Any]]:
    """Each treemap: its tree, the size of the SVG ECharts drew and the
    number of its texts (the tiles' labels)."""
    return page.eval_on_selector_all(TREES, """figures => figures.map(f => {
        const svg = f.querySelector('[data-role=canvas] svg');
        const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return {tree: f.dataset.tree, width: box.width, height: box.height,
                labels: svg ? svg.querySelectorAll('text').length : 0};
    })""")


def _labels(page: Any, figure: str) -> list[str]:
    """The texts of the tiles a treemap shows, without ECharts' mark of a
    tile that has a detail ("▶ ")."""
    return [text.replace("▶", "").strip() for text in page.eval_on_selector_all(
        f"{figure} [data-role=canvas] svg text", "texts => texts.map(t => t.textContent)")]


def _named(name: str, labels: list[str]) -> bool:
    """Whether a tile says ``name``: whole, or cut with "…" to fit its tile
    (or its first words, when the name is broken over lines)."""
    return any(label and name.startswith(label.rstrip("…")) for label in labels if label.rstrip("…"))


def _chart_shows(page: Any, figure: str, test: Any) -> None:
    """Wait (ECharts draws on the next frame) until the labels of the tiles
    pass ``test``."""
    for _attempt in range(50):
        if test(_labels(page, figure)):
            return
        page.wait_for_timeout(100)
    raise AssertionError(_labels(page, figure))


def _table(page: Any, figure: str) -> list[str]:
    """The names of the level a breakdown's table shows."""
    return page.eval_on_selector_all(f"{figure} [data-role=table] tbody tr",
                                     "rows => rows.map(r => r.cells[0].textContent.trim())")


def _steps(page: Any, figure: str) -> list[str]:
    return page.eval_on_selector_all(f"{figure} [data-role=path] li", "items => items.map(i => i.textContent.trim())")


def _focused(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
        const e = document.activeElement;
        return {tag: e.tagName, classes: e.className, label: e.getAttribute('aria-label'),
                text: e.textContent.trim(), current: e.hasAttribute('aria-current'),
                figure: e.closest('figure[data-tree]') && e.closest('figure[data-tree]').dataset.tree};
    }""")


def _overflowing(page: Any) -> list[str]:
    """What of the report sticks out of its box (on a phone: out of the
    screen, or hidden by the page's own overflow rules); not what is in a
    closed <details> or in a box that scrolls (the map's table, which is
    issy_map's)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-issy-budget]')).flatMap(report => {
        const right = report.getBoundingClientRect().right + 1;
        return Array.from(report.querySelectorAll('*'))
            .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > right
                         && !e.closest('.leaflet-container, .table-responsive, details:not([open])'))
            .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40));
    })""")


def _text(page: Any, selector: str) -> str:
    return page.inner_text(selector).strip()


def _harvest_budgets(harvest: Harvest, feed: Feed) -> dict[str, Any]:
    """The compte administratif 2023, the budget primitif 2024 (one source,
    two files) and the projects of 2023 and 2024 (another source)."""
    for name in (BP, CA, CSV):
        feed.serve_file(name)
    assert errors(harvest.run(harvest.source(feed.url(CA), {"urls": [feed.url(BP)]}))) == []
    assert errors(harvest.run(harvest.source(feed.url(CSV), {"format": "projects", "mapping": CSV_MAPPING},
                                             name="projets-issy", title="Projets"))) == []
    package = dataset("Compte administratif 2023")
    resource = data_resource(package)
    views = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource["id"]})
    assert [view["view_type"] for view in views] == ["issy_budget_view"]
    return {"package": package, "resource": resource, "view": views[0]}


def test_the_report_of_a_compte_administratif_with_its_map_and_comparison(
        browser: Any, live_server: str, harvest: Harvest, feed: Feed) -> None:
    found = _harvest_budgets(harvest, feed)
    address = f"/dataset/{found['package']['name']}/resource/{found['resource']['id']}"
    report = f"#issy-budget-{found['view']['id']}"
    projects_map = f"#issy-budget-map-{found['view']['id']}"
    chapters = f"{report}-expense-chapter"

    sums = _sums(fixture_bytes(CA), "BGT_MTREAL")  # a compte administratif: what was actually spent
    expenses, revenue = _total(sums, "dépense"), _total(sums, "recette")
    order = (_total(sums, "dépense", "ordre"), _total(sums, "recette", "ordre"))
    operating = {section: sums[("dépense", "réel", section)] for section in ("fonctionnement", "investissement")}
    largest = max(operating, key=operating.__getitem__)

    said: list[str] = []
    for width in WIDTHS:
        context = context_at(browser, width)
        page = context.new_page()
        said += console_problems(page)
        visit(page, live_server + address)

        # The key figures are the server's text, French amounts, real operations only.
        assert _text(page, f"{report} [data-role=total-expense] .issy-budget-amount") == _euros(expenses)
        assert _text(page, f"{report} [data-role=total-revenue] .issy-budget-amount") == _euros(revenue)
        assert _euros((expenses / 68000).quantize(Decimal("0.01"))) in _text(
            page, f"{report} [data-role=total-expense]")
        assert _euros(operating["fonctionnement"]) in _text(page, f"{report} [data-role=section-fonctionnement]")
        # The file has no order operation: the report says so, with no amount.
        assert not any(order) and "€" not in _text(page, f"{report} [data-role=order]")
        hundred = page.locator(f"{report} [data-role=hundred]")
        assert hundred.get_attribute("data-by") == "function"
        assert page.locator(f"{report} [data-role=no-function]").count() == 0
        assert hundred.locator("li").count() >= 5

        # Three treemaps drawn (ECharts' SVG), each tile labelled with its name.
        _drawn(page, 3)
        charts = _charts(page)
        assert [chart["tree"] for chart in charts] == ["expense-function", "expense-chapter", "revenue-chapter"]
        for chart in charts:
            assert chart["width"] > 100 and chart["height"] > 100, chart
            assert chart["labels"], chart
        assert len(_table(page, chapters)) == 2  # the two sections first
        assert page.inner_text(f"{chapters} [data-role=summary]")

        # The projects of 2023 on their map: three points.
        page.wait_for_selector(f"{projects_map}[data-state=drawn]", timeout=20000)
        assert page.get_attribute(projects_map, "data-drawn") == "3"

        # The embed code, under its summary.
        page.click(f"{report} .issy-report-embed summary")
        embed = _text(page, f"{report}-embed-code")
        assert embed.startswith(f'<iframe src="{live_server}/rapport-financier/integrer?resource_id=')
        check_page(page, "budget", width, _overflowing(page))
        context.close()

    # The keyboard goes down a level and back up, on a phone.
    context = context_at(browser, "phone")
    page = context.new_page()
    said += console_problems(page)
    visit(page, live_server + address)
    _drawn(page, 3)
    words = page.evaluate(f"JSON.parse(document.querySelector('{report} script[data-role=words]').textContent)")
    top = _table(page, chapters)
    page.focus(f"{chapters} [data-role=path] [aria-current]")
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["figure"] == "expense-chapter" and "issy-budget-detail" in focused["classes"], focused
    assert focused["label"] == words["detail"].replace("{name}", top[0])
    page.keyboard.press("Enter")
    assert _steps(page, chapters) == [words["root"], top[0]]
    # The level of the largest section: its chapters, in the table and on the chart.
    expected = _chapters(fixture_bytes(CA), "BGT_MTREAL", largest)
    assert set(_table(page, chapters)) == expected
    # The sections are no longer drawn, their chapters are (a tile's label: its
    # name, cut with "…" when too long, and its share, on lines of their own).
    _chart_shows(page, chapters, lambda labels: labels and not any(_named(name, labels) for name in top))
    labels = _labels(page, chapters)
    assert any(_named(name, labels) for name in expected), labels
    assert _focused(page)["current"]  # the focus is on the level shown
    summary = _text(page, f"{chapters} [data-role=summary]")
    assert top[0] in summary
    page.keyboard.press("Escape")
    assert _steps(page, chapters) == [words["root"]] and _table(page, chapters) == top
    _chart_shows(page, chapters, lambda labels: all(_named(name, labels) for name in top))
    # Down again, then back up with the path's button (Shift+Tab from the level shown).
    page.focus(f"{chapters} [data-role=table] button")
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    assert _focused(page)["text"] == words["root"]
    page.keyboard.press("Enter")
    assert _steps(page, chapters) == [words["root"]]
    # A tile's click goes down too (the largest tile is at the top left).
    page.click(f"{chapters} [data-role=canvas]", position={"x": 12, "y": 12})
    page.wait_for_function(f"document.querySelector('{chapters}').dataset.level === '1'")
    assert len(_steps(page, chapters)) == 2

    # Compared with the budget primitif 2024: the form sends the page again.
    page.select_option(f"{report} select[name=comparer]", label=next(
        option for option in page.eval_on_selector_all(f"{report} select[name=comparer] option",
                                                       "options => options.map(o => o.textContent)")
        if option.startswith("Budget primitif 2024")))
    with page.expect_navigation():
        page.click(f"{report}-compare button[type=submit]")
    page.wait_for_selector("html[data-issy-scripts=loaded]", state="attached")
    assert "comparer=" in page.url
    comparison = page.locator(f"{report} [data-role=comparison]")
    assert comparison.is_visible()
    rows = page.eval_on_selector_all(f"{report} [data-role=compare-sections] tbody tr",
                                     "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))")
    assert len(rows) == 6  # 2 directions × (2 sections + their total)
    forecast = _sums(fixture_bytes(BP), "BGT_MTPREV")  # a budget primitif: what was voted
    change = 100 * (expenses - _total(forecast, "dépense")) / _total(forecast, "dépense")
    assert rows[2][3] == _percent(change), rows
    _drawn(page, 3)
    page.eval_on_selector_all(f"{report} .issy-budget-compare-more", "all => all.forEach(d => { d.open = true; })")
    assert page.locator(f"{report} [data-role=compare-chapters] tbody tr").count() > 5
    screenshot(page, "budget-375-comparison")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
    assert _overflowing(page) == []
    context.close()

    # In English: English amounts, the same report.
    context = context_at(browser, "desktop")
    page = context.new_page()
    said += console_problems(page)
    visit(page, f"{live_server}/en{address}")
    assert page.get_attribute("html", "lang") == "en"
    assert _text(page, f"{report} [data-role=total-expense] .issy-budget-amount") == _euros(expenses, "en")
    _drawn(page, 3)
    screenshot(page, "budget-1280-en")
    assert axe_violations(page) == []

    # The embed page: the report alone, the same figures.
    visit(page, f"{live_server}/rapport-financier/integrer?resource_id={found['resource']['id']}")
    _drawn(page, 3)
    assert _text(page, "#issy-budget-embed [data-role=total-expense] .issy-budget-amount") == _euros(expenses)
    assert page.locator("h1").count() == 1
    screenshot(page, "budget-embed-1280")
    assert axe_violations(page) == []
    context.close()
    assert said == []


def test_a_file_without_functions_is_broken_down_by_chapter_with_its_order_operations_apart(
        browser: Any, live_server: str, harvest: Harvest, feed: Feed) -> None:
    """The 13-column subset, with two order operations added (depreciation:
    an operating expense and an investment revenue of the same amount)."""
    data = fixture_bytes(CA_13) + "".join(
        f"compte administratif,2022,21920040500011,COMMUNE D'ISSY-LES-MOULINEAUX (EXEMPLE),{line}\r\n"
        for line in ("042,Opérations d'ordre de transfert entre sections,6811,Dotations aux amortissements,"
                     "fonctionnement,ordre,dépense,1250000.00,1250000.00",
                     "040,Opérations d'ordre de transfert entre sections,28041,Amortissements,"
                     "investissement,ordre,recette,1250000.00,1250000.00")).encode()
    feed.serve_file(CA_13, data)
    assert errors(harvest.run(harvest.source(feed.url(CA_13)))) == []
    package = dataset("Compte administratif 2022")
    resource = data_resource(package)
    [view] = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource["id"]})
    report = f"#issy-budget-{view['id']}"
    sums = _sums(data, "BGT_MTREAL")
    expenses = _total(sums, "dépense")
    assert _total(sums, "dépense", "ordre") == _total(sums, "recette", "ordre") == Decimal(1250000)

    context = context_at(browser, "phone")
    page = context.new_page()
    said = console_problems(page)
    visit(page, f"{live_server}/dataset/{package['name']}/resource/{resource['id']}")
    # Real operations only in the totals; the order operations apart, with their amounts.
    assert _text(page, f"{report} [data-role=total-expense] .issy-budget-amount") == _euros(expenses)
    assert _text(page, f"{report} [data-role=order]").count(_euros(Decimal(1250000))) == 2
    assert "BGT_FONCTION" in _text(page, f"{report} [data-role=no-function]")
    assert page.get_attribute(f"{report} [data-role=hundred]", "data-by") == "chapter"
    _drawn(page, 2)
    assert [chart["tree"] for chart in _charts(page)] == ["expense-chapter", "revenue-chapter"]
    screenshot(page, "budget-375-13col")
    assert axe_violations(page) == []
    assert _overflowing(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
    context.close()
    assert said == []
