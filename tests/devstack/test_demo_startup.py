"""`make demo` refuses wrong settings with a clear message, before changing anything."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from devstack.settings import ROOT

# `make test` passes the servers the suite runs on; the demo's start-up is
# pointed at them (or at a closed port) through its own variables.
PG_ADMIN_URL = os.environ.get("ISSY_TEST_PG_ADMIN_URL", "")
REDIS_URL = os.environ.get("ISSY_TEST_REDIS_URL", "")
# Nothing listens on port 1 of the loopback address: connections are refused.
CLOSED = "127.0.0.1:1"


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def start_demo(**env: str) -> subprocess.CompletedProcess:
    assert PG_ADMIN_URL and REDIS_URL, "run through `make test`, which sets ISSY_TEST_*"
    return subprocess.run(
        [sys.executable, "-m", "devstack", "demo"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused_clearly(result: subprocess.CompletedProcess, address: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert address in result.stderr
    assert "Traceback" not in output


def test_unreachable_postgresql_is_named_with_its_address(free_port: int) -> None:
    result = start_demo(
        ISSY_PG_ADMIN_URL=f"postgresql://postgres@{CLOSED}/postgres",
        ISSY_REDIS_URL=REDIS_URL,
        ISSY_PORT=str(free_port),
    )
    assert_refused_clearly(result, CLOSED)
    assert "PostgreSQL" in result.stderr


def test_unreachable_redis_is_named_with_its_address(free_port: int) -> None:
    result = start_demo(
        ISSY_PG_ADMIN_URL=PG_ADMIN_URL,
        ISSY_REDIS_URL=f"redis://{CLOSED}/0",
        ISSY_PORT=str(free_port),
    )
    assert_refused_clearly(result, CLOSED)
    assert "Redis" in result.stderr


def test_a_taken_web_port_is_named_with_its_address(taken_port: int) -> None:
    result = start_demo(
        ISSY_PG_ADMIN_URL=PG_ADMIN_URL, ISSY_REDIS_URL=REDIS_URL, ISSY_PORT=str(taken_port)
    )
    assert_refused_clearly(result, f"127.0.0.1:{taken_port}")
    assert "ISSY_PORT" in result.stderr


def test_a_port_that_is_not_a_number_is_refused() -> None:
    result = start_demo(ISSY_PG_ADMIN_URL=PG_ADMIN_URL, ISSY_REDIS_URL=REDIS_URL, ISSY_PORT="cinq")
    assert result.returncode != 0
    assert "ISSY_PORT='cinq'" in result.stderr
    assert "Traceback" not in result.stderr
