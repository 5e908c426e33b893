"""``ISSY_FORBID_SKIPS=1`` (.ci/run's CKAN 2.12 pass): any skipped test
fails the run. Imported as a hook by tests/conftest.py and by the CKAN
test job's plugin (tests/ckan_core/plugin.py)."""
from __future__ import annotations

import os

import pytest

FORBID_SKIPS = os.environ.get("ISSY_FORBID_SKIPS") == "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if FORBID_SKIPS and skipped:
        names = ", ".join(report.nodeid for report in skipped)
        reporter.write_line(f"ISSY_FORBID_SKIPS: {len(skipped)} test(s) skipped: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
