"""pytest plugin of the CKAN test job (``-p tests.ckan_core.plugin``).

It keeps ``issy_search`` loaded in every test (``fixtures.py``), makes
CKAN's test plugins loadable, and deselects the tests of ``NOT_APPLICABLE``:
the only tests of the selection (``devstack/ckan_tests.py``) that may not pass.
"""
from __future__ import annotations

import sys

import pytest

import ckan.tests.plugins
import ckan.tests.plugins.ckantestplugins

from tests.ckan_core import fixtures
from tests.support.skips import pytest_sessionfinish  # noqa: F401 (a hook)

# Test id (module::Class::test, as in devstack/ckan_tests.py) -> why it does not apply.
NOT_APPLICABLE: dict[str, str] = {
    "ckan.tests.controllers.test_package::TestSearch::test_search_solr_syntax_error": (
        "needs a query that Solr's parser cannot parse (`--included`) to reach "
        "CKAN's page for a failing Solr (\"error while searching\"); issy_search "
        "searches the word, as Solr's edismax does with a query it cannot parse, "
        "and answers the queries it refuses with 400 and a translated message"
    ),
}


def pytest_configure(config: pytest.Config) -> None:
    # After CKAN's pytest plugin (loaded from its entry point, after -p
    # plugins), so that our fixtures replace CKAN's of the same name.
    config.pluginmanager.register(fixtures, "issy_ckan_core_fixtures")
    # The CKAN wheel declares its test plugins (test_package_controller_plugin...)
    # in `tests.plugins.ckantestplugins`, their module in CKAN's source tree;
    # `tests` is this project's package here.
    sys.modules.setdefault("tests.plugins", ckan.tests.plugins)
    sys.modules.setdefault("tests.plugins.ckantestplugins", ckan.tests.plugins.ckantestplugins)


def ckan_test_id(item: pytest.Item) -> str:
    """``module::Class::test``, the same on every CKAN version and virtualenv."""
    return "::".join([item.module.__name__, *item.nodeid.split("::")[1:]])


_LEFT_OUT = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [item for item in items if ckan_test_id(item) in NOT_APPLICABLE]
    config.stash[_LEFT_OUT] = [ckan_test_id(item) for item in deselected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            exitstatus: int, config: pytest.Config) -> None:
    """Each test left out, and why, at the end of the report."""
    for name in config.stash.get(_LEFT_OUT, []):
        terminalreporter.write_line(f"not applicable: {name}: {NOT_APPLICABLE[name]}")
