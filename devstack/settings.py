"""Paths, ports and environment variables of the development stack.

Everything lives under ``.dev/`` in the checkout. By default the stack runs its
own PostgreSQL cluster and redis-server there, on ports that do not clash with
services already on the machine; two variables point it at existing servers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / ".dev"

# Ports of the private services; another checkout on the same machine sets
# other ones (ISSY_PG_PORT, ISSY_REDIS_PORT) to run its own beside these.
PRIVATE_PG_PORT = int(os.environ.get("ISSY_PG_PORT", "54329"))
PRIVATE_REDIS_PORT = int(os.environ.get("ISSY_REDIS_PORT", "63799"))

# PostgreSQL URL of a role that may create roles and databases, on a server
# that already runs (e.g. postgresql://postgres:secret@127.0.0.1:5432/postgres).
ENV_PG_ADMIN_URL = "ISSY_PG_ADMIN_URL"
# Redis URL of a server that already runs (e.g. redis://127.0.0.1:6379).
ENV_REDIS_URL = "ISSY_REDIS_URL"
# Port of the demo's web application.
ENV_PORT = "ISSY_PORT"

DEMO_HOST = "127.0.0.1"
DEMO_DEFAULT_PORT = 5000
# The demo's sample feeds (devstack/samples/), harvested by its finance source;
# allow-listed for the harvesters' guard against private addresses.
SAMPLE_FEEDS_HOST = "127.0.0.2"
SAMPLE_FEEDS_PORT = 8702
SAMPLE_FEEDS = ROOT / "devstack" / "samples"
# Redis database numbers, so the demo and the test runs never share queues.
REDIS_DB_DEMO = 0
REDIS_DB_TEST = {"2.12": 1, "2.11": 2}
# Parallel test runs on one machine (several developers' checkouts, helpers)
# each take a slot: their own databases and Redis database.
ENV_TEST_SLOT = "ISSY_TEST_SLOT"
MAX_TEST_SLOT = 6


@dataclass(frozen=True)
class Databases:
    """The two PostgreSQL databases a CKAN site needs."""

    main: str
    datastore: str


DEMO_DATABASES = Databases("issy_demo", "issy_demo_datastore")


def test_slot() -> int:
    raw = os.environ.get(ENV_TEST_SLOT, "0")
    if not raw.isdigit() or int(raw) > MAX_TEST_SLOT:
        from devstack.errors import StackError

        raise StackError(f"{ENV_TEST_SLOT}={raw!r}: use a number from 0 to {MAX_TEST_SLOT}.")
    return int(raw)


def test_databases(ckan_version: str) -> Databases:
    """Each CKAN version gets its own test databases: their schemas differ."""
    slot = test_slot()
    suffix = ckan_version.replace(".", "_") + (f"_s{slot}" if slot else "")
    return Databases(f"issy_test_{suffix}", f"issy_test_{suffix}_datastore")


def test_redis_db(ckan_version: str) -> int:
    return REDIS_DB_TEST[ckan_version] + 2 * test_slot()


def demo_port() -> int:
    raw = os.environ.get(ENV_PORT, str(DEMO_DEFAULT_PORT))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        from devstack.errors import StackError

        raise StackError(f"{ENV_PORT}={raw!r} is not a TCP port number (1-65535).")
    return int(raw)
