"""GET /api/issy/health (health.py): 200 with every check passing on a
working portal; 503 naming the one dependency that is down when a
PostgreSQL server or a Redis server the portal uses is stopped (real
servers, started for the test on loopback ports and stopped), or when the
search index misses a dataset. The parking poller's freshness is tested
with the poller (tests/harvesters/parking/test_poller.py)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import redis
import sqlalchemy as sa
from ckan.tests import factories

from devstack.services import PrivatePostgres

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
URL = "/api/issy/health"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


@pytest.fixture
def postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A PostgreSQL server of the test's own (trust authentication, on a
    loopback port), its URL and how to stop it."""
    home = Path(tempfile.mkdtemp(prefix="issy-health-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    pg_ctl = PrivatePostgres._as_owner([str(PrivatePostgres._find_bindir() / "pg_ctl"), "-D", str(home / "data")])
    port = _free_port()
    subprocess.run(PrivatePostgres._as_owner([str(PrivatePostgres._find_bindir() / "initdb"), "-D",
                                              str(home / "data"), "-U", "postgres", "--auth=trust"]),
                   check=True, capture_output=True)
    subprocess.run([*pg_ctl, "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={home}",
                    "-l", str(home / "log"), "-w", "start"], check=True, capture_output=True)
    stop = lambda: subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)  # noqa: E731
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", stop
    finally:
        stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis server of the test's own, its URL and how to stop it."""
    port = _free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            return bool(redis.Redis(port=port, socket_connect_timeout=1).ping())
        except redis.ConnectionError:
            return False

    _wait(answers, "redis-server")
    stop = lambda: (process.terminate(), process.wait())  # noqa: E731
    try:
        yield f"redis://127.0.0.1:{port}/0", stop
    finally:
        stop()


def _checks(app: Any, status: int) -> dict[str, dict[str, Any]]:
    answer = app.get(URL, status=status)
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert body["status"] == ("ok" if status == 200 else "failing")
    return body["checks"]


def test_a_working_portal_passes_every_check(app: Any) -> None:
    factories.Dataset(name="budget-2026", owner_org=factories.Organization()["id"])
    checks = _checks(app, 200)
    assert checks == {
        "database": {"ok": True, "detail": "answers"},
        "datastore": {"ok": True, "detail": "answers"},
        "redis": {"ok": True, "detail": "answers"},
        "search_index": {"ok": True, "detail": "every active dataset indexed (1)"},
        "parking_poller": {"ok": True, "detail": "no real-time parking source"},
    }


@pytest.mark.parametrize("setting, check", [("sqlalchemy.url", "database"),
                                            ("ckan.datastore.read_url", "datastore")])
def test_a_stopped_postgresql_is_named(app: Any, postgres: tuple[str, Callable[[], None]],
                                       monkeypatch: pytest.MonkeyPatch, setting: str, check: str) -> None:
    url, stop = postgres
    monkeypatch.setitem(tk.config, setting, url)
    assert _checks(app, 200 if check == "datastore" else 503)[check] == {"ok": True, "detail": "answers"}

    stop()

    checks = _checks(app, 503)
    assert checks[check] == {"ok": False, "detail": "does not answer"}
    assert checks["redis"]["ok"]
    assert checks["datastore" if check == "database" else "database"]["ok"]


def test_a_stopped_redis_is_named(app: Any, redis_server: tuple[str, Callable[[], None]],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    url, stop = redis_server
    monkeypatch.setitem(tk.config, "ckan.redis.url", url)
    assert _checks(app, 200)["redis"]["ok"]

    stop()

    checks = _checks(app, 503)
    assert checks["redis"] == {"ok": False, "detail": "does not answer"}
    assert checks["database"]["ok"] and checks["datastore"]["ok"] and checks["search_index"]["ok"]


def test_a_dataset_missing_from_the_search_index_is_reported(app: Any) -> None:
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])
    lost = factories.Dataset(owner_org=org["id"])
    model.Session.execute(sa.text("DELETE FROM issy_search_index WHERE id = :id"), {"id": lost["id"]})
    model.Session.commit()

    checks = _checks(app, 503)
    assert checks["search_index"] == {"ok": False, "detail": "1 of 2 active datasets missing from the index"}


def test_only_get_and_head_are_answered(app: Any) -> None:
    head = app.test_client().head(URL)
    assert head.status_code == 200 and head.data == b""
    assert app.post(URL).status_code != 200  # CKAN's own answer: no such page
