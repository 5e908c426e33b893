"""Benchmark of the real-time parking poller (issue 21; docs/performance.md,
"Real-time parking").

In one process with CKAN loaded from test.ini: the parking simulator
(devstack/parking_simulator.py: 5 garages, 1,000 on-street spaces of which
about 5 % change a minute) serves Opendatasoft CSV exports from threads on
127.0.0.3, at a minute the bench sets; each ``issy_parking`` source reads
the garages and the spaces (one source, two feeds) and is published by one
harvest job through the real Redis queues. A poll is what
``ckan issy parking poll`` does for one source (``parking_poll.poll_all``:
the source read, ``SourcePoller.poll``, the session removed), its lock
deleted first (the next interval). The simulator's answer of the minute is
rendered before the clock starts (a feed is another machine's work): during
the poll its thread only sends the bytes.

1. **first**: the first poll of a published source (1,005 rows written), on
   ``--runs`` sources, each with a simulator server of its own;
2. **unchanged**: the first source at the same minute again, ``--runs`` times;
3. **5 %**: the next minute, ``--runs`` minutes in a row;
4. **100 %**: every site changed: the same minute served inverted (each
   space's and garage's free and occupied counts swapped: open/full follow),
   then as it is, alternately;
5. **a day**: the last source (polled once so far) polled ``--minutes``
   times (1,440 by default) a simulated minute apart, with the default
   settings (a history sample every 5 minutes, the hourly maintenance).
   Sizes of the current-state and history tables (``pg_total_relation_size``:
   heap, indexes, TOAST) and of the DataStore database before and after,
   WAL, time per poll; then the day's samples rolled up by hour, to weigh a
   roll-up row against a sample; from the bytes a history row added, the
   size the retention bounds the history to.

Per poll: wall time; rows written (``Outcome.written``) and history rows;
its parts (the poller's functions timed: the dataset's ``package_show``, the
current state read, the feeds downloaded and read, the merge, the write,
the sample, the maintenance); the SQL statements and transactions sent to
PostgreSQL: every connection of CKAN's engine and of the DataStore's read
and write engines is opened (after ``engine.dispose()``) with a psycopg2
connection class that counts each ``execute`` / ``executemany`` (one per
parameter set) / ``copy_*`` / ``callproc`` of its cursors,
``raw_connection()`` cursors included (the pool's pre-ping ``SELECT 1``
too), and each commit or rollback that ends an open transaction (each also
costs the ``BEGIN`` psycopg2 sends).

WAL: the server's insert position before and after the day (the server is
shared with the other test slots); our databases' share is read with
``pg_walinspect`` (created for the run in the slot's DataStore database
through ``ISSY_TEST_PG_ADMIN_URL``, dropped after) every 5 polls: the
records that touch a block of CKAN's or the DataStore's database and every
record of their transactions (commits). A real day has a checkpoint every
5 minutes (``checkpoint_timeout``), after each a full-page image of every
block written again; the bench runs its day in minutes, so it also
estimates that: the records without their images, plus an image per block
written in each 5 polls.

Autovacuum: its naptime (1 minute) is the poll interval, so in real time it
looks at the tables between any two polls; the bench, 5 to 10 polls a
second, does what it would do (untimed) after each poll of the day: a
``VACUUM (ANALYZE)`` of each table of the DataStore database past
autovacuum's thresholds (dead rows, or rows inserted), catalogs included:
each write creates and drops two staging tables, whose rows in pg_class,
pg_attribute, pg_type and pg_depend die. The sizes are read every 6
simulated hours. Before each poll of steps 1-4, ``harvesting.settle()``
vacuums what was written and collects the garbage.

Exit status 1 when a target is missed (the median 5 % poll under 1 s, the
median unchanged poll under 0.2 s) or the data are wrong: a poll not
``polled`` or with problems, rows written other than the sites whose state
changed, a stored state other than the simulator's (after each poll of
steps 1-4 and at the end of the day), a sample of other than 17 rows, a
harvest job asked for by a poll.

    ISSY_TEST_SLOT=5 make test ARGS='tests/test_platform.py -q'   # prepares slot 5's databases
    set -a; . .dev/test-2.12-s5.env; set +a
    .venv/bin/python bench/parking.py [--runs 5] [--minutes 1440]

The bench registers as a user of the private PostgreSQL and Redis, as a
test run does (``devstack.services.bring_up``), so that another run's end
does not stop them under it. It connects only to 127.0.0.0/8
(``harvesting.allow_only_loopback``).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import db_meters, harvesting  # noqa: E402 (the checkout is on sys.path now)
from devstack import parking_simulator as sim  # noqa: E402

MINUTE = timedelta(minutes=1)
SITES = len(sim.GARAGES) + len(sim.SPACES)  # 1,005
GROUPS = len(sim.GARAGES) + len(sim.SECTORS)  # history rows of a sample: 17
TARGET_CHANGED, TARGET_UNCHANGED = 1.0, 0.2  # seconds, issue 21
WAL_EVERY = 5  # polls between two readings of the WAL (a checkpoint_timeout of simulated minutes)
DAY = 1440
MB = 1e6


# --- the simulator -------------------------------------------------------------
def _inverted(state: sim.PlaceState) -> sim.PlaceState:
    """Free and occupied swapped: a changed state for every site (but a garage exactly half full)."""
    occupied = state.place.capacity - state.occupied
    status = sim.CLOSED if state.status == sim.CLOSED else sim.FULL if occupied == state.place.capacity else sim.OPEN
    return sim.PlaceState(state.place, occupied, status)


@dataclass
class Simulator:
    """The simulator's servers, answering at ``at`` (inverted if ``inverted``);
    the answers of a minute are rendered by ``prepare``, before a poll."""

    at: datetime
    inverted: bool = False
    urls: list[str] = field(default_factory=list)
    rendered: dict[tuple[int, bool], tuple[list[sim.PlaceState], bytes, bytes]] = field(default_factory=dict)

    def prepare(self) -> list[sim.PlaceState]:
        """The states served now (garages, then spaces), rendered if they were not."""
        key = (sim._minute(self.at), self.inverted)
        if key not in self.rendered:
            states = sim.state(self.at)
            if self.inverted:
                states = [_inverted(state) for state in states]
            garages, spaces = states[:len(sim.GARAGES)], states[len(sim.GARAGES):]
            self.rendered[key] = (states, sim._export([sim._garage_record(s, self.at) for s in garages]),
                                  sim._export([sim._space_record(s, self.at) for s in spaces]))
            while len(self.rendered) > 4:
                self.rendered.pop(next(iter(self.rendered)))
        return self.rendered[key][0]

    def answer(self, index: int) -> Callable[[datetime, int], bytes]:
        """The simulator's ``ods_garages_csv`` (0) or ``ods_spaces_csv`` (1), from what ``prepare`` rendered."""
        def render(at: datetime, seed: int = sim.SEED) -> bytes:
            assert seed == sim.SEED and at == self.at
            self.prepare()
            return self.rendered[(sim._minute(at), self.inverted)][1 + index]
        return render


@contextmanager
def simulators(count: int, start: datetime) -> Iterator[Simulator]:
    """``count`` simulator servers on 127.0.0.3, each in a thread, sharing one clock."""
    state = Simulator(start)
    # make_server binds the module's renderers when it builds its routes.
    sim.ods_garages_csv, sim.ods_spaces_csv = state.answer(0), state.answer(1)
    servers = [sim.make_server("127.0.0.3", 0, clock=lambda: state.at) for _ in range(count)]
    for server in servers:
        server.RequestHandlerClass.log_message = lambda *_args: None  # a line per request on stderr
        threading.Thread(target=server.serve_forever, daemon=True).start()
        state.urls.append(f"http://127.0.0.3:{server.server_address[1]}")
    try:
        yield state
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# --- polls ---------------------------------------------------------------------------
# The parts of a poll: (module or class, function, name); the second is within the third.
PART_FUNCTIONS = (
    ("parking_poll", "published", "dataset (package_show)"), ("datastore_rows", "read_rows", "current state read"),
    ("poller", "_read", "feeds downloaded and read"), ("feed", "read_poll", "of which reading"),
    ("poller", "_missing_too_long", "missing sites (Redis)"), ("parking_tables", "merged", "merge"),
    ("poller", "_write", "changed rows written"), ("poller", "_sample", "history sample"),
    ("poller", "_maintain", "hourly maintenance"), ("parking_tables", "site_list", "sites compared"),
    ("parking_tables", "sites_hash", "sites compared"),
)
PARTS = {name: 0.0 for _owner, _function, name in PART_FUNCTIONS}  # seconds spent so far in each
REST = "rest (source, configuration, lock, session)"


def time_parts() -> None:
    """The poll's parts add their seconds to PARTS."""
    from ckanext.issy.harvesters import parking_poll, parking_tables
    from ckanext.issy.harvesters.core import datastore_rows

    owners = {"parking_poll": parking_poll, "datastore_rows": datastore_rows, "poller": parking_poll.SourcePoller,
              "feed": parking_poll.feed, "parking_tables": parking_tables}
    for owner_name, name, part in PART_FUNCTIONS:
        owner = owners[owner_name]
        function = vars(owner)[name]
        static = isinstance(function, staticmethod)

        def timed(*args: Any, _function: Callable[..., Any] = getattr(owner, name), _part: str = part,
                  **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                PARTS[_part] += time.perf_counter() - start

        setattr(owner, name, staticmethod(timed) if static else timed)


@dataclass
class Poll:
    seconds: float
    outcome: Any
    statements: dict[str, int]  # by database
    transactions: int
    parts: dict[str, float]


def poll_once(source_id: str, now: datetime) -> Poll:
    """One poll of the source at ``now``, as poll_all does it, its lock deleted first (untimed)."""
    from ckan import model
    from ckan.lib.redis import connect_to_redis
    from ckanext.harvest.model import HarvestSource
    from ckanext.issy.harvesters import parking_poll

    connect_to_redis().delete(f"issy:parking:{source_id}:lock")

    def work() -> Any:
        settings, redis = parking_poll.PollSettings.from_config(), connect_to_redis()
        try:
            return parking_poll.SourcePoller(HarvestSource.get(source_id), redis, settings).poll(now)
        finally:
            model.Session.remove()

    before, parts = dict(db_meters.COUNTS), dict(PARTS)
    seconds, outcome = harvesting.timed(work)
    spent = {key: value - before.get(key, 0) for key, value in db_meters.COUNTS.items() if value != before.get(key, 0)}
    statements = {key.split(" ", 1)[1]: value for key, value in spent.items() if key.startswith("statements")}
    spent_in = {part: value - parts[part] for part, value in PARTS.items()}
    spent_in[REST] = seconds - sum(value for part, value in spent_in.items() if part != "of which reading")
    return Poll(seconds, outcome, statements, sum(v for k, v in spent.items() if k.startswith("transactions")),
                spent_in)


def changed(before: list[sim.PlaceState], after: list[sim.PlaceState]) -> int:
    return sum((a.occupied, a.status) != (b.occupied, b.status) for a, b in zip(before, after))


def stored_problems(current: str, served: list[sim.PlaceState]) -> list[str]:
    """How the current-state table differs from what the simulator served."""
    from ckanext.issy.harvesters import parking_tables as tables
    from ckanext.issy.harvesters.core import datastore_rows

    rows = {row[0]: row for row in datastore_rows.read_rows(current, tables.CURRENT)}
    problems = [f"{len(rows)} rows in the current state, not {SITES}"] if len(rows) != SITES else []
    wrong = [s.place.id for s in served if (row := rows.get(s.place.id)) is None
             or tables.cell(row, "free") != s.free or tables.cell(row, "stale")
             or (s.place.kind == sim.GARAGE and tables.cell(row, "status") != s.status)]
    return problems + ([f"{len(wrong)} sites stored unlike the simulator's state, e.g. {wrong[:3]}"] if wrong else [])


def poll_problems(poll: Poll, expected: int) -> list[str]:
    from ckanext.issy.harvesters import parking_poll

    outcome = poll.outcome
    problems = [] if outcome.status == parking_poll.POLLED else [f"status {outcome.status}: {outcome.error}"]
    problems += [f"problem: {problem}" for problem in outcome.problems[:3]]
    if outcome.written != expected:
        problems.append(f"{outcome.written} rows written, {expected} sites changed")
    if outcome.sampled not in (0, GROUPS):
        problems.append(f"{outcome.sampled} history rows, not 0 or {GROUPS}")
    return problems


# --- sizes ---------------------------------------------------------------------------
def sizes(current: str, history: str) -> dict[str, int]:
    from ckanext.datastore.backend.postgres import get_write_engine

    with get_write_engine().connect() as connection:
        def one(sql: str) -> int:
            return int(connection.exec_driver_sql(sql).scalar())
        found = {"database": one("SELECT pg_database_size(current_database())"),
                 "catalogs": one("SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind = 'r'"
                                 " AND relnamespace = 'pg_catalog'::regnamespace AND NOT relisshared")}
        for name, table in (("current", current), ("history", history)):
            found[name] = one(f"SELECT pg_total_relation_size('\"{table}\"')")
            found[f"{name} indexes"] = one(f"SELECT pg_indexes_size('\"{table}\"')")
        found["history rows"] = one(f'SELECT count(*) FROM "{history}"')
        found["checkpoints"] = one("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
        return found


# The tables of the database that autovacuum would vacuum now, by its own
# thresholds (dead rows, or rows inserted since the last vacuum); not the
# shared catalogs, which belong to no database.
DUE = """
SELECT format('%%I.%%I', s.schemaname, s.relname) FROM pg_stat_all_tables s JOIN pg_class c ON c.oid = s.relid
WHERE NOT c.relisshared AND c.relpersistence = 'p' AND s.schemaname <> 'pg_toast' AND (
    s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::int
        + current_setting('autovacuum_vacuum_scale_factor')::float * greatest(c.reltuples, 0)
    OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::int
        + current_setting('autovacuum_vacuum_insert_scale_factor')::float * greatest(c.reltuples, 0))
"""


def autovacuum(vacuumed: dict[str, int]) -> None:
    """What autovacuum would do at this poll in real time (its naptime, a
    minute, is the poll interval), in the DataStore database, whose owner
    may vacuum its catalogs: the staging tables each write creates and drops
    leave dead rows in pg_class, pg_attribute, pg_type, pg_depend."""
    from ckanext.datastore.backend.postgres import get_write_engine

    with get_write_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in connection.exec_driver_sql(DUE).scalars().all():
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
            name = table.split(".", 1)[1].strip('"')
            vacuumed[name] = vacuumed.get(name, 0) + 1


# --- reports -------------------------------------------------------------------------
def spread(values: list[float], unit: str = "s", digits: int = 3) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"median {statistics.median(ordered):.{digits}f} {unit}, p95 {p95:.{digits}f}, "
            f"max {ordered[-1]:.{digits}f} (n={len(ordered)})")


def describe(name: str, polls: list[Poll], databases: dict[str, str]) -> str:
    """Prints each poll; returns the table's row."""
    seconds = [poll.seconds for poll in polls]
    statements = [sum(poll.statements.values()) for poll in polls]
    by_database = [statistics.median(poll.statements.get(database, 0) for poll in polls) for database in databases]
    written = sorted({poll.outcome.written for poll in polls})
    print(f"  {name}: " + ", ".join(f"{s:.3f}" for s in seconds) + " s; written " + ", ".join(
        str(poll.outcome.written) for poll in polls) + "; history rows " + ", ".join(
        str(poll.outcome.sampled) for poll in polls) + "; statements " + ", ".join(map(str, statements))
        + "; transactions " + ", ".join(str(poll.transactions) for poll in polls))
    print("    parts, median ms: " + "; ".join(
        f"{part} {statistics.median(poll.parts[part] for poll in polls) * 1000:.1f}" for part in polls[0].parts))
    return (f"| {name} | {len(polls)} | {statistics.median(seconds):.3f} | {min(seconds):.3f}–{max(seconds):.3f} | "
            f"{'–'.join(str(w) for w in dict.fromkeys((written[0], written[-1])))} | "
            f"{sum(1 for poll in polls if poll.outcome.sampled)} | {statistics.median(statements):.0f} "
            f"({' + '.join(f'{v:.0f}' for v in by_database)}) | "
            f"{statistics.median(poll.transactions for poll in polls):.0f} |")


# --- the bench -----------------------------------------------------------------------
@dataclass
class Bench:
    simulator: Simulator
    failures: list[str] = field(default_factory=list)

    def poll(self, source: tuple[str, Any], now: datetime, expected: int, settle: bool = True) -> Poll:
        """A poll of ``source`` (its id and tables) at ``now``, checked: ``expected`` rows written,
        the stored state the simulator's."""
        self.simulator.at = now
        served = self.simulator.prepare()
        if settle:
            harvesting.settle()
        poll = poll_once(source[0], now)
        self.failures.extend(f"{now:%d %H:%M}: {problem}" for problem in poll_problems(poll, expected))
        if settle:  # in the day, only at its end: reading 1,005 rows would double a poll's load
            self.failures.extend(f"{now:%d %H:%M}: {problem}" for problem in stored_problems(source[1].current, served))
        return poll

    def next(self, source: tuple[str, Any], now: datetime, inverted: bool = False, settle: bool = True) -> Poll:
        """A poll of what the simulator serves at ``now`` (``inverted``), after what it served until now."""
        served = self.simulator.prepare()
        self.simulator.at, self.simulator.inverted = now, inverted
        return self.poll(source, now, changed(served, self.simulator.prepare()), settle)


def publish(tk: Any, simulator: Simulator, user: str, org: str) -> list[tuple[str, Any]]:
    """A source per simulator server, published by a harvest job: their ids and tables."""
    from ckanext.issy.harvesters import parking_poll
    from tests.harvesters.parking.conftest import GARAGES_MAPPING, SPACES_MAPPING, ods_config

    sources = []
    for url in simulator.urls:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        # The notes make the source's URL and configuration unique: an earlier run's server had its port.
        config = ods_config(sim.GARAGES_DATASET, GARAGES_MAPPING, notes=name,
                            feeds=[{"url": url, **ods_config(sim.SPACES_DATASET, SPACES_MAPPING)}])
        source = tk.get_action("harvest_source_create")({"user": user}, {
            "name": name, "title": "Stationnement en temps réel", "url": url,
            "source_type": "issy_parking", "owner_org": org, "frequency": "MANUAL", "config": json.dumps(config)})
        harvesting.job(source["id"], user)
        tables = parking_poll.published(source["id"])
        if tables is None:
            raise SystemExit(f"FAILED: the harvest job of {url} published no dataset")
        sources.append((source["id"], tables))
    return sources


def kinds_of_poll(bench: Bench, sources: list[tuple[str, Any]], runs: int) -> dict[str, list[Poll]]:
    """Steps 1-4 (the docstring's); the source polled is the first one."""
    start = bench.simulator.at
    first = []
    for number, source in enumerate(sources):
        first.append(bench.poll(source, start, SITES))
        if first[-1].outcome.sampled != GROUPS:
            bench.failures.append(f"first poll of source {number + 1}: {first[-1].outcome.sampled} history rows")
    unchanged = [bench.poll(sources[0], start, 0) for _ in range(runs)]
    changed_ = [bench.next(sources[0], start + minute * MINUTE) for minute in range(1, runs + 1)]
    at = bench.simulator.at
    every = [bench.next(sources[0], at, inverted=run % 2 == 0) for run in range(runs)]
    return {"first": first, "unchanged": unchanged, "changed": changed_, "every": every}


@dataclass
class Day:
    tables: Any  # the source's (parking_poll.Tables)
    polls: list[Poll]
    before: dict[str, int]
    after: dict[str, int]
    wall: float
    vacuumed: dict[str, int]  # by table
    growth: list[tuple[int, dict[str, int]]]  # sizes, every few hours: (minute, sizes())
    server_wal: int
    wal: db_meters.Wal
    rolled: tuple[int, int, float, float]  # samples rolled up, hourly rows, bytes a roll-up, bytes a sample


def simulated_day(bench: Bench, source: tuple[str, Any], minutes: int, databases: list[str]) -> Day:
    """Step 5: a poll a simulated minute, autovacuum emulated, the WAL read every WAL_EVERY polls;
    then the day's samples rolled up, to weigh a roll-up row."""
    from ckanext.datastore.backend.postgres import get_write_engine
    from ckanext.issy.harvesters import parking_tables as ptables
    from ckanext.issy.harvesters.core import datastore_rows

    current, history = source[1].current, source[1].history
    with get_write_engine().connect() as connection:
        wal = db_meters.wal_meter(connection.exec_driver_sql(
            "SELECT oid::int FROM pg_database WHERE datname = ANY(%(names)s)", {"names": databases}).scalars().all())
    harvesting.settle()
    before, start = sizes(current, history), bench.simulator.at
    polls: list[Poll] = []
    vacuumed: dict[str, int] = {}
    growth = [(0, before)]
    try:
        wal.begin()
        wall = time.perf_counter()
        for minute in range(1, minutes + 1):
            polls.append(bench.next(source, start + minute * MINUTE, settle=False))
            autovacuum(vacuumed)
            if minute % (DAY // 4) == 0 and minute < minutes:
                growth.append((minute, sizes(current, history)))
            if minute % WAL_EVERY == 0:
                wal.read()
        wal.read()
        wall = time.perf_counter() - wall
        after = sizes(current, history)
        server_wal = wal.server_bytes()
    finally:
        wal.close()
    bench.failures.extend(f"the day's end: {p}" for p in stored_problems(current, bench.simulator.prepare()))
    samples = sum(1 for poll in polls if poll.outcome.sampled)
    if after["history rows"] - before["history rows"] != samples * GROUPS:
        bench.failures.append(f"the day: {after['history rows'] - before['history rows']} history rows added "
                              f"by {samples} samples of {GROUPS}")
    width = f'SELECT avg(pg_column_size(t.*)), count(*) FROM "{history}" t WHERE resolution = %(level)s'
    with get_write_engine().connect() as connection:
        sample_width = connection.exec_driver_sql(width, {"level": ptables.SAMPLE}).one()[0]
    rolled = datastore_rows.roll_up(history, ptables.HISTORY, "time", bench.simulator.at + MINUTE,
                                    ptables.ROLL_UP_KEYS, ptables.ROLL_UP, ("resolution", ptables.SAMPLE, ptables.HOUR))
    with get_write_engine().connect() as connection:
        hour_width, hours = connection.exec_driver_sql(width, {"level": ptables.HOUR}).one()
    return Day(source[1], polls, before, after, wall, vacuumed, growth + [(minutes, after)], server_wal, wal,
               (rolled, hours, float(hour_width), float(sample_width)))


def report_day(day: Day, minutes: int) -> None:
    from ckanext.issy.harvesters import parking_poll

    polls, before, after = day.polls, day.before, day.after
    scale = DAY / minutes
    labels = {day.tables.current: "current state", day.tables.history: "history"}
    vacuumed: dict[str, int] = {}
    for table, count in day.vacuumed.items():
        label = labels.get(table, table if table.startswith("pg_") else "other DataStore tables")
        vacuumed[label] = vacuumed.get(label, 0) + count
    print(f"a simulated day ({minutes} polls" + ("" if minutes == DAY else f", extrapolated ×{scale:.2f} to a day")
          + f"; {day.wall:.0f} s of wall time; autovacuum emulated, VACUUMs: "
          + ", ".join(f"{table} {count}" for table, count in sorted(vacuumed.items(), key=lambda item: -item[1]))
          + "):")
    print(f"  poll time: {spread([poll.seconds for poll in polls])}")
    print(f"  polls with a history sample: {spread([poll.seconds for poll in polls if poll.outcome.sampled])}")
    print(f"  rows written: {spread([poll.outcome.written for poll in polls], 'rows', 0)}, "
          f"{sum(poll.outcome.written for poll in polls):,} in all")
    print(f"  SQL statements: {spread([sum(poll.statements.values()) for poll in polls], '', 0)}; "
          f"transactions: {spread([poll.transactions for poll in polls], '', 0)}")
    print(f"  polls of {TARGET_CHANGED} s or more: {sum(1 for poll in polls if poll.seconds >= TARGET_CHANGED)}")
    for name in ("current", "history"):
        grown = after[name] - before[name]
        print(f"  {name}: {before[name] / MB:.3f} MB → {after[name] / MB:.3f} MB (of which indexes "
              f"{before[f'{name} indexes'] / MB:.3f} → {after[f'{name} indexes'] / MB:.3f}): {grown / MB:+.3f} MB"
              + (f", a day {grown * scale / MB:+.3f} MB" if name == "history" else ""))
    print("  sizes in MB (current state, history, DataStore database's catalogs, DataStore database): " + "; ".join(
        f"{minute / 60:.3g} h: " + ", ".join(f"{found[name] / MB:.2f}" for name in ("current", "history", "catalogs",
                                                                                   "database"))
        for minute, found in day.growth))
    added = after["history rows"] - before["history rows"]
    per_row = (after["history"] - before["history"]) / added
    print(f"  history rows: {before['history rows']:,} → {after['history rows']:,} (+{added:,}, a day "
          f"{added * scale:,.0f}); {per_row:.0f} bytes a row added with its indexes "
          f"({after['history'] / after['history rows']:.0f}: the table's size over its rows); "
          f"DataStore database {(after['database'] - before['database']) / MB:+.2f} MB")
    print(f"  WAL: the whole server {day.server_wal / MB:.1f} MB (other slots' test runs included); "
          f"checkpoints during the day {after['checkpoints'] - before['checkpoints']}")
    if day.wal.failure:
        print(f"  our databases' WAL not measured: {day.wal.failure}")
    else:
        total, fpi, images, blocks, catalogs = (sum(chunk[i] for chunk in day.wal.ours) for i in range(5))
        mean_image = fpi / images if images else 8192
        print(f"  WAL of our databases (pg_walinspect): {total / MB:.1f} MB ({total / len(polls) / 1000:.0f} kB a "
              f"poll), of which records on system catalogs only {catalogs / MB:.1f} MB, full-page images "
              f"{fpi / MB:.1f} MB ({images:,}, {mean_image:,.0f} bytes each); a day {total * scale / MB:.0f} MB")
        print(f"    with a checkpoint every {WAL_EVERY} minutes, an image per block written in each {WAL_EVERY} polls "
              f"({blocks:,} in all): {(total - fpi + blocks * mean_image) * scale / MB:.0f} MB a day with images of "
              f"the mean size above, at most {(total - fpi + blocks * 8192) * scale / MB:.0f} MB (8 kB each)")
    settings = parking_poll.PollSettings.from_config()
    rolled, hours, hour_width, sample_width = day.rolled
    per_day = 24 * 60 // int(settings.history_every.total_seconds() // 60) * GROUPS
    samples_kept = settings.retention.days * per_day
    rollups_kept = settings.rollup_retention.days * 24 * GROUPS
    per_rollup = per_row * hour_width / sample_width
    print(f"  the day rolled up: {rolled:,} samples into {hours:,} hourly rows, {hour_width:.0f} bytes a row "
          f"against {sample_width:.0f} for a sample (pg_column_size)")
    print(f"  retention bound: {settings.retention.days} days of samples ({per_day:,} rows a day: {samples_kept:,}) + "
          f"{settings.rollup_retention.days} days of hourly roll-ups ({rollups_kept:,}) = "
          f"{samples_kept + rollups_kept:,} rows, about {(samples_kept * per_row + rollups_kept * per_rollup) / MB:.0f}"
          f" MB with indexes (samples {samples_kept * per_row / MB:.0f} MB, roll-ups "
          f"{rollups_kept * per_rollup / MB:.0f} MB)")


NAMES = {"first": "first poll (1,005 sites)", "unchanged": "nothing changed (same minute)",
         "changed": "about 5 % changed (next minute)", "every": "every site changed (inverted)"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="polls of each kind (and sources for the first poll)")
    parser.add_argument("--minutes", type=int, default=DAY, help="polls of the simulated day, a minute apart")
    args = parser.parse_args()
    if args.runs < 2 or args.minutes < WAL_EVERY:
        parser.error(f"--runs must be at least 2 (the day polls another source than steps 2-4), "
                     f"--minutes at least {WAL_EVERY}")
    harvesting.allow_only_loopback("bench/parking.py")
    with harvesting.services_used():
        return bench_run(args)


def bench_run(args: argparse.Namespace) -> int:
    # Before CKAN: loading its plugins imports another top-level "tests" package.
    from tests.support import harvest  # noqa: F401 (imported by harvesting.job)

    import ckan
    import ckan.plugins.toolkit as tk

    started, flask_app = harvesting.start_ckan()
    for name in ("ckan", "ckanext"):  # as on a site: test.ini's DEBUG logging would be timed too
        logging.getLogger(name).setLevel(logging.WARNING)
    from ckan import model
    from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine
    from tests.harvesters.parking.conftest import T0

    db_meters.count_statements([model.meta.engine, get_write_engine(), get_read_engine()])
    time_parts()
    databases = {model.meta.engine.url.database: "CKAN", get_write_engine().url.database: "DataStore"}
    cpu_at_start, load_at_start = harvesting.cpu_times(), os.getloadavg()
    with simulators(args.runs, T0) as simulator, flask_app.test_request_context():
        tk.config["ckanext.issy.harvest.allowed_hosts"] = " ".join(url.split("//")[1] for url in simulator.urls)
        user, org = harvesting.site(tk)
        sources = publish(tk, simulator, user, org)
        bench = Bench(simulator)
        kinds = kinds_of_poll(bench, sources, args.runs)
        # The day: the last source, polled once so far (at T0; the first source's
        # current state was rewritten whole three times by step 4).
        simulator.at, simulator.inverted = T0, False
        day = simulated_day(bench, sources[-1], args.minutes, list(databases))
        for number, (source_id, _tables) in enumerate(sources, 1):
            if len(tk.get_action("harvest_job_list")({"user": user}, {"source_id": source_id})) != 1:
                bench.failures.append(f"a poll of source {number} asked for a harvest job")
    steal, load_at_end = harvesting.stolen(cpu_at_start), os.getloadavg()

    print(f"CKAN {ckan.__version__}; CKAN start-up {started:.1f} s; {SITES} sites ({len(sim.GARAGES)} garages, "
          f"{len(sim.SPACES)} spaces) in 2 feeds (Opendatasoft CSV exports); {os.cpu_count()} CPUs; load average "
          f"(1 min) {load_at_start[0]:.2f} at the start, {load_at_end[0]:.2f} at the end; "
          f"CPU time stolen by the hypervisor {steal:.0%}")
    print("each poll:")
    rows = [describe(NAMES[kind], polls, databases) for kind, polls in kinds.items()]
    print("| poll | runs | median s | min–max s | rows written | runs with a history sample | "
          "SQL statements, median (CKAN + DataStore) | transactions, median |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    report_day(day, args.minutes)

    medians = {kind: statistics.median(poll.seconds for poll in polls) for kind, polls in kinds.items()}
    met = {"changed": medians["changed"] < TARGET_CHANGED, "unchanged": medians["unchanged"] < TARGET_UNCHANGED}
    for kind, target in (("changed", TARGET_CHANGED), ("unchanged", TARGET_UNCHANGED)):
        print(f"target: {NAMES[kind]} under {target} s: {'met' if met[kind] else 'NOT MET'} "
              f"(median {medians[kind]:.3f} s)")
    for failure in bench.failures[:50]:
        print(f"FAILED: {failure}", file=sys.stderr)
    if len(bench.failures) > 50:
        print(f"FAILED: ... and {len(bench.failures) - 50} more", file=sys.stderr)
    if not all(met.values()):
        print("FAILED: a target is not met", file=sys.stderr)
    return 1 if bench.failures or not all(met.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
