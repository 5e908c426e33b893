"""Benchmark of the election harvester on a national file
(docs/performance.md, "Harvesting election results").

A sibling of bench/harvest.py (the code they share is bench/harvesting.py).
The feed server (bench/feed_server.py, a process of its own on 127.0.0.2)
generates the Ministry of the Interior's 2024 file of election results by
polling station (tests/support/election_results.py: cp1252, 38 lists,
about 5.4 kB a row; 40,000 rows by default, about 215 MB) a megabyte at a
time while it sends it, so that the file is never whole in memory in
either process. An ``issy_elections`` source
``{"format": "miom_b", "election": "2024_euro_t1"}`` (Issy-les-Moulineaux,
INSEE 92040, whose 400 stations are rows 2,800-3,199 of the file) is
harvested once through the real Redis queues, database and DataStore,
then harvested again unchanged. For each job it prints the time of the
job and of each of its steps, the rows and bytes of the file read per
second of our gather stage, and the peak growth of the harvesting
process's resident memory over its idle size (VmHWM against VmRSS, from
/proc/self/status, the peak reset through /proc/self/clear_refs just
before the job), by part of the job. It fails (exit status 1) when the
published dataset does not hold the 400 stations and their 400 x 38
results, when their totals differ from the file's, when the unchanged
re-harvest writes anything, when a download is left behind, or when a
job's peak growth reaches 100 MB (the target). With ``--runs N`` it
harvests N sources one after the other in the same process, and also
prints the peak over the process's idle size before its first job.

    ISSY_TEST_SLOT=5 make test ARGS='tests/test_platform.py -q'   # prepares slot 5's databases
    set -a; . .dev/test-2.12-s5.env; set +a
    .venv/bin/python bench/elections.py [--rows 40000] [--runs 1]

Downloads go to a temporary directory of their own
(``ckanext.issy.harvest.download_dir``), which must be empty after each
job. The process connects only to 127.0.0.0/8 addresses: the feed
server (the only host in ``ckanext.issy.harvest.allowed_hosts``), Redis
and PostgreSQL (an audit hook refuses any other connection from Python;
the databases' URLs are checked before CKAN starts).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The file generator (tests/support/), the job helper and the code shared
# with bench/harvest.py (bench/harvesting.py) live in the checkout.
sys.path.insert(0, str(ROOT))
from bench import harvesting  # noqa: E402 (the checkout is on sys.path now)
from tests.support.memory import memory, reset_peak  # noqa: E402

ROWS = 40_000
FILE_NAME = "resultats-definitifs-par-bureau-de-vote.csv"
CONFIG = {"format": "miom_b", "election": "2024_euro_t1"}
INSEE = "92040"
FIRST_STATION, STATIONS = 2_800, 400  # Issy-les-Moulineaux's rows of the file
MIB = 1024 * 1024
TARGET_BYTES = 100 * 1000 * 1000  # "less than 100 MB" of growth over the idle size
STEPS = ("harvest_job_create", "gather consumer", "fetch consumer", "harvest_jobs_run")
# Parts of a job, in their order, between which the memory peak is read and reset.
PARTS = ("job creation", "download", "reading", "rest of gather", "gather commit", "import", "end of job")


# --- memory -----------------------------------------------------------------
def _peak_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) * 1024


class Peaks:
    """The peak resident memory of each part of a job: ``start`` before the
    job (the idle size), ``end(part)`` at the end of each part."""

    def __init__(self) -> None:
        self.idle = 0
        self.parts: dict[str, int] = {}

    def start(self) -> None:
        self.parts = {}
        self.idle = reset_peak()

    def end(self, part: str) -> None:
        self.parts[part] = max(self.parts.get(part, 0), memory()["VmHWM"])
        reset_peak()

    def growth(self) -> int:
        return max(self.parts.values()) - self.idle


# --- what the job is made of ------------------------------------------------
def _instrument(peaks: Peaks, times: dict[str, list[float]]) -> None:
    """Our gather stage, the download, the reading and the import report their
    seconds (``times``) and the end of their part of the job (``peaks``)."""
    from ckanext.issy.harvesters import elections
    from ckanext.issy.harvesters.core import http
    from ckanext.issy.harvesters.core.base import IssyHarvesterBase

    harvesting.time_our_gather()  # innermost: its seconds are the stage's alone
    gather_stage, fetch, read_items = IssyHarvesterBase.gather_stage, http.fetch, elections.ElectionResultsHarvester.read_items
    import_stage = IssyHarvesterBase.import_stage

    def timed(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return work()
        finally:
            times.setdefault(name, []).append(time.perf_counter() - start)

    def our_gather_stage(self: IssyHarvesterBase, job: Any) -> list[str]:
        peaks.end("job creation")
        try:
            return gather_stage(self, job)
        finally:
            peaks.end("rest of gather")

    @contextmanager
    def our_fetch(*args: Any, **kwargs: Any) -> Iterator[Any]:
        start = time.perf_counter()
        with fetch(*args, **kwargs) as download:
            times.setdefault("download", []).append(time.perf_counter() - start)
            peaks.end("download")
            yield download

    def our_read_items(self: Any, downloads: Any, config: dict[str, Any]) -> Any:
        try:
            return timed("reading", lambda: read_items(self, downloads, config))
        finally:
            peaks.end("reading")

    def our_import_stage(self: IssyHarvesterBase, harvest_object: Any) -> bool:
        peaks.end("gather commit")  # ckanext-harvest's, then the fetch consumer's start
        try:
            return timed("import", lambda: import_stage(self, harvest_object))
        finally:
            peaks.end("import")

    IssyHarvesterBase.gather_stage = our_gather_stage
    http.fetch = our_fetch
    elections.ElectionResultsHarvester.read_items = our_read_items
    IssyHarvesterBase.import_stage = our_import_stage


# --- what the job published -------------------------------------------------
def _expected() -> dict[str, int]:
    """Issy-les-Moulineaux's totals in the file, from the generator's rows."""
    from tests.support import election_results

    rows = [election_results.row(index) for index in range(FIRST_STATION, FIRST_STATION + STATIONS)]
    assert all(row[2] == INSEE for row in rows)
    header = election_results.HEADER
    total = {name: sum(int(row[header.index(column)]) for row in rows) for name, column in
             (("inscrits", "Inscrits"), ("votants", "Votants"), ("exprimes", "Exprimés"),
              ("blancs", "Blancs"), ("nuls", "Nuls"))}
    return {"stations": STATIONS, "results": STATIONS * election_results.LISTS, "voix": total["exprimes"], **total}


def _published(tk: Any, user: str, source_id: str) -> dict[str, Any]:
    """The source's dataset, its resources and its DataStore tables: row
    counts, totals and the rows' transaction ids (which any write changes)."""
    from ckan import model
    from ckanext.datastore.backend.postgres import get_write_engine
    from ckanext.harvest.model import HarvestObject

    ids = {package_id for (package_id,) in model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True))}
    if len(ids) != 1:
        raise SystemExit(f"FAILED: the source has {len(ids)} current datasets, not 1")
    package = tk.get_action("package_show")({"user": user}, {"id": ids.pop()})
    tables = {resource["issy_role"]: resource["id"] for resource in package["resources"]
              if resource.get("issy_role") in ("turnout", "results")}
    if set(tables) != {"turnout", "results"}:
        raise SystemExit(f"FAILED: the dataset's tables are {sorted(tables)}, not turnout and results")
    with get_write_engine().connect() as connection:
        turnout = connection.exec_driver_sql(
            f'SELECT count(*), sum(inscrits), sum(votants), sum(exprimes), sum(blancs), sum(nuls), '
            f'min(xmin::text::bigint), max(xmin::text::bigint) FROM "{tables["turnout"]}"').one()
        results = connection.exec_driver_sql(
            f'SELECT count(*), sum(voix), count(DISTINCT no_panneau), min(xmin::text::bigint), '
            f'max(xmin::text::bigint) FROM "{tables["results"]}"').one()
    return {
        "stations": turnout[0], "inscrits": turnout[1], "votants": turnout[2], "exprimes": turnout[3],
        "blancs": turnout[4], "nuls": turnout[5], "results": results[0], "voix": results[1],
        "lists": results[2], "xmin": (turnout[6], turnout[7], results[3], results[4]),
        "metadata_modified": package["metadata_modified"],
        "resources": sorted((r["id"], r["metadata_modified"], r.get("last_modified") or "") for r in package["resources"]),
    }


def _check_published(published: dict[str, Any], expected: dict[str, int]) -> list[str]:
    return [f"{name}: {published[name]} published, {value} expected" for name, value in expected.items()
            if published[name] != value]


# --- one run ----------------------------------------------------------------
def _one_job(source: str, user: str, peaks: Peaks, times: dict[str, list[float]],
             download_dir: Path) -> dict[str, Any]:
    """One job, timed, with the peaks of its parts; the download directory must be empty after it."""
    steps: dict[str, list[float]] = {}
    times.clear()
    seconds, job_id = harvesting.job(source, user, steps, before=peaks.start)
    peaks.end("end of job")
    left = list(download_dir.iterdir())
    if left:
        raise SystemExit(f"FAILED: the job left {left} in the download directory")
    return {"job": seconds, "job_id": job_id, "steps": {name: values[-1] for name, values in steps.items()},
            "times": {name: sum(values) for name, values in times.items()},
            "idle": peaks.idle, "parts": dict(peaks.parts), "growth": peaks.growth(),
            "rss_after": memory()["VmRSS"]}


def _job_stats(tk: Any, user: str, job_id: str) -> dict[str, int]:
    return tk.get_action("harvest_job_show")({"user": user}, {"id": job_id})["stats"]


def _describe(kind: str, job: dict[str, Any], rows: int, size: int) -> None:
    gather = job["steps"][harvesting.OUR_GATHER]
    print(f"  {kind}: job {job['job']:.3f} s; " + "; ".join(
        f"{name} {job['steps'][name]:.3f} s" for name in STEPS))
    ours = ", ".join(f"{name} {job['times'][name]:.3f} s" for name in ("download", "reading") if name in job["times"])
    imported = f"; import stage (within the fetch consumer) {job['times']['import']:.3f} s" if "import" in job["times"] else ""
    print(f"    our gather stage {gather:.3f} s ({ours}): {rows / gather:,.0f} rows/s, "
          f"{size / gather / 1e6:.1f} MB/s{imported}")
    parts = ", ".join(f"{name} {(peak - job['idle']) / MIB:+.1f}" for name, peak in job["parts"].items())
    print(f"    memory: idle {job['idle'] / MIB:.1f} MiB, peak growth {job['growth'] / MIB:.1f} MiB "
          f"({job['growth'] / 1e6:.1f} MB), by part in MiB: {parts}; "
          f"resident after the job {job['rss_after'] / MIB:.1f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=ROWS, help="polling stations (rows) of the national file")
    parser.add_argument("--runs", type=int, default=1, help="sources harvested, one after the other")
    args = parser.parse_args()
    if args.rows < FIRST_STATION + STATIONS:
        parser.error(f"--rows must be at least {FIRST_STATION + STATIONS}: Issy-les-Moulineaux's stations "
                     f"are rows {FIRST_STATION}-{FIRST_STATION + STATIONS - 1}")
    harvesting.allow_only_loopback("bench/elections.py")

    # Before CKAN: loading its plugins imports another top-level "tests" package.
    from tests.support import election_results, harvest  # noqa: F401 (harvest: imported by harvesting.job)

    import ckan
    import ckan.plugins.toolkit as tk

    expected = _expected()
    started, flask_app = harvesting.start_ckan()
    peaks, times = Peaks(), {}
    _instrument(peaks, times)
    runs: list[dict[str, Any]] = []
    failures: list[str] = []
    cpu_at_start = harvesting.cpu_times()
    with tempfile.TemporaryDirectory(prefix="issy-elections-bench-") as download_dir, \
            harvesting.feed_server("--election-rows", str(args.rows), "--name", FILE_NAME,
                                   "--runs", str(args.runs)) as server, \
            flask_app.test_request_context():
        host = urlsplit(server.url).hostname or ""
        if not harvesting.loopback(host):
            raise SystemExit(f"the feed server listens on {host}, not on a 127.0.0.0/8 address")
        tk.config["ckanext.issy.harvest.allowed_hosts"] = server.url.split("//")[1]
        tk.config["ckanext.issy.harvest.download_dir"] = download_dir
        user, org = harvesting.site(tk)
        for run in range(args.runs):
            source = tk.get_action("harvest_source_create")({"user": user}, {
                "name": f"bench-{uuid.uuid4().hex[:8]}", "url": f"{server.url}/{run}/{FILE_NAME}",
                "source_type": "issy_elections", "owner_org": org, "frequency": "MANUAL",
                "config": json.dumps(CONFIG),
            })
            first = _one_job(source["id"], user, peaks, times, Path(download_dir))
            first["stats"] = _job_stats(tk, user, first["job_id"])
            published = _published(tk, user, source["id"])
            failures += [f"run {run + 1}, first harvest: {problem}" for problem in _check_published(published, expected)]
            if first["stats"].get("added") != 1:
                failures.append(f"run {run + 1}, first harvest: job stats {first['stats']}, not one dataset added")
            sent = harvesting.feed_stats(server.url)["sent"]
            again = _one_job(source["id"], user, peaks, times, Path(download_dir))
            again["stats"] = _job_stats(tk, user, again["job_id"])
            republished = _published(tk, user, source["id"])
            if republished != published:
                changed = sorted(name for name in published if published[name] != republished[name])
                failures.append(f"run {run + 1}, unchanged re-harvest: it wrote {', '.join(changed)}")
            if {key: again["stats"].get(key, 0) for key in ("added", "updated", "deleted", "errored")} != \
                    {"added": 0, "updated": 0, "deleted": 0, "errored": 0} or again["stats"].get("not modified") != 1:
                failures.append(f"run {run + 1}, unchanged re-harvest: job stats {again['stats']}")
            size = sent[-1]
            resent = harvesting.feed_stats(server.url)["sent"][-1]
            if resent != size:
                failures.append(f"run {run + 1}: the re-harvest downloaded {resent} bytes, the first harvest {size}")
            runs.append({"first": first, "again": again, "size": size, "published": published})
        feed_peak = _peak_of(server.pid)
    steal = harvesting.stolen(cpu_at_start)

    size = runs[0]["size"]
    print(f"CKAN {ckan.__version__}; file: {args.rows} rows of {len(election_results.HEADER)} columns "
          f"({election_results.LISTS} lists), {size / 1e6:.1f} MB ({size / MIB:.1f} MiB, {size} bytes), cp1252, "
          f"generated while sent by the feed server (its peak resident memory {feed_peak / MIB:.1f} MiB); "
          f"Issy-les-Moulineaux ({INSEE}): {STATIONS} stations; CKAN start-up {started:.1f} s")
    for number, run in enumerate(runs, 1):
        published = run["published"]
        print(f"run {number}: published {published['stations']} turnout rows, {published['results']} result rows "
              f"({published['lists']} lists), {published['votants']} votants, {published['voix']} votes")
        _describe("first harvest", run["first"], args.rows, run["size"])
        _describe("unchanged re-harvest", run["again"], args.rows, run["size"])
        print(f"    job stats: first {run['first']['stats']}; unchanged {run['again']['stats']}")
    print(f"CPU time stolen by the hypervisor during the runs: {steal:.0%}")
    jobs = [job for run in runs for job in (run["first"], run["again"])]
    growth = max(job["growth"] for job in jobs)
    # A consumer runs job after job: what it keeps of one raises the next one's idle size.
    process_growth = max(job["idle"] + job["growth"] for job in jobs) - jobs[0]["idle"]
    met = growth < TARGET_BYTES
    print(f"target: the harvesting process grows by less than 100 MB over its idle size (before each job): "
          f"{'met' if met else 'NOT MET'} (largest growth {growth / 1e6:.1f} MB, {growth / MIB:.1f} MiB)")
    print(f"  over its idle size before its first job ({jobs[0]['idle'] / MIB:.1f} MiB), all jobs: peak "
          f"{process_growth / MIB:+.1f} MiB ({process_growth / 1e6:.1f} MB"
          f"{', over 100 MB' if process_growth >= TARGET_BYTES else ''}), resident at the end "
          f"{(jobs[-1]['rss_after'] - jobs[0]['idle']) / MIB:+.1f} MiB")
    print("| size MiB | rows | job s | gather s | rows/s | MB/s | peak growth MiB | re-harvest s |")
    for run in runs:
        first, gather = run["first"], run["first"]["steps"][harvesting.OUR_GATHER]
        print(f"| {run['size'] / MIB:.1f} | {args.rows:,} | {first['job']:.1f} | {gather:.1f} | "
              f"{args.rows / gather:,.0f} | {run['size'] / gather / 1e6:.1f} | "
              f"{max(first['growth'], run['again']['growth']) / MIB:.1f} | {run['again']['job']:.1f} |")
    if len(runs) > 1:
        print(f"medians: job {statistics.median(r['first']['job'] for r in runs):.1f} s, "
              f"re-harvest {statistics.median(r['again']['job'] for r in runs):.1f} s")
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    if not met:
        print("FAILED: the memory target is not met", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
