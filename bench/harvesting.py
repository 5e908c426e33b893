"""What the harvest benchmarks share (bench/harvest.py, bench/elections.py,
bench/parking.py): CKAN's start-up, the site (its user and an
organisation), the feed server in a process of its own
(bench/feed_server.py), one job through the real Redis queues timed step by
step, the work left to the background done before each measure, the CPU
time stolen by the hypervisor, the guard that lets a bench connect only
to 127.0.0.0/8, and the private PostgreSQL and Redis used as a test run
uses them; the last two serve bench/aggregate.py, bench/map.py and
bench/totem.py too.

A script puts the checkout at the head of ``sys.path`` before importing
it (``from bench import harvesting``), and imports ``tests.support.harvest``
(the job helper) before CKAN: loading CKAN's plugins imports another
top-level ``tests`` package.
"""
from __future__ import annotations

import gc
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUR_GATHER = "our gather stage (within the gather consumer)"
# The seconds of every call of our gather stage (time_our_gather).
OUR_GATHERS: list[float] = []


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def start_ckan() -> tuple[float, Any]:
    """CKAN loaded with test.ini (the environment's databases): the seconds
    it took, and its Flask application (for a request context)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    started, app = timed(lambda: make_app(load_config(str(ROOT / "test.ini"))))
    return started, getattr(app, "apps", {}).get("flask_app", app)._wsgi_app


@contextmanager
def services_used() -> Iterator[None]:
    """The bench is a user of the private PostgreSQL and Redis, as a test run
    is (``devstack.services.bring_up``): the last test run to leave does not
    stop them under it."""
    from devstack import services

    stack = services.bring_up()
    try:
        yield
    finally:
        stack.release()


def settle() -> None:
    """Before each measure, the work the previous one left to the background
    is done, so that it is not charged to whichever measure it interrupts:
    PostgreSQL's autovacuum (about a second of work after each load of
    20,000 rows, on a machine with two cores), and a full collection of the
    process's garbage (due now and then: one job in six). The garbage goes
    first: xloader's ``create_column_indexes`` leaves its connection, with
    a transaction open on the table it indexed, in a reference cycle; until
    it is collected, a VACUUM of that table waits for its lock."""
    from ckan import model
    from ckanext.datastore.backend.postgres import get_write_engine

    gc.collect()
    for engine in (model.meta.engine, get_write_engine()):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Only the tables written since they were last vacuumed: a whole
            # database's VACUUM would analyse every table of every earlier run.
            written = connection.exec_driver_sql(
                "SELECT format('%%I.%%I', schemaname, relname) FROM pg_stat_user_tables"
                " WHERE n_mod_since_analyze > 0 OR n_ins_since_vacuum > 0 OR n_dead_tup > 0").scalars().all()
            for table in written:
                connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


@dataclass(frozen=True)
class FeedServer:
    url: str  # its base URL, http://127.0.0.2:port
    pid: int


@contextmanager
def feed_server(*arguments: str) -> Iterator[FeedServer]:
    """bench/feed_server.py started with ``arguments``, in a process of its own."""
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "feed_server.py"), *arguments],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield FeedServer(server.stdout.readline().strip(), server.pid)
    finally:
        server.terminate()
        server.wait()


def feed_stats(url: str) -> dict[str, Any]:
    """The feed server's counters (its ``/stats``)."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(f"{url}/stats") as response:
        return json.load(response)


def time_our_gather() -> None:
    """Our part of the gather consumer's step (download, hash, comparison,
    records): the seconds of every call of our gather stage go to OUR_GATHERS."""
    from ckanext.issy.harvesters.core.base import IssyHarvesterBase

    ours = IssyHarvesterBase.gather_stage

    def gather_stage(self: IssyHarvesterBase, job: Any) -> list[str]:
        start = time.perf_counter()
        try:
            return ours(self, job)
        finally:
            OUR_GATHERS.append(time.perf_counter() - start)

    IssyHarvesterBase.gather_stage = gather_stage


def cpu_times() -> list[int]:
    """The machine's CPU time so far, by state (/proc/stat: user, nice, system, idle, ..., steal)."""
    return [int(ticks) for ticks in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def stolen(since: list[int]) -> float:
    """Since ``since``, the share of the CPU time the machine wanted (busy or
    stolen) that the hypervisor gave to other machines instead: the noise
    that short jobs feel most."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        now - then for now, then in zip(cpu_times()[:8], since))
    return steal / ((user + nice + system + irq + softirq + steal) or 1)


def site(tk: Any) -> tuple[str, str]:
    """The site user's name and a new organisation's id."""
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    org = tk.get_action("organization_create")({"user": user}, {"name": f"bench-{uuid.uuid4().hex[:8]}"})
    return user, org["id"]


def job(source: str, user: str, steps: dict[str, list[float]] | None = None,
        before: Callable[[], None] | None = None) -> tuple[float, str]:
    """The time of one job, from its creation until it is finished, and its
    id; its report, read afterwards, must be clean. ``before`` runs after
    the background work is done, just before the clock starts; ``steps``
    receives the seconds of the job's steps and of our gather stage
    (time_our_gather must have been called)."""
    from tests.support.harvest import harvest, report

    settle()
    if before is not None:
        before()
    seconds, job_id = timed(lambda: harvest(source, user, steps))
    if steps is not None:
        steps.setdefault(OUR_GATHER, []).append(OUR_GATHERS[-1])
    errors = report(job_id, user)
    assert not errors["gather_errors"] and not errors["object_errors"], errors
    return seconds, job_id


# --- connections: 127.0.0.0/8 only --------------------------------------------
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def loopback(host: str) -> bool:
    """Whether ``host`` (an address, or a name: every address it resolves to) is in 127.0.0.0/8."""
    try:
        addresses = [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:  # a name: every address it resolves to
        addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0])
                     for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]
    return bool(addresses) and all(
        (address.ipv4_mapped or address) in LOOPBACK if isinstance(address, ipaddress.IPv6Address)
        else address in LOOPBACK for address in addresses)


def allow_only_loopback(script: str) -> None:
    """Refuse, before anything connects, the databases' and Redis's URLs
    outside 127.0.0.0/8 (libpq's connections are out of an audit hook's
    sight), then install an audit hook that makes any other connection of a
    Python socket (Redis, the harvester's downloads) raise."""
    for name in ("CKAN_SQLALCHEMY_URL", "CKAN_DATASTORE_WRITE_URL", "CKAN_DATASTORE_READ_URL", "CKAN_REDIS_URL"):
        url = os.environ.get(name)
        if not url:
            raise SystemExit(f"{name} is not set: load the test slot's environment (see {script}'s docstring)")
        host = urlsplit(url).hostname or ""
        if not loopback(host):
            raise SystemExit(f"{name} points to {host}: {script} connects only to 127.0.0.0/8")

    def refuse(event: str, args: tuple[Any, ...]) -> None:
        if event != "socket.connect":
            return
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback(str(address[0])):
            raise ConnectionRefusedError(f"{script} connects only to 127.0.0.0/8, not to {address[0]}")

    sys.addaudithook(refuse)
