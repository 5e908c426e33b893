"""With issy_search loaded nothing reaches Solr; without it CKAN queries
Solr exactly as before. A local stub stands in for Solr at solr_url."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from tests.search.conftest import SolrStub
from tests.search.support import dataset

pytestmark = pytest.mark.usefixtures("with_plugins")


def start_ckan(make_app: Any, ckan_config: Any, monkeypatch: pytest.MonkeyPatch,
               solr: SolrStub, with_issy_search: bool) -> Any:
    """A CKAN process started with solr_url pointing at the stub (CKAN
    2.11 reads solr_url when the environment loads)."""
    # A process starts with no plugin loaded; unloading them now (before
    # solr_url points at the stub) makes CKAN 2.12 check the Solr schema
    # with Solr's code, as it should once issy_search is gone.
    plugins.unload_all()
    enabled = [name for name in tk.aslist(ckan_config["ckan.plugins"])
               if with_issy_search or name != "issy_search"]
    monkeypatch.setitem(ckan_config, "ckan.plugins", enabled)
    monkeypatch.setitem(ckan_config, "solr_url", solr.url)
    return make_app()


def test_with_the_plugin_off_searches_go_to_solr(
        make_app: Any, ckan_config: Any, monkeypatch: pytest.MonkeyPatch,
        solr_stub: SolrStub) -> None:
    start_ckan(make_app, ckan_config, monkeypatch, solr_stub, False)
    assert not plugins.plugin_loaded("issy_search")
    solr_stub.paths.clear()
    result = call_action("package_search", q="budget")
    assert result["count"] == 0
    assert len(solr_stub.select_requests()) == 1


@pytest.mark.usefixtures("clean_db")
def test_with_the_plugin_on_solr_receives_nothing(
        make_app: Any, ckan_config: Any, monkeypatch: pytest.MonkeyPatch,
        solr_stub: SolrStub, issy: dict[str, Any]) -> None:
    app = start_ckan(make_app, ckan_config, monkeypatch, solr_stub, True)
    dataset("budget-primitif-2024", "Budget primitif 2024", issy,
            tags=[{"name": "budget"}])
    assert call_action("package_search", q="budget")["count"] == 1
    assert call_action("package_show", id="budget-primitif-2024")
    for url in ("/", "/dataset/", "/organization/ville-d-issy-les-moulineaux",
                "/api/3/action/package_autocomplete?q=budget"):
        assert app.get(url).status_code == 200
    assert solr_stub.paths == []
