"""Dataset, resource and view texts come from publishers and harvested
feeds: every page of the theme escapes them."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.plugins.toolkit as tk

from tests.theme.conftest import HOSTILE

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _assert_escaped(body: str) -> None:
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert" in body


def test_home_search_dataset_and_resource_pages(app, portal: dict[str, Any]) -> None:
    resource = portal["hostile_resource"]
    for url in ("/", "/dataset/", "/dataset/hostile", f"/dataset/hostile/resource/{resource['id']}"):
        _assert_escaped(app.get(url, status=200).body)


def test_featured_visualisations(app, portal: dict[str, Any]) -> None:
    tk.get_action("config_option_update")(
        {"user": portal["sysadmin"]["name"]},
        {"ckanext.issy.theme.featured_views": portal["hostile_view"]["id"]},
    )
    for url in ("/", "/visualisations"):
        body = app.get(url, status=200).body
        _assert_escaped(body)
        assert "issy-grid" in body


@pytest.mark.ckan_config("ckanext.issy.theme.publication_director", HOSTILE)
@pytest.mark.ckan_config("ckanext.issy.theme.host", HOSTILE)
def test_settings_are_escaped_too(app) -> None:
    _assert_escaped(app.get("/mentions-legales", status=200).body)
