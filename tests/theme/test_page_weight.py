"""What the theme does for phones (docs/performance.md, "Theme"): deferred
scripts, a page-view beacon that answers, no placeholder picture; on CKAN
2.11 and 2.12."""
from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.mark.parametrize("path", ["/", "/dataset", "/dataset/budget-2024"])
def test_every_script_is_deferred(app, portal: dict[str, Any], path: str) -> None:
    body = app.get(path, status=200).body
    scripts = re.findall(r"<script [^>]*src=[^>]*>", body)

    assert scripts
    assert all(" defer " in tag for tag in scripts), scripts
    # In CKAN's order: jQuery before the modules that use it.
    assert "jquery" in scripts[0] or "jquery" in scripts[1]


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
