"""The test and demo databases are prepared idempotently, also by runs started together."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from devstack import secrets_store, testrun
from devstack.database import ensure_site_databases

PG_ADMIN_URL = os.environ.get("ISSY_TEST_PG_ADMIN_URL", "")


def test_runs_started_together_prepare_the_same_roles_without_colliding() -> None:
    """Two `make test` in two slots, started at the same second, update the
    shared roles at the same moment: PostgreSQL refuses the second of two
    concurrent updates of a role ("tuple concurrently updated")."""
    assert PG_ADMIN_URL, "run through `make test`, which sets ISSY_TEST_*"
    secrets = secrets_store.load()
    # Through its module: imported by name, test_databases would be collected as a test.
    databases = testrun.test_databases(testrun.ckan_series())

    def prepare(_run: int) -> dict[str, str]:
        return ensure_site_databases(PG_ADMIN_URL, databases, secrets)

    with ThreadPoolExecutor(max_workers=8) as pool:
        prepared = list(pool.map(prepare, range(32)))
    assert all(urls == prepared[0] for urls in prepared)
