"""Suite-wide test settings.

CKAN's pytest plugin (``--ckan-ini=test.ini``) provides the fixtures; tests load
the plugins of test.ini with ``@pytest.mark.usefixtures("with_plugins")``.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator
from unittest import mock

import pytest

import ckan.plugins.toolkit as tk
import ckan.tests.pytest_ckan.fixtures as ckan_fixtures

from tests.support.migrations import migrate_plugins
# ISSY_FORBID_SKIPS=1 (.ci/run's CKAN 2.12 pass): no test may be skipped.
from tests.support.skips import pytest_sessionfinish  # noqa: F401 (a hook)


@pytest.fixture
def clean_db(with_plugins: None, reset_db: Callable[[], None],
             migrate_db_for: Callable[[str], None],
             ckan_config: dict[str, Any]) -> None:
    """CKAN's ``clean_db``, then the migrations of every loaded plugin that
    has some: the first reset of a test session drops all tables, ours
    included, and recreates CKAN's core tables only."""
    reset_db()
    migrate_plugins(tk.aslist(ckan_config["ckan.plugins"]), migrate_db_for)


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
