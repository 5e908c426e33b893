"""What the theme does for phones (docs/performance.md, "Theme"): deferred
scripts, a page-view beacon that answers, no placeholder picture; on CKAN
2.11 and 2.12."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.mark.parametrize("path", ["/", "/dataset", "/dataset/budget-2024"])
def test_scripts_and_last_stylesheets_wait_for_the_first_paint(app, portal: dict[str, Any],
                                                               path: str) -> None:
    body = app.get(path, status=200).body
    listed = re.search(r'<script type="application/json" id="issy-deferred-assets">(.*?)</script>',
                       body, re.S)

    assert listed, "the page lists its deferred assets"
    assets = json.loads(listed.group(1))
    # No script the parser would fetch and run before the page shows.
    assert not re.findall(r"<script [^>]*src=", body)
    # In CKAN's order: jQuery before CKAN's modules, which use it.
    scripts = assets["scripts"]
    jquery = next(n for n, src in enumerate(scripts) if "jquery" in src)
    assert jquery < next(n for n, src in enumerate(scripts) if src.endswith("_main.js")), scripts
    assert any("fontawesome" in href for href in assets["styles"]), assets
    assert all(body.count(f'href="{href}"') == 1 for href in assets["styles"])  # once, in <noscript>
    assert body.index("<noscript><link") > listed.end()


def test_the_page_view_beacon_answers_and_is_recorded(app) -> None:
    from ckan import model
    from ckanext.tracking.model import TrackingRaw

    app.post("/_tracking", data={"url": "/dataset/x", "type": "page"}, status=204,
             environ_overrides={"HTTP_USER_AGENT": "test", "REMOTE_ADDR": "127.0.0.1"})

    assert [row.url for row in model.Session.query(TrackingRaw)] == ["/dataset/x"]


def test_the_publisher_placeholder_picture_is_not_shown(app, portal: dict[str, Any]) -> None:
    body = app.get("/dataset/budget-2024", status=200).body

    assert portal["org"]["title"] in body.replace("&#39;", "'")
    assert "placeholder-organization.png" not in body
