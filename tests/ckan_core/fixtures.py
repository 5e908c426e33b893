"""Fixtures of the CKAN test job, registered after CKAN's pytest plugin so
that they take the place of CKAN's fixtures of the same name."""
from __future__ import annotations

import contextlib
from typing import Any, Callable

import pytest

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy.search.ckan_hooks import PLUGIN
from tests.support.migrations import migrate_plugins


@pytest.fixture(scope="session")
def reset_db(reset_db: Callable[[], None],
             migrate_db_for: Callable[[str], None]) -> Callable[[], None]:
    """CKAN's reset, then the migrations of ``issy_search`` and the other
    loaded plugins: the first reset drops the search index's table with all
    the others. ``non_clean_db`` resets before any plugin is loaded: the
    plugin is loaded for its migrations then."""
    def reset() -> None:
        reset_db()
        loading = contextlib.nullcontext() if p.plugin_loaded(PLUGIN) else p.use_plugin(PLUGIN)
        others = [name for name in tk.aslist(tk.config["ckan.plugins"])
                  if name != PLUGIN and p.plugin_loaded(name)]
        with loading:
            migrate_plugins([PLUGIN, *others], migrate_db_for)
    return reset


@pytest.fixture(autouse=True)
def issy_search_loaded(ckan_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                       request: pytest.FixtureRequest) -> None:
    """Every test runs with ``issy_search`` loaded, besides the plugins it
    asks for (``ckan_config("ckan.plugins", ...)``, ``with_plugins``):
    CKAN's tests load no plugin by themselves, and a search without it
    would go to Solr."""
    plugins = tk.aslist(ckan_config["ckan.plugins"])
    if PLUGIN not in plugins:
        monkeypatch.setitem(ckan_config, "ckan.plugins", " ".join([*plugins, PLUGIN]))
    request.getfixturevalue("with_plugins")
