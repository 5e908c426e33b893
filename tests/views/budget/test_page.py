"""The report in the resource page and on its embed page, as the server
sends them (before any script): the key figures are text, in French
format on French pages and English on English ones; whatever a visitor
puts in the address gives a page, never a 500; the embed page may be
framed by any site, and a private budget's is not shown to visitors."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.views.formatting import issy_euros
from tests.harvesters.conftest import Feed, Harvest
from tests.views.budget.conftest import BP_2024, CA_2023, budget, publish, table_of

pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_budget_view")]


def _page(resource_id: str) -> str:
    resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    return f"/dataset/{resource['package_id']}/resource/{resource_id}"


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ").replace("&#8239;", " ").replace("&nbsp;", " ")


def test_the_key_figures_are_in_the_page_in_french_and_in_english(
        harvest: Harvest, feed: Feed, app: Any, test_request_context: Any) -> None:
    publish(harvest, feed, {CA_2023: None, BP_2024: None}, {"nomenclature": "M14"})
    resource_id = table_of("Compte administratif 2023")
    real = budget(resource_id)["totals"]["expense"]["real"]
    french = app.get(_page(resource_id))
    assert french.status_code == 200
    with test_request_context("/"):
        expected = issy_euros(real)
    assert _spaces(expected) in _spaces(french.get_data(as_text=True))  # "41 234 567 €"
    english = app.get("/en" + _page(resource_id))
    assert f"€{round(real):,}" in english.get_data(as_text=True)


@pytest.mark.parametrize("comparer", ["<script>alert(1)</script>", "none", "x" * 500, "../../etc/passwd"])
def test_any_comparison_asked_in_the_address_gives_the_page(
        harvest: Harvest, feed: Feed, app: Any, comparer: str) -> None:
    publish(harvest, feed, {CA_2023: None, BP_2024: None}, {"nomenclature": "M14"})
    page = app.get(_page(table_of("Budget primitif 2024")), query_string={"comparer": comparer})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)


def test_the_embed_page_may_be_framed_and_keeps_private_budgets_private(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    publish(harvest, feed, {CA_2023: None})
    resource_id = table_of("Compte administratif 2023")
    embed = app.get("/rapport-financier/integrer", query_string={"resource_id": resource_id})
    assert embed.status_code == 200
    assert embed.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in embed.headers
    assert app.get("/rapport-financier/integrer", query_string={"resource_id": "nope"}).status_code == 404
    assert app.get("/rapport-financier/integrer").status_code == 404
    assert app.get("/rapport-financier/integrer", query_string={"resource_id": "\x00"}).status_code == 404

    package_id = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})["package_id"]
    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": package_id, "private": True})
    assert app.get("/rapport-financier/integrer", query_string={"resource_id": resource_id}).status_code in (403, 404)
