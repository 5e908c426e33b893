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
import json
import logging
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The sample generator (devstack/), the job helper (tests/support/) and the
# code shared with bench/elections.py (bench/harvesting.py) live in the checkout.
sys.path.insert(0, str(ROOT))
from bench import harvesting  # noqa: E402 (the checkout is on sys.path now)
from bench.harvesting import settle as _settle, site as _site, timed as _timed  # noqa: E402

LINES = 20_000
FILE_NAME = "budget-primitif-2025.csv"


@contextmanager
def _feed_server(data: bytes, runs: int) -> Iterator[str]:
    """The base URL of bench/feed_server.py serving ``data``, in a process of its own."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(data)
        file.flush()
        with harvesting.feed_server(file.name, "--name", FILE_NAME, "--runs", str(runs)) as server:
            yield server.url


def _not_modified(url: str) -> int:
    """How many 304s the feed server has answered."""
    return harvesting.feed_stats(url)["not_modified"]


def _stages_ratio(steps: dict[str, dict[str, list[float]]]) -> float:
    """The unchanged re-harvest's stages over the first harvest's: the
    gather and fetch consumers, where the harvester's own work is done,
    without ckanext-harvest's bookkeeping of the job (harvest_job_create,
    harvest_jobs_run), which costs every job the same."""
    def stages(kind: str) -> float:
        return sum(statistics.median(steps[kind][name]) for name in ("gather consumer", "fetch consumer"))
    return stages("unchanged") / stages("first")


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
    return harvesting.job(source, user, steps)[0]


def _typed_load_once(tk: Any, data: bytes, user: str, org: str) -> float:
    """Our load alone, as xloader's is measured: read, validate and type the
    file, then load its DataStore table (no dataset metadata, no queues)."""
    from ckanext.issy.harvesters.core import datastore
    from ckanext.issy.harvesters.finance import typed_rows
    from ckanext.issy.harvesters.finance_formats.scdl import SCDL_COLUMNS, read_documents

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
    from tests.support import harvest  # noqa: F401 (imported by harvesting.job)

    import ckan.plugins.toolkit as tk

    started, flask_app = harvesting.start_ckan()
    data = scdl_samples.write(scdl_samples.rows("budget primitif", 2025, lines=LINES))
    results: dict[str, list[float]] = {"first": [], "unchanged": [], "typed load": [], "xloader": [],
                                       "xloader+idx": [], "first (ETag)": [], "unchanged (ETag)": []}
    steps: dict[str, dict[str, list[float]]] = {}  # of the jobs of the server without validators
    harvesting.time_our_gather()
    cpu_at_start = harvesting.cpu_times()
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
          f"CPU time stolen by the hypervisor during the runs: {harvesting.stolen(cpu_at_start):.0%}")
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
