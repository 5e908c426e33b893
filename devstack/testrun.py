"""``make test``: the whole suite on real PostgreSQL and Redis, with databases of its own.

Each CKAN version has its own test databases (their schemas differ) and its own
Redis database; the demo's are never touched. The addresses reach CKAN through
its environment variables, which override test.ini.
"""
from __future__ import annotations

import os
import subprocess
import sys

import ckan

from devstack import ckan_cli, preflight, secrets_store, services, siteconfig
from devstack.database import ensure_site_databases
from devstack.settings import DEV, REDIS_DB_TEST, ROOT, test_databases, test_redis_db, test_slot

TEST_INI = ROOT / "test.ini"
ENV_BY_SETTING = {
    "sqlalchemy.url": "CKAN_SQLALCHEMY_URL",
    "ckan.datastore.write_url": "CKAN_DATASTORE_WRITE_URL",
    "ckan.datastore.read_url": "CKAN_DATASTORE_READ_URL",
}


def ckan_series() -> str:
    return ".".join(ckan.__version__.split(".")[:2])


def test_environment(stack: services.Stack, series: str) -> dict[str, str]:
    urls = ensure_site_databases(
        stack.pg_admin_url, test_databases(series), secrets_store.load()
    )
    env = {ENV_BY_SETTING[key]: value for key, value in urls.items()}
    env["CKAN_REDIS_URL"] = siteconfig.redis_url(stack.redis_url, test_redis_db(series))
    # For the tests that start the demo's start-up against these same servers.
    env["ISSY_TEST_PG_ADMIN_URL"] = stack.pg_admin_url
    env["ISSY_TEST_REDIS_URL"] = stack.redis_url
    return env


def write_env_file(series: str, env: dict[str, str]) -> None:
    """So that a developer can run pytest by hand: ``set -a; . .dev/test-2.12.env``."""
    path = DEV / f"test-{series}{'-s' + str(test_slot()) if test_slot() else ''}.env"
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in sorted(env.items())))


def main(pytest_args: list[str]) -> int:
    series = ckan_series()
    if series not in REDIS_DB_TEST:
        print(f"CKAN {ckan.__version__} is not a supported version.", file=sys.stderr)
        return 2
    stack = services.bring_up()
    try:
        preflight.check_postgres(stack.pg_admin_url)
        preflight.check_redis(stack.redis_url)
        env = test_environment(stack, series)
        write_env_file(series, env)
        print(f"CKAN {ckan.__version__}: preparing the test databases...", flush=True)
        ckan_cli.prepare_site(TEST_INI, stack.pg_admin_url, env=env)
        command = [sys.executable, "-m", "pytest", f"--ckan-ini={TEST_INI}", *pytest_args]
        print(" ".join(command), flush=True)
        return subprocess.call(command, cwd=ROOT, env={**os.environ, **env})
    finally:
        stack.release()
