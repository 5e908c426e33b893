"""Suite-wide test settings.

CKAN's pytest plugin (``--ckan-ini=test.ini``) provides the fixtures; tests load
the plugins of test.ini with ``@pytest.mark.usefixtures("with_plugins")``.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Iterator
from unittest import mock

import pytest

import ckan.plugins.toolkit as tk
import ckan.tests.pytest_ckan.fixtures as ckan_fixtures
from ckan.cli.db import _resolve_alembic_config

# .ci/run sets this on the CKAN 2.12 pass, where no test may be skipped.
FORBID_SKIPS = os.environ.get("ISSY_FORBID_SKIPS") == "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if FORBID_SKIPS and skipped:
        names = ", ".join(report.nodeid for report in skipped)
        reporter.write_line(f"ISSY_FORBID_SKIPS: {len(skipped)} test(s) skipped: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def clean_db(with_plugins: None, reset_db: Callable[[], None],
             migrate_db_for: Callable[[str], None],
             ckan_config: dict[str, Any]) -> None:
    """CKAN's ``clean_db``, then the migrations of every loaded plugin that
    has some: the first reset of a test session drops all tables, ours
    included, and recreates CKAN's core tables only."""
    reset_db()
    # Plugins' alembic env.py run fileConfig(), which disables every logger
    # already created: keep CKAN's logging as a server has it.
    loggers = logging.Logger.manager.loggerDict.values()
    disabled = {log: log.disabled for log in loggers
                if isinstance(log, logging.Logger)}
    for plugin in tk.aslist(ckan_config["ckan.plugins"]):
        if os.path.exists(_resolve_alembic_config(plugin)):
            migrate_db_for(plugin)
    for log, was_disabled in disabled.items():
        log.disabled = was_disabled


@pytest.fixture
def clean_index(with_plugins: None, reset_index: Callable[[], None]) -> None:
    """CKAN's ``clean_index`` (``search.clear_all``) once ``issy_search`` is
    loaded, so that it empties the PostgreSQL index, not Solr."""
    reset_index()


if not hasattr(ckan_fixtures, "provide_plugin"):
    # CKAN 2.11 has no ``provide_plugin``: the same fixture as CKAN 2.12's,
    # reading the same ``provide_plugin`` marks.
    @pytest.fixture
    def provide_plugin(request: pytest.FixtureRequest) -> Iterator[None]:
        from ckan.plugins.core import _get_service

        plugins = dict(
            mark.args for mark in request.node.iter_markers("provide_plugin")
        )
        maker = mock.Mock(
            side_effect=lambda name: (
                plugins[name]() if name in plugins else mock.DEFAULT
            ),
            wraps=_get_service,
        )
        with mock.patch("ckan.plugins.core._get_service", maker):
            yield
