"""The migrations of CKAN plugins, applied after CKAN's test fixtures
reset the database: the first reset of a test session drops every table,
plugins' included, and recreates CKAN's core tables only."""
from __future__ import annotations

import logging
import os
from typing import Callable, Iterable

from ckan.cli.db import _resolve_alembic_config


def migrate_plugins(plugins: Iterable[str], migrate_db_for: Callable[[str], None]) -> None:
    """Run the migrations of each plugin of ``plugins`` that has some."""
    # Plugins' alembic env.py run fileConfig(), which disables every logger
    # already created: keep CKAN's logging as a server has it.
    loggers = logging.Logger.manager.loggerDict.values()
    disabled = {log: log.disabled for log in loggers
                if isinstance(log, logging.Logger)}
    for plugin in plugins:
        if os.path.exists(_resolve_alembic_config(plugin)):
            migrate_db_for(plugin)
    for log, was_disabled in disabled.items():
        log.disabled = was_disabled
