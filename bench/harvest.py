"""Benchmark of the finance harvester (docs/performance.md, "Harvesting").

Generates a 20,000-line SCDL budget file (about 5.5 MB), serves it on
127.0.0.2 from a process of its own (bench/feed_server.py), harvests it
through the real Redis queues, database and DataStore, re-harvests it
unchanged (three times per run by default), and - when ckanext-xloader is
installed - loads the same file with xloader's loader into a DataStore
table of its own. The unchanged re-harvest is measured twice: from a
server that sends no validators (the file is downloaded and hashed again)
and from one that answers like a static file server (an ETag, then 304
Not Modified). It also prints each step of the jobs, the ratio of the
harvester's own stages (the gather and fetch consumers) without
ckanext-harvest's bookkeeping, and the CPU time stolen by the hypervisor.

    ISSY_TEST_SLOT=5 make test ARGS='tests/test_platform.py -q'   # prepares slot 5's databases
    set -a; . .dev/test-2.12-s5.env; set +a
    .venv/bin/pip install --target .dev/xloader ckanext-xloader==2.5.2 \
        chardet tabulator==1.53.5 unidecode six python-dateutil          # optional, outside the venv
    .venv/bin/python bench/harvest.py [--runs 3] [--xloader-path .dev/xloader]

ckanext-xloader is never installed in the virtualenv: the tests must not
depend on it. Its directory goes at the END of sys.path, so that the
virtualenv's own packages (CKAN, SQLAlchemy, psycopg2...) win and only what
the venv lacks (xloader, tabulator...) comes from there.

It only ever connects to loopback addresses and the test databases.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LINES = 20_000
FILE_NAME = "budget-primitif-2025.csv"
OUR_GATHER = "our gather stage (within the gather consumer)"
_OUR_GATHERS: list[float] = []
# The sample generator (devstack/) and the job helper (tests/support/) live in the checkout.
sys.path.insert(0, str(ROOT))


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def _settle() -> None:
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


@contextmanager
def _feed_server(data: bytes, runs: int) -> Iterator[str]:
    """The base URL of bench/feed_server.py serving ``data``, in a process of its own."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(data)
        file.flush()
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "feed_server.py"), file.name,
             "--name", FILE_NAME, "--runs", str(runs)],
            stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            yield server.stdout.readline().strip()
        finally:
            server.terminate()
            server.wait()


def _not_modified(url: str) -> int:
    """How many 304s the feed server has answered."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(f"{url}/stats") as response:
        return json.load(response)["not_modified"]


def _time_our_gather() -> None:
    """Our part of the gather consumer's step (download, hash, comparison,
    records): the seconds of every call of our gather stage go to _OUR_GATHERS."""
    from ckanext.issy.harvesters.core.base import IssyHarvesterBase

    ours = IssyHarvesterBase.gather_stage

    def gather_stage(self: IssyHarvesterBase, job: Any) -> list[str]:
        start = time.perf_counter()
        try:
            return ours(self, job)
        finally:
            _OUR_GATHERS.append(time.perf_counter() - start)

    IssyHarvesterBase.gather_stage = gather_stage


def _cpu_times() -> list[int]:
    """The machine's CPU time so far, by state (/proc/stat: user, nice, system, idle, ..., steal)."""
    return [int(ticks) for ticks in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def _stolen(since: list[int]) -> float:
    """Since ``since``, the share of the CPU time the machine wanted (busy or
    stolen) that the hypervisor gave to other machines instead: the noise
    that short jobs feel most."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        now - then for now, then in zip(_cpu_times()[:8], since))
    return steal / ((user + nice + system + irq + softirq + steal) or 1)


def _stages_ratio(steps: dict[str, dict[str, list[float]]]) -> float:
    """The unchanged re-harvest's stages over the first harvest's: the
    gather and fetch consumers, where the harvester's own work is done,
    without ckanext-harvest's bookkeeping of the job (harvest_job_create,
    harvest_jobs_run), which costs every job the same."""
    def stages(kind: str) -> float:
        return sum(statistics.median(steps[kind][name]) for name in ("gather consumer", "fetch consumer"))
    return stages("unchanged") / stages("first")


def _site(tk: Any) -> tuple[str, str]:
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    org = tk.get_action("organization_create")({"user": user}, {"name": f"bench-{uuid.uuid4().hex[:8]}"})
    return user, org["id"]


def _harvest_once(tk: Any, url: str, user: str, org: str, reharvests: int,
                  steps: dict[str, dict[str, list[float]]] | None) -> tuple[float, list[float]]:
    """The first harvest of a new source, and its unchanged re-harvests
    (their steps go to ``steps["first"]`` and ``steps["unchanged"]``)."""
    source = tk.get_action("harvest_source_create")({"user": user}, {
        "name": f"bench-{uuid.uuid4().hex[:8]}", "url": url, "source_type": "issy_finance",
        "owner_org": org, "frequency": "MANUAL", "config": json.dumps({"group": "bench"}),
    })
    first_steps, unchanged_steps = (None, None) if steps is None else (
        steps.setdefault("first", {}), steps.setdefault("unchanged", {}))
    first = _job(source["id"], user, first_steps)
    return first, [_job(source["id"], user, unchanged_steps) for _ in range(reharvests)]


def _job(source: str, user: str, steps: dict[str, list[float]] | None = None) -> float:
    """The time of one job, from its creation until it is finished; its report, read afterwards, must be clean."""
    from tests.support.harvest import harvest, report

    _settle()
    seconds, job = _timed(lambda: harvest(source, user, steps))
    if steps is not None:
        steps.setdefault(OUR_GATHER, []).append(_OUR_GATHERS[-1])
    errors = report(job, user)
    assert not errors["gather_errors"] and not errors["object_errors"], errors
    return seconds


def _typed_load_once(tk: Any, data: bytes, user: str, org: str) -> float:
    """Our load alone, as xloader's is measured: read, validate and type the
    file, then load its DataStore table (no dataset metadata, no queues)."""
    from ckanext.issy.harvesters.core import datastore
    from ckanext.issy.harvesters.finance import SCDL_COLUMNS, read_documents, typed_rows

    resource = _empty_resource(tk, user, org)

    def load() -> None:
        (document,) = read_documents(data, "http://127.0.0.2/budget.csv")
        rows, _warnings = typed_rows(document)
        datastore.load(resource, SCDL_COLUMNS, rows, {"user": user})

    _settle()
    return _timed(load)[0]


def _empty_resource(tk: Any, user: str, org: str) -> str:
    package = tk.get_action("package_create")({"user": user}, {"name": f"bench-{uuid.uuid4().hex[:8]}", "owner_org": org})
    return tk.get_action("resource_create")({"user": user}, {"package_id": package["id"], "url": "http://127.0.0.2/b.csv"})["id"]


def _xloader_once(tk: Any, data: bytes, user: str, org: str) -> tuple[float, float] | None:
    """xloader's load_csv, then the index building its job does next
    (load_csv drops the table's indexes and leaves them to it)."""
    try:
        from ckanext.xloader import loader
    except ImportError:
        return None
    resource = _empty_resource(tk, user, org)
    log = logging.getLogger("xloader")
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(data)
        file.flush()
        _settle()
        seconds, fields = _timed(lambda: loader.load_csv(file.name, resource_id=resource, mimetype="text/csv", logger=log))
    indexing, _ = _timed(lambda: loader.create_column_indexes(fields=fields, resource_id=resource, logger=log))
    return seconds, seconds + indexing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reharvests", type=int, default=3,
                        help="unchanged re-harvests per source: a job takes well under a tenth of a second, "
                             "so that one sample per run would leave its median to the machine's hiccups")
    parser.add_argument("--no-column-indexes", action="store_true",
                        help="ckan.datastore.default_fts_index_field_types = '' (CKAN 2.12's default) on CKAN 2.11")
    parser.add_argument("--xloader-path", type=Path, help="where ckanext-xloader was pip-installed with --target")
    args = parser.parse_args()
    if args.xloader_path:
        import ckanext

        sys.path.append(str(args.xloader_path.resolve()))
        # CKAN's ckanext/__init__.py is empty (not a namespace package): add the directory by hand.
        ckanext.__path__.append(str(args.xloader_path.resolve() / "ckanext"))

    # Before CKAN: loading its plugins imports another top-level "tests" package.
    from devstack import scdl_samples
    from tests.support import harvest  # noqa: F401 (imported by _job)

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins.toolkit as tk

    started, app = _timed(lambda: make_app(load_config(str(ROOT / "test.ini"))))
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app
    data = scdl_samples.write(scdl_samples.rows("budget primitif", 2025, lines=LINES))
    results: dict[str, list[float]] = {"first": [], "unchanged": [], "typed load": [], "xloader": [],
                                       "xloader+idx": [], "first (ETag)": [], "unchanged (ETag)": []}
    steps: dict[str, dict[str, list[float]]] = {}  # of the jobs of the server without validators
    _time_our_gather()
    cpu_at_start = _cpu_times()
    # One path per run: ckanext-harvest refuses two sources with the same URL.
    # The main source's server sends no validators (the worst case: the
    # file is downloaded and hashed again); the second answers as a static
    # file server does, 304 to an If-None-Match with its ETag.
    with _feed_server(data, args.runs) as url, flask_app.test_request_context():
        tk.config["ckanext.issy.harvest.allowed_hosts"] = url.split("//")[1]
        if args.no_column_indexes:
            tk.config["ckan.datastore.default_fts_index_field_types"] = ""
        user, org = _site(tk)
        for run in range(args.runs):
            first, again = _harvest_once(tk, f"{url}/{run}/{FILE_NAME}", user, org, args.reharvests, steps)
            results["first"].append(first)
            results["unchanged"] += again
            answered = _not_modified(url)
            first, again = _harvest_once(tk, f"{url}/{run}/etag/{FILE_NAME}", user, org, args.reharvests, None)
            assert _not_modified(url) == answered + args.reharvests, "a re-harvest was not conditional"
            results["first (ETag)"].append(first)
            results["unchanged (ETag)"] += again
            results["typed load"].append(_typed_load_once(tk, data, user, org))
            xloader = _xloader_once(tk, data, user, org)
            if xloader is not None:
                results["xloader"].append(xloader[0])
                results["xloader+idx"].append(xloader[1])
    import ckan

    indexes = tk.config.get("ckan.datastore.default_fts_index_field_types") or "none"
    print(f"CKAN {ckan.__version__}; per-column full-text indexes: {indexes}; file: {LINES} lines, {len(data) / 1e6:.1f} MB; "
          f"CKAN start-up {started:.1f} s; median of {args.runs} runs ({args.runs * args.reharvests} re-harvests)")
    for name, values in results.items():
        if values:
            print(f"  {name:16s} {statistics.median(values):6.3f} s   ({', '.join(f'{v:.3f}' for v in values)})")
    for kind in ("first", "unchanged"):
        print(f"  {kind} harvest (server without validators), by step: " + "; ".join(
            f"{name} {statistics.median(values) * 1000:.1f} ms" for name, values in steps[kind].items()))
    if not results["xloader"]:
        print("  xloader     not installed (see the docstring)")
    ratio = statistics.median(results["unchanged"]) / statistics.median(results["first"])
    with_etag = statistics.median(results["unchanged (ETag)"]) / statistics.median(results["first (ETag)"])
    print(f"  unchanged re-harvest / first harvest: {ratio:.1%} (server without validators), "
          f"{with_etag:.1%} (server with an ETag)")
    print(f"  ... the harvester's own stages alone (gather and fetch consumers): {_stages_ratio(steps):.1%}; "
          f"CPU time stolen by the hypervisor during the runs: {_stolen(cpu_at_start):.0%}")
    if results["xloader"]:
        typed = statistics.median(results["typed load"])
        # xloader's job runs both steps before a resource is searchable; our
        # load builds the same full-text index before its commit.
        print(f"  typed load / xloader's load (load_csv + create_column_indexes): "
              f"{typed / statistics.median(results['xloader+idx']):.2f}; / load_csv alone: "
              f"{typed / statistics.median(results['xloader']):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
