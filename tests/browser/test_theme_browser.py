"""The themed portal in Chromium, at phone (375 px) and desktop (1280 px)
widths: accessibility (axe-core), the keyboard menu, the home search
suggestions, and English pages free of the extension's French."""
from __future__ import annotations

from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.browser.conftest import ROOT, WIDTHS, axe_violations, screenshot, visit
from tests.theme.conftest import paged  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]
PAGES = ["/", "/dataset/", "/dataset/budget-2024", "RESOURCE", "/visualisations", "/creer",
         "/a-propos", "/a-propos/demarche", "/a-propos/reutiliser", "/a-propos/contact",
         "/accessibilite", "/mentions-legales", "/confidentialite"]


def _open(browser: Any, width: str) -> Any:
    w, h = WIDTHS[width]
    return browser.new_page(viewport={"width": w, "height": h})


def _path(path: str, portal: dict[str, Any]) -> str:
    return f"/dataset/budget-2024/resource/{portal['resource']['id']}" if path == "RESOURCE" else path


def _violations(browser: Any, width: str, urls: dict[str, str], shown: str = "") -> dict[str, Any]:
    """axe-core's violations on each page (path: url), each page saved as a
    screenshot; ``shown``: a selector each page must show once."""
    page = _open(browser, width)
    found = {}
    for path, url in urls.items():
        visit(page, url)
        if shown:
            assert page.locator(shown).count() == 1, path
        screenshot(page, f"{width}_{path.strip('/').replace('/', '_').replace('?page=', '_p').lower() or 'home'}")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    page.close()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_reports_no_violation(browser, live_server: str, portal: dict[str, Any], width: str) -> None:
    assert _violations(browser, width, {path: live_server + _path(path, portal) for path in PAGES}) == {}


@pytest.mark.ckan_config("ckan.datasets_per_page", "2")
@pytest.mark.parametrize("width", WIDTHS)
def test_pages_of_results_have_no_violation(browser, live_server: str, paged: dict[str, Any],  # noqa: F811
                                            width: str) -> None:
    """More than one page of results: the pagination's links are checked too."""
    paths = ("/dataset/", "/organization/mairie", "/group/budget", "/dataset/?page=2", "/en/dataset/?page=3")
    assert _violations(browser, width, {f"/pages{path}": live_server + path for path in paths},
                       shown="nav .pagination") == {}


def test_menu_works_with_the_keyboard_on_a_phone(browser, live_server: str) -> None:
    page = _open(browser, "phone")
    visit(page, live_server + "/creer")
    assert not page.is_visible("#main-navigation-toggle a[href='/visualisations']")

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('navbar-toggler')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#main-navigation-toggle a[href='/visualisations']", state="visible")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "/visualisations":
            break
    screenshot(page, "phone_menu_open")
    page.keyboard.press("Enter")
    page.wait_for_url("**/visualisations")
    assert page.locator("h1").inner_text() == "Visualisations"
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_sections_reachable_from_every_page(browser, live_server: str, portal, width: str) -> None:
    page = _open(browser, width)
    for path in ("/", "/dataset/budget-2024", "/mentions-legales"):
        visit(page, live_server + path)
        hrefs = page.eval_on_selector_all("#main-navigation-toggle .navbar-nav a",
                                          "links => links.map(a => a.getAttribute('href'))")
        assert hrefs == ["/dataset/", "/visualisations", "/creer", "/a-propos"]
    page.close()


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server: str, portal: dict[str, Any]) -> None:
    page = _open(browser, "phone")
    widths = {}
    for path in PAGES:
        visit(page, live_server + _path(path, portal))
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert {path: width for path, width in widths.items() if width > WIDTHS["phone"][0]} == {}


@pytest.mark.parametrize("path", ["/", "/dataset/", "/dataset/budget-2024"])
def test_scripts_and_icons_come_after_the_first_paint_and_start(browser, live_server: str,
                                                               path: str) -> None:
    page = _open(browser, "phone")
    visit(page, live_server + path)
    timings = page.evaluate("""() => ({
        paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        late: performance.getEntriesByType('resource')
            .filter(r => /\\.js$|fontawesome|select2|webfonts/.test(r.name))
            .map(r => [r.name, r.startTime]),
    })""")

    assert any("jquery" in name for name, _ in timings["late"]), timings
    assert any("webfonts" in name for name, _ in timings["late"]), timings  # the icons are drawn
    assert all(start >= timings["paint"] for _, start in timings["late"]), timings
    # CKAN's modules, htmx (which starts only on a complete document) and
    # Bootstrap all run.
    page.wait_for_function("window.ckan && ckan.module && window.htmx && window.bootstrap")
    assert page.evaluate("htmx.version")
    page.close()


def test_home_search_suggests_datasets(browser, live_server: str) -> None:
    page = _open(browser, "desktop")
    visit(page, live_server + "/")
    # CKAN starts its modules once its translations have loaded, which may
    # be after the page's load event: a visitor types later than a robot.
    page.wait_for_function("(ckan.module.instances['issy-suggest'] || []).length > 0")
    page.fill("#home-search", "Budg")
    page.wait_for_function(
        "document.querySelectorAll('#home-search-suggestions option').length > 0", timeout=5000)
    assert "Budget primitif 2024" in page.eval_on_selector_all(
        "#home-search-suggestions option", "options => options.map(o => o.value)")
    # The visitor takes the suggestion (the browser's own list, which
    # Playwright cannot click) and searches for it.
    page.fill("#home-search", "Budget primitif 2024")
    page.press("#home-search", "Enter")
    page.wait_for_url("**/dataset/?q=Budget+primitif+2024")
    assert page.locator(".dataset-heading a", has_text="Budget primitif 2024").count() == 1
    page.close()


def _french_strings() -> set[str]:
    """The extension's French translations that differ from their English."""
    path = ROOT / "ckanext/issy/i18n/fr/LC_MESSAGES/ckanext-issy.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    strings = set()
    for message in catalog:
        pairs = zip(message.id, message.string) if isinstance(message.id, tuple) else [(message.id, message.string)]
        for english, french in pairs:
            # The fixed part of each string: text before any placeholder.
            head = french.split("{")[0].split("%(")[0].split("<")[0].strip()
            if english and french and french != english and len(head) >= 12:
                strings.add(head)
    return strings


def test_language_switch_leaves_no_french_on_english_pages(browser, live_server: str, portal) -> None:
    page = _open(browser, "desktop")
    visit(page, live_server + "/a-propos")
    page.click("a[hreflang='en']")
    page.wait_for_url("**/en/a-propos")
    assert page.get_attribute("html", "lang") == "en"
    french = _french_strings()
    for path in PAGES:
        visit(page, live_server + "/en" + _path(path, portal))
        text = page.inner_text("body")
        assert [s for s in french if s in text] == [], path
    page.close()
