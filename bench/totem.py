"""Benchmark of the finance harvester on a TOTEM budget document (issue 22;
docs/performance.md, "Harvesting", "A 20,000-line TOTEM document").

A sibling of bench/harvest.py (the code they share is bench/harvesting.py).
It generates, deterministically (seeded), a compte administratif 2025 of
20,000 budget lines (``--lines``) with ``devstack/scdl_samples.py``, and
writes the same lines twice (``bench/totem_document.py``):

- as a TOTEM budget document (``DocumentBudgetaire``, namespace
  http://www.minefi.gouv.fr/cp/demat/docbudgetaire, every value in a ``V``
  attribute, ISO-8859-1): its headers (``EnTeteDocBudgetaire``,
  ``EnTeteBudget``, ``BlocBudget``), one ``LigneBudget`` a line (Nature,
  Fonction, Operation, ContNat, ArtSpe, CodRD, the seven amounts, OpBudg,
  CaracSup, MtSup), a calculated total line after each chapter
  (``calculated="true"``) and after each section's receipts or expenses
  (``OpBudg`` ``T``), which the reader leaves out, and annexes (staff,
  loans, subsidies) whose names and figures are invented;
- as the SCDL CSV file of bench/harvest.py (22 columns, UTF-8), for
  comparison in the same process and the same minutes.

A process of its own (this script with ``--serve``, on 127.0.0.2) serves
each file without validators, from a directory where the bench replaces it
between jobs. Per run and per format, a new ``issy_finance`` source
(``{"format": "totem"}`` for the TOTEM document) is harvested three times
through the real Redis queues, database and DataStore (``harvesting.job``:
the job timed from its creation until it is finished, the background work
of the previous one done first):

1. **first**: the first harvest (one dataset, its normalised CSV upload and
   its DataStore table of 20,000 rows);
2. **unchanged**: the same file again (downloaded and hashed again);
3. **1 % changed**: the file with the realised amount (``MtReal``) of 1 %
   of its lines (200, seeded) changed, the totals with them.

For each job: its wall time; the **rows written** to the dataset's
DataStore table, told by the rows' transaction ids (``xmin``): the rows
whose ``xmin`` is newer than the job's start were inserted (or updated),
the rows of before that are gone were deleted; the **growth** of CKAN's
and the DataStore's databases (``pg_database_size``, right after the job,
before any ``VACUUM``) and of the table itself (``pg_total_relation_size``,
indexes and TOAST included); the **WAL** our two databases' records take
(``pg_walinspect``, through ``ISSY_TEST_PG_ADMIN_URL``, as bench/parking.py
reads it); the SQL statements sent (bench/db_meters.py); and each step of
the job, with our gather stage (download, reading, hashing) within the
gather consumer.

Exit status 1 when a job's report has errors, a job's counts are not one
dataset added / not modified / updated, the table does not hold the
file's 20,000 lines and the sum of their realised amounts, or the
unchanged re-harvest writes a row.

    ISSY_TEST_SLOT=6 make test ARGS='tests/test_platform.py -q'   # prepares slot 6's databases
    set -a; . .dev/test-2.12-s6.env; set +a
    .venv/bin/python bench/totem.py [--runs 3] [--lines 20000] [--formats totem scdl]

The bench registers as a user of the private PostgreSQL and Redis, as a
test run does (``devstack.services.bring_up``). It connects only to
127.0.0.0/8 (``harvesting.allow_only_loopback``; the feed server's address
is checked too).
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The sample generator (devstack/), the job helper (tests/support/) and the
# code shared with the other harvest benches (bench/harvesting.py) live in the checkout.
sys.path.insert(0, str(ROOT))
from bench import db_meters, harvesting  # noqa: E402 (the checkout is on sys.path now)

LINES = 20_000
FILES = {"totem": "compte-administratif-2025.xml", "scdl": "compte-administratif-2025.csv"}
CONFIGS = {"totem": {"format": "totem", "group": "bench"}, "scdl": {"group": "bench"}}
KINDS = ("first", "unchanged", "1 % changed")
MB = 1e6

from bench.totem_document import (  # noqa: E402
    CHANGED, budget_lines, changed_lines, realised, scdl_file, totem_document,
)


def serve(directory: Path, runs: int, host: str) -> int:
    """Serves ``/<run>/<file>`` for the files of FILES from ``directory``, as
    they are when asked for (the bench replaces them between jobs; a file is
    read again when its inode or modification time changed), without
    validators. Prints its base URL, then serves until terminated."""
    from tests.support.http_server import Response, serve as fixture_server

    cache: dict[Path, tuple[tuple[int, int, int], bytes]] = {}

    def current(path: Path) -> Response:
        stat = path.stat()
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if path not in cache or cache[path][0] != key:
            cache[path] = (key, path.read_bytes())
        return Response(cache[path][1])

    routes = {f"/{run}/{name}": (lambda _query, path=directory / name: current(path))
              for run in range(runs) for name in FILES.values()}
    with fixture_server(routes, host=host) as server:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(server.url, flush=True)
        stop.wait()
    return 0


@contextmanager
def feed_server(directory: Path, runs: int) -> Iterator[str]:
    """This script's ``--serve``, in a process of its own (a city's feed server is another machine)."""
    import subprocess

    server = subprocess.Popen([sys.executable, __file__, "--serve", str(directory), "--runs", str(runs)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        if not harvesting.loopback(urlsplit(url).hostname or ""):
            raise SystemExit(f"the feed server listens on {url!r}, not on a 127.0.0.0/8 address")
        yield url
    finally:
        server.terminate()
        server.wait()


def put(directory: Path, name: str, data: bytes) -> None:
    """The file the server sends from now on (replaced atomically)."""
    staged = directory / f".{name}.new"
    staged.write_bytes(data)
    os.replace(staged, directory / name)


# --- one job, measured ----------------------------------------------------------------
@dataclass
class Measure:
    seconds: float
    stats: dict[str, int]
    steps: dict[str, float]
    rows: int  # the table's rows after the job
    realised: Decimal  # the sum of their BGT_MTREAL
    inserted: int  # rows with a transaction id newer than the job's start
    deleted: int  # rows of before the job that are gone
    growth: dict[str, int]  # bytes: "CKAN", "DataStore" (databases), "table"
    wal: int | None  # bytes of our databases' WAL records
    statements: int  # SQL statements sent, both databases


@dataclass
class Bench:
    user: str
    wal: db_meters.Wal
    failures: list[str] = field(default_factory=list)


def data_table(tk: Any, user: str, source_id: str) -> str | None:
    """The DataStore table (resource id) of the source's one dataset, None before its first harvest."""
    from ckan import model
    from ckanext.harvest.model import HarvestObject

    ids = {package_id for (package_id,) in model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True))}
    if not ids:
        return None
    if len(ids) != 1:
        raise SystemExit(f"FAILED: the source has {len(ids)} current datasets, not 1")
    package = tk.get_action("package_show")({"user": user}, {"id": ids.pop()})
    (table,) = [resource["id"] for resource in package["resources"] if resource.get("issy_role") == "data"]
    return table


def sizes(table: str | None) -> dict[str, int]:
    from ckan import model
    from ckanext.datastore.backend.postgres import get_write_engine

    found = {}
    for name, engine in (("CKAN", model.meta.engine), ("DataStore", get_write_engine())):
        with engine.connect() as connection:
            found[name] = int(connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())
            if name == "DataStore":
                found["table"] = int(connection.exec_driver_sql(
                    "SELECT pg_total_relation_size(%(table)s)", {"table": f'"{table}"'}).scalar()) if table else 0
    return found


def next_xid() -> int:
    """The first transaction id not yet given (32 bits, as a row's xmin), consuming none."""
    from ckanext.datastore.backend.postgres import get_write_engine

    with get_write_engine().connect() as connection:
        return int(connection.exec_driver_sql(
            "SELECT mod(pg_snapshot_xmax(pg_current_snapshot())::text::bigint, 4294967296)").scalar())


def table_rows(table: str | None, since: int) -> tuple[int, int, Decimal]:
    """The table's rows, those written since the transaction id ``since``, and the sum of their realised amounts."""
    from ckanext.datastore.backend.postgres import get_write_engine

    if table is None:
        return 0, 0, Decimal(0)
    with get_write_engine().connect() as connection:
        rows, new, total = connection.exec_driver_sql(
            f'SELECT count(*), count(*) FILTER (WHERE age(xmin) <= age(%(since)s::text::xid)), '
            f'coalesce(sum("BGT_MTREAL"), 0) FROM "{table}"', {"since": since}).one()
    return int(rows), int(new), Decimal(total)


def measured_job(tk: Any, bench: Bench, source_id: str) -> Measure:
    """One job of ``source_id``, with what it wrote."""
    table = data_table(tk, bench.user, source_id)
    start: dict[str, Any] = {}

    def before() -> None:  # after the background work, just before the clock starts
        start["sizes"] = sizes(table)
        start["rows"] = table_rows(table, 0)[0]
        start["xid"] = next_xid()
        start["statements"] = sum(value for key, value in db_meters.COUNTS.items() if key.startswith("statements"))
        bench.wal.begin()

    steps: dict[str, list[float]] = {}
    seconds, job_id = harvesting.job(source_id, bench.user, steps, before=before)
    statements = sum(value for key, value in db_meters.COUNTS.items() if key.startswith("statements"))
    table_after = data_table(tk, bench.user, source_id)
    after = sizes(table_after)
    bench.wal.read()
    rows, inserted, total = table_rows(table_after, start["xid"])
    survivors = rows - inserted if table == table_after else 0
    stats = tk.get_action("harvest_job_show")({"user": bench.user}, {"id": job_id})["stats"]
    return Measure(seconds, stats, {name: values[-1] for name, values in steps.items()}, rows, total, inserted,
                   start["rows"] - survivors, {name: after[name] - start["sizes"][name] for name in after},
                   None if bench.wal.failure else bench.wal.ours[-1][0], statements - start["statements"])


def check(measure: Measure, kind: str, lines: int, expected: Decimal) -> list[str]:
    counts = {key: measure.stats.get(key, 0) for key in ("added", "updated", "not modified", "deleted", "errored")}
    wanted = {"first": "added", "unchanged": "not modified", "1 % changed": "updated"}[kind]
    problems = [] if counts == {**{key: 0 for key in counts}, wanted: 1} else [f"job counts {measure.stats}"]
    if measure.rows != lines or measure.realised != expected:
        problems.append(f"the table holds {measure.rows} rows, realised {measure.realised}; "
                        f"the file {lines} lines, realised {expected}")
    if kind == "unchanged" and (measure.inserted or measure.deleted):
        problems.append(f"it wrote {measure.inserted} rows and deleted {measure.deleted}")
    return problems


# --- report ----------------------------------------------------------------------------
def spread(values: list[float], digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f} | {min(values):.{digits}f}–{max(values):.{digits}f}"


def rows_written(measures: list[Measure]) -> str:
    found = sorted({(m.inserted, m.deleted) for m in measures})
    return ", ".join(f"{inserted:,} + {deleted:,}" for inserted, deleted in found)


def report(results: dict[str, dict[str, list[Measure]]]) -> None:
    for fmt, kinds in results.items():
        for kind, measures in kinds.items():
            print(f"  {fmt}, {kind}: " + "; ".join(
                f"{m.seconds:.3f} s, inserted {m.inserted}, deleted {m.deleted}, growth CKAN "
                f"{m.growth['CKAN'] / MB:+.3f} MB, DataStore {m.growth['DataStore'] / MB:+.3f} MB (table "
                f"{m.growth['table'] / MB:+.3f} MB), WAL " + ("?" if m.wal is None else f"{m.wal / MB:.2f} MB")
                + f", {m.statements} statements" for m in measures))
            print("    steps, median ms: " + "; ".join(
                f"{name} {statistics.median(m.steps[name] for m in measures) * 1000:.1f}"
                for name in measures[0].steps))
    print("| document | job | wall time, median s | min–max s | rows written (inserted + deleted) | "
          "CKAN database growth, MB | DataStore database growth, MB | of which the table, MB | "
          "WAL of our databases, MB | SQL statements |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt, kinds in results.items():
        for kind, measures in kinds.items():
            wal = [m.wal for m in measures if m.wal is not None]
            print(f"| {fmt} | {kind} | {spread([m.seconds for m in measures])} | {rows_written(measures)} | "
                  f"{statistics.median(m.growth['CKAN'] for m in measures) / MB:+.2f} | "
                  f"{statistics.median(m.growth['DataStore'] for m in measures) / MB:+.2f} | "
                  f"{statistics.median(m.growth['table'] for m in measures) / MB:+.2f} | "
                  + (f"{statistics.median(wal) / MB:.2f}" if wal else "?") + " | "
                  f"{statistics.median(m.statements for m in measures):.0f} |")


# --- main ------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="sources per format, each harvested three times")
    parser.add_argument("--lines", type=int, default=LINES, help="budget lines of the document")
    parser.add_argument("--formats", nargs="+", choices=tuple(FILES), default=list(FILES))
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the feed server's process
    parser.add_argument("--host", default="127.0.0.2", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.runs, args.host)
    harvesting.allow_only_loopback("bench/totem.py")
    with harvesting.services_used():
        return bench_run(args)


def bench_run(args: argparse.Namespace) -> int:
    # Before CKAN: loading its plugins imports another top-level "tests" package.
    importlib.import_module("tests.support.harvest")  # the job helper of harvesting.job

    import ckan
    import ckan.plugins.toolkit as tk

    lines = budget_lines(args.lines)
    changed = changed_lines(lines)
    totem, totals = totem_document(lines)
    files = {"totem": (totem, totem_document(changed)[0]), "scdl": (scdl_file(lines), scdl_file(changed))}
    expected = (realised(lines), realised(changed))

    started, flask_app = harvesting.start_ckan()
    for name in ("ckan", "ckanext"):  # as on a site: test.ini's DEBUG logging would be timed too
        logging.getLogger(name).setLevel(logging.WARNING)
    from ckan import model
    from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine

    db_meters.count_statements([model.meta.engine, get_write_engine(), get_read_engine()])
    harvesting.time_our_gather()
    with get_write_engine().connect() as connection:
        databases = connection.exec_driver_sql(
            "SELECT oid::int FROM pg_database WHERE datname = ANY(%(names)s)",
            {"names": [model.meta.engine.url.database, get_write_engine().url.database]}).scalars().all()
    wal = db_meters.wal_meter(databases)
    results: dict[str, dict[str, list[Measure]]] = {fmt: {kind: [] for kind in KINDS} for fmt in args.formats}
    cpu_at_start, load_at_start = harvesting.cpu_times(), os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="issy-totem-bench-") as directory, \
                feed_server(Path(directory), args.runs) as url, flask_app.test_request_context():
            tk.config["ckanext.issy.harvest.allowed_hosts"] = url.split("//")[1]
            user, org = harvesting.site(tk)
            bench = Bench(user, wal)
            for run, fmt in itertools.product(range(args.runs), args.formats):
                source = tk.get_action("harvest_source_create")({"user": user}, {
                    "name": f"bench-{uuid.uuid4().hex[:8]}", "url": f"{url}/{run}/{FILES[fmt]}",
                    "source_type": "issy_finance", "owner_org": org, "frequency": "MANUAL",
                    "config": json.dumps(CONFIGS[fmt])})
                for kind in KINDS:
                    if kind != "unchanged":
                        put(Path(directory), FILES[fmt], files[fmt][kind != "first"])
                    measure = measured_job(tk, bench, source["id"])
                    results[fmt][kind].append(measure)
                    bench.failures += [f"run {run + 1}, {fmt}, {kind}: {problem}" for problem in check(
                        measure, kind, args.lines, expected[kind == "1 % changed"])]
    finally:
        wal.close()
    steal, load_at_end = harvesting.stolen(cpu_at_start), os.getloadavg()

    print(f"CKAN {ckan.__version__}; CKAN start-up {started:.1f} s; {os.cpu_count()} CPUs; load average (1 min) "
          f"{load_at_start[0]:.2f} at the start, {load_at_end[0]:.2f} at the end; CPU time stolen by the "
          f"hypervisor {steal:.0%}; {args.runs} runs")
    print(f"the documents: {args.lines:,} budget lines, {round(args.lines * CHANGED):,} of them changed for the "
          f"third job; TOTEM {len(files['totem'][0]) / MB:.1f} MB (ISO-8859-1, {totals} total lines besides, "
          f"annexes of invented staff, loans and subsidies); SCDL CSV {len(files['scdl'][0]) / MB:.1f} MB")
    if wal.failure:
        print(f"our databases' WAL not measured: {wal.failure}")
    report(results)
    for failure in bench.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if bench.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
