"""A live portal on 127.0.0.1 and Debian's Chromium driven by Playwright
(no browser download: ``executable_path``)."""
from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from tests.search.conftest import sysadmin  # noqa: F401  (fixture; clean_db and clean_index are suite-wide)
from tests.theme.conftest import portal  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# The widths every page is tried at: a phone's and a desktop's.
WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on once this returns (a dead
    tile server, or one for the live portal)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def context_at(browser: Any, width: str) -> Any:
    """A fresh browser context at one of ``WIDTHS``, motion reduced (no animation to wait for)."""
    w, h = WIDTHS[width]
    return browser.new_context(viewport={"width": w, "height": h}, reduced_motion="reduce")


def console_problems(page: Any, warnings: bool = False) -> list[str]:
    """The page's console errors (and ``warnings``) and uncaught exceptions, as they come."""
    kinds = ("error", "warning") if warnings else ("error",)
    said: list[str] = []
    page.on("console", lambda m: said.append(f"{m.type}: {m.text}") if m.type in kinds else None)
    page.on("pageerror", lambda error: said.append(str(error)))
    return said


@pytest.fixture
def live_server(make_app: Any, ckan_config: dict[str, Any],
                portal: dict[str, Any]) -> Iterator[str]:  # noqa: F811
    """The application under werkzeug's WSGI server, in a thread. Its
    site_url is the server's own address: CKAN's JavaScript loads its
    translations there before starting its modules.

    The server gets CKAN's whole WSGI stack (``.app``), not the bare Flask
    app (``.flask_app``): CKAN 2.11 sets the page's language in a middleware
    outside Flask, without which every page fails, and the plugins'
    middlewares (page-view tracking) sit outside Flask on both versions."""
    url = f"http://127.0.0.1:{free_port()}"
    ckan_config["ckan.site_url"] = url
    server = make_server("127.0.0.1", int(url.rsplit(":", 1)[1]), make_app().app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def visit(page: Any, url: str) -> None:
    """Open ``url``, which must answer 200: axe-core finds nothing to report
    on an error page, so a failing server would otherwise pass unnoticed."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    # The page's scripts come after its first paint (snippets/after_paint.js):
    # wait for them, as a visitor's next tap would.
    page.wait_for_selector("html[data-issy-scripts=loaded]", state="attached")


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def check_page(page: Any, name: str, width: str, overflowing: list[str]) -> None:
    """What every view's page must pass at ``width``: a screenshot saved as
    ``name``-<pixels>.png, no axe-core violation, nothing of the view sticking
    out (``overflowing``: what the test found), no sideways scroll on a phone."""
    screenshot(page, f"{name}-{WIDTHS[width][0]}")
    assert axe_violations(page) == []
    assert overflowing == []
    if width == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
