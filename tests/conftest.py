"""Suite-wide test settings.

CKAN's pytest plugin (``--ckan-ini=test.ini``) provides the fixtures; tests load
the plugins of test.ini with ``@pytest.mark.usefixtures("with_plugins")``.
"""
from __future__ import annotations

import os

import pytest

# .ci/run sets this on the CKAN 2.12 pass, where no test may be skipped.
FORBID_SKIPS = os.environ.get("ISSY_FORBID_SKIPS") == "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if FORBID_SKIPS and skipped:
        names = ", ".join(report.nodeid for report in skipped)
        reporter.write_line(f"ISSY_FORBID_SKIPS: {len(skipped)} test(s) skipped: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
