"""``make test``: the whole suite on real PostgreSQL and Redis, with databases of its own.

Each CKAN version has its own test databases (their schemas differ) and its own
Redis database; the demo's are never touched. The addresses reach CKAN through
its environment variables, which override test.ini.

With ``ISSY_CKAN_TESTS=1`` (``make test`` without ``ARGS``), CKAN's own search
tests follow, with ``issy_search`` loaded (tests/ckan_core/), on the same
databases; ``python -m devstack test-ckan`` runs only them.
"""
from __future__ import annotations

import os
import subprocess
import sys

import ckan

from devstack import ckan_cli, ckan_tests, preflight, secrets_store, services, siteconfig
from devstack.database import ensure_site_databases
from devstack.settings import DEV, REDIS_DB_TEST, ROOT, test_databases, test_redis_db, test_slot

TEST_INI = ROOT / "test.ini"
# "1": the CKAN test job runs after the project's suite.
ENV_CKAN_TESTS = "ISSY_CKAN_TESTS"
# The CKAN test job's own arguments when it follows the suite (the suite's
# arguments select the project's tests).
CKAN_TESTS_ARGS = ["-ra", "--strict-markers"]


def ckan_series() -> str:
    return ".".join(ckan.__version__.split(".")[:2])


def test_environment(stack: services.Stack, series: str) -> dict[str, str]:
    from ckan.config.environment import CONFIG_FROM_ENV_VARS  # CKAN's names of the variables

    settings = ensure_site_databases(
        stack.pg_admin_url, test_databases(series), secrets_store.load()
    )
    settings["ckan.redis.url"] = siteconfig.redis_url(stack.redis_url, test_redis_db(series))
    # Uploads and compiled assets of their own: runs of both CKAN versions go
    # at once in CI, and their core assets differ.
    settings["ckan.storage_path"] = str(DEV / f"test-storage-{run_name(series)}")
    env = {CONFIG_FROM_ENV_VARS[key]: value for key, value in settings.items()}
    # For the tests that start the demo's start-up against these same servers.
    env["ISSY_TEST_PG_ADMIN_URL"] = stack.pg_admin_url
    env["ISSY_TEST_REDIS_URL"] = stack.redis_url
    return env


def run_name(series: str) -> str:
    """``2.12``, or ``2.12-s3`` in test slot 3."""
    return f"{series}{'-s' + str(test_slot()) if test_slot() else ''}"


def write_env_file(series: str, env: dict[str, str]) -> None:
    """So that a developer can run pytest by hand: ``set -a; . .dev/test-2.12.env``."""
    path = DEV / f"test-{run_name(series)}.env"
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in sorted(env.items())))


def pytest_runs(pytest_args: list[str], ckan_tests_only: bool) -> list[list[str]]:
    """The arguments of each pytest run: the project's suite, CKAN's tests."""
    if ckan_tests_only:
        return [ckan_tests.pytest_arguments(pytest_args)]
    runs = [[f"--ckan-ini={TEST_INI}", *pytest_args]]
    if os.environ.get(ENV_CKAN_TESTS) == "1":
        runs.append(ckan_tests.pytest_arguments(CKAN_TESTS_ARGS))
    return runs


def main(pytest_args: list[str], ckan_tests_only: bool = False) -> int:
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
        # Every run goes, even after a failing one: the report is whole.
        codes = [_pytest(args, env) for args in pytest_runs(pytest_args, ckan_tests_only)]
        return next((code for code in codes if code), 0)
    finally:
        stack.release()


def _pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", *args]
    print(" ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env={**os.environ, **env})
