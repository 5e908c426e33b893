"""Load run of the election results view on election night (issue #26;
docs/performance.md, "Election results view: load").

Serves the demo's portal (``make demo``'s databases) as in production,
nginx in front of gunicorn (devstack/production.py, ``deploy/``), and loads
it with wrk (``-t2 -c32 -d60s --latency``), one address after the other:
the resource page of a harvested round's results table (first view
``issy_elections_view``), the same with ``?bureau=12``, ``GET
/api/issy/elections?resource_id=…``, the same with ``&station=12``, and
the maps' ``GET /api/issy/elections/carte?resource_id=…`` (the source
names its stations' contours, served beside its file).
Meanwhile harvest jobs rewrite the round's tables, one every
``--harvest-interval`` s (5; 0: back to back), far more often than results
come in on a real election night (a harvest a minute or so), since every
new version of the tables makes the figures be computed again, counted
towards the rate of wrk's one address: the bench's own ``issy_elections`` source
(kept between runs) downloads devstack/election_samples.py's file from a
fixed address on 127.0.0.4 whose content changes at each download, as the
city's does while results come in, so the view's cached figures are
computed again under load. The jobs run in this process, through Redis
queues of their own that a running ``make demo``'s consumers do not read.

    .venv/bin/python bench/load.py [--duration 60] [--connections 32] [--write-docs]

Per address: requests/s, p50 and p99 latency, errors (wrk's socket errors,
answers other than 2xx/3xx, 2xx answers without what they must show) and
timeouts (unanswered after 2 s); the jobs meanwhile and whether each
rewrote both tables; the figures computed meanwhile and those that mix two
files. Exits with 1 on an error, a timeout or mixed figures, or when no
job rewrote the tables during a run. Connects to 127.0.0.0/8 only.
"""
from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Before CKAN (importing it imports another top-level "tests" package).
from tests.support import harvest  # noqa: E402
from tests.support.http_server import Response, serve  # noqa: E402
from bench import harvesting, lighthouse, markers, wrk  # noqa: E402
from devstack import demo, election_samples, production, sample_data, siteconfig, station_samples  # noqa: E402
from devstack.settings import demo_port  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/load.py --write-docs: begin -->"
DOCS_END = "<!-- bench/load.py --write-docs: end -->"
WARM_UP = 10  # requests per address before wrk: every worker has answered it once
STATION = "12"
FEED_HOST, FILE_NAME = "127.0.0.4", "europeennes-2024-resultats-par-bureau.csv"
STATIONS_FILE = "contours-bureaux-de-vote.geojson"  # the round's places, for the maps' JSON
SEEDS = (1, 2)  # the feed's two contents, in turn: every job finds a changed file
QUEUE_DB = 15  # the bench's harvest queues: neither the demo's Redis database (0) nor a test slot's (1-14)
SOURCE = {
    "name": "elections-banc-de-charge", "title": "Résultats électoraux (banc de charge)",
    "notes": "Source de bench/load.py : un fichier d'exemple qui change à chaque moissonnage."
             + sample_data.SAMPLE_NOTE,
    "source_type": "issy_elections", "frequency": "MANUAL",
    "config": json.dumps({"format": "miom_b", "election": "2024_euro_t1", "title_suffix": " (banc de charge)",
                          "tags": ["élections", sample_data.SAMPLE_TAG]}, ensure_ascii=False),
}
# (name, query, what a 2xx answer must contain): the page, then the API (the results table's id).
ADDRESSES = (
    ("view page", "", 'data-role="city-results"'),
    ("view page, one station", f"?bureau={STATION}", 'data-role="station"'),
    ("API", "", '"success":true'),
    ("API, one station", f"&station={STATION}", '"station":{'),
    ("maps' JSON", "", '"features":[{'),
)
# The view page for visitors who have a session (a page of the portal seen
# before, or logged in): nginx keeps none of their answers, CKAN renders
# each. Measured to show what the kept page saves, not one of the targets.
WITH_SESSION = ("view page, visitor with a session", "", 'data-role="city-results"')
# --- what a run measured, the verdict and the table -----------------------------
@dataclass(frozen=True)
class Job:
    seconds: float
    errors: int  # gather and object errors of its report
    rewritten: bool  # both tables have a new version
    within: bool  # ended before wrk did


@dataclass(frozen=True)
class Measure:
    name: str
    path: str
    wrk: wrk.Result
    jobs: list[Job]
    computed: int  # the round's figures computed (new cache entries) during the run
    mixed: int  # of which from two different files (see consistent())
    target: bool = True  # False: measured, not held to the targets


def missed(measures: list[Measure]) -> list[str]:
    """The targets missed: an error or a timeout, or no job that rewrote the tables during a run."""
    found = []
    for m in (m for m in measures if m.target):
        if m.wrk.errors:
            found.append(f"{m.name}: {m.wrk.errors} errors ({_error_parts(m.wrk)}), {m.wrk.timeouts} timeouts")
        if not any(job.rewritten and not job.errors for job in m.jobs):
            found.append(f"{m.name}: no harvest job rewrote the tables during the run")
        if m.mixed:
            found.append(f"{m.name}: {m.mixed} of the {m.computed} figures computed mixed two files "
                         "(the lists' votes are not the votes cast)")
    return found


def consistent(figures: dict[str, Any]) -> bool:
    """Whether the round's figures (views/elections/figures.py) come from one
    file: the lists' votes add up to the votes cast. A harvest commits the
    turnout table before the results table; the view keeps such a pair of
    versions as ``{"mixed": true}`` and never shows it."""
    if figures.get("mixed"):
        return True
    cast = sum(station["exprimes"] or 0 for station in figures["stations"].values())
    return cast == sum(sum(by_station.values()) for by_station in figures["votes"].values())


def _error_parts(result: wrk.Result) -> str:
    socket = ", ".join(f"{name} {n}" for name, n in result.socket.items())
    return f"socket {socket}; non-2xx/3xx {result.non_2xx_3xx}; 2xx without the content {result.without_marker}"


def _jobs(jobs: list[Job]) -> str:
    if not jobs:
        return "none"
    times = sorted(job.seconds for job in jobs)
    return (f"{len(jobs)} ({sum(job.within for job in jobs)} ended within it), "
            f"{sum(job.rewritten and not job.errors for job in jobs)} rewrote both tables; "
            f"{times[0]:.1f}–{times[-1]:.1f} s each")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _statuses(result: wrk.Result) -> str:
    return ", ".join(f"{code}: {n:,}" for code, n in sorted(result.statuses.items()))


def _kept(result: wrk.Result) -> str:
    if not result.cache or set(result.cache) == {"none"}:
        return "none kept by nginx"
    return "nginx's X-Cache-Status: " + ", ".join(f"{name} {n:,}" for name, n in sorted(result.cache.items()))


def _shown(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "…", path)  # a resource's id


def markdown(measures: list[Measure], setting: dict[str, str]) -> str:
    rows = "\n".join(
        f"| {m.name}{'' if m.target else ' (not a target)'} `{_shown(m.path)}` | {m.wrk.per_second:,.1f} | {_ms(m.wrk.p50)} | {_ms(m.wrk.p99)} | "
        f"{m.wrk.errors} | {m.wrk.timeouts} | {_statuses(m.wrk)} | {_jobs(m.jobs)} | {m.computed} ({m.mixed} mixed) |"
        for m in measures)
    details = "\n".join(f"- {m.name}: {m.wrk.requests:,} answers in {m.wrk.seconds:.1f} s ({_kept(m.wrk)}); "
                        f"errors: {_error_parts(m.wrk)}" for m in measures)
    failing = [m.name for m in measures if missed([m])]
    verdict = "met" if not failing else "NOT MET (" + "; ".join(failing) + ")"
    return f"""`bench/load.py --write-docs` — {setting['date']}, CKAN {setting['ckan']}, \
Python {platform.python_version()}, {setting['wrk']}, {os.cpu_count()} cores; gunicorn {setting['workers']} \
behind nginx; {setting['connections']} connections ({wrk.THREADS} threads) for {setting['duration']} s per address; \
harvest jobs {setting['harvests']}; load average (1, 5, 15 min) {setting['load_before']} before, \
{setting['load_after']} after.

| address | requests/s | p50 | p99 | errors | timeouts | answers | harvest jobs during the run | figures computed |
|---|---:|---:|---:|---:|---:|---|---|---:|
{rows}

{details}
- target: 0 errors and 0 timeouts on each address (but the one marked "not a target"), and figures from \
one file, while harvest jobs rewrite the tables: {verdict}"""


def write_docs(text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, DOCS_BEGIN, DOCS_END, text)


# --- the site and its harvest ---------------------------------------------------
@contextmanager
def election_feed() -> Iterator[str]:
    """The source's file at a fixed address, its content changing at each download."""
    contents = itertools.cycle([election_samples.europeennes_2024_format_b(seed) for seed in SEEDS])
    places = station_samples.contours()
    with serve({f"/{FILE_NAME}": lambda _query: Response(next(contents)),
                f"/{STATIONS_FILE}": lambda _query: Response(places)}, host=FEED_HOST) as server:
        yield f"{server.url}/{FILE_NAME}"


def bench_server(feed_url: str) -> production.WebServer:
    """The demo's site (its ini copied), the feed allowed, harvest queues of its own."""
    server = lighthouse.bench_server("bench-load", siteconfig.PLUGINS)
    settings = siteconfig.current(server.ini)
    redis = urlsplit(settings["ckan.redis.url"])
    siteconfig.apply(server.ini, {
        "ckanext.issy.harvest.allowed_hosts": f"{settings['ckanext.issy.harvest.allowed_hosts']} "
                                              f"{urlsplit(feed_url).netloc}",
        "ckan.harvest.mq.hostname": redis.hostname or "", "ckan.harvest.mq.port": str(redis.port or 6379),
        "ckan.harvest.mq.redis_db": str(QUEUE_DB),
        # Behind nginx, the rate limit counts the visitor, not nginx (docs/production.md).
        "ckanext.issy.aggregate.proxy_count": "1",
    })
    return server


def guard(ini: Path) -> None:
    """The databases of ``ini`` for this process and gunicorn (a test slot's
    environment would override them), then 127.0.0.0/8 only."""
    settings = siteconfig.current(ini)
    for name, key in (("CKAN_SQLALCHEMY_URL", "sqlalchemy.url"), ("CKAN_REDIS_URL", "ckan.redis.url"),
                      ("CKAN_DATASTORE_WRITE_URL", "ckan.datastore.write_url"),
                      ("CKAN_DATASTORE_READ_URL", "ckan.datastore.read_url")):
        os.environ[name] = settings[key]
    harvesting.allow_only_loopback("bench/load.py")


def _action(action: str, user: str, /, **data: Any) -> Any:
    import ckan.plugins.toolkit as tk

    return tk.get_action(action)({"user": user}, data)


def ensure_source(user: str, feed_url: str) -> str:
    """The bench's source at this run's feed address (another port each time); its id."""
    import ckan.plugins.toolkit as tk

    config = {**json.loads(SOURCE["config"]), "stations_url": f"{feed_url.rsplit('/', 1)[0]}/{STATIONS_FILE}"}
    wanted = {**SOURCE, "url": feed_url, "owner_org": sample_data.ORGANIZATION["name"],
              "config": json.dumps(config, ensure_ascii=False)}
    try:
        source = _action("harvest_source_show", user, id=SOURCE["name"])
    except tk.ObjectNotFound:
        return _action("harvest_source_create", user, **wanted)["id"]
    if source["url"] != feed_url:  # harvest_source_patch fails on a source's extras
        _action("harvest_source_update", user, **wanted, id=source["id"])
    for unfinished in _action("harvest_job_list", user, source_id=source["id"], status="Running"):
        _action("harvest_job_abort", user, id=unfinished["id"])  # left by an interrupted run
    return source["id"]


def round_tables(user: str, source_id: str) -> dict[str, str]:
    """The source's dataset: its name, its turnout and results tables."""
    found = _action("package_search", user, fq=f'harvest_source_id:"{source_id}"', rows=2)["results"]
    if len(found) != 1:
        raise SystemExit(f"FAILED: the bench's source has {len(found)} datasets, not 1")
    roles = {r.get("issy_role"): r["id"] for r in found[0]["resources"] if r.get("datastore_active")}
    return {"name": found[0]["name"], "turnout": roles["turnout"], "results": roles["results"]}


def ensure_view(user: str, resource_id: str) -> None:
    """The election results first among the table's views: the page shows
    the first (a table harvested before the view existed has none)."""
    views = [(v["id"], v["view_type"]) for v in _action("resource_view_list", user, id=resource_id)]
    ours = next((id_ for id_, kind in views if kind == "issy_elections_view"), None) or _action(
        "resource_view_create", user, resource_id=resource_id, view_type="issy_elections_view", title="Résultats")["id"]
    order = [ours, *(id_ for id_, _kind in views if id_ != ours)]
    if [id_ for id_, _kind in views] != order:
        _action("resource_view_reorder", user, id=resource_id, order=order)


def _versions(tables: dict[str, str]) -> list[int | None]:
    from ckanext.issy.aggregate import action as aggregate_action

    versions = []
    for role in ("turnout", "results"):
        with aggregate_action.table(tables[role]) as (_connection, _columns, version):
            versions.append(version)
    return versions


def harvest_once(user: str, source_id: str) -> str:
    """One job through the bench's queues, as the consumers run it; its id.
    Only this source's jobs are checked for their end: the site-wide check
    would also start the demo's scheduled sources, into these queues."""
    from ckanext.harvest import queue

    job = _action("harvest_job_create", user, source_id=source_id)
    harvest.gather()
    harvest.drain(queue.get_fetch_consumer(), queue.fetch_callback)
    _action("harvest_jobs_run", user, source_id=source_id)
    return job["id"]


def run_job(user: str, source_id: str, tables: dict[str, str], ends: float) -> Job:
    """One job, timed, and whether it rewrote both tables."""
    before, start = _versions(tables), time.monotonic()
    job_id = harvest_once(user, source_id)
    seconds = time.monotonic() - start
    report = harvest.report(job_id, user)
    return Job(seconds, len(report["gather_errors"]) + len(report["object_errors"]),
               all(a != b for a, b in zip(_versions(tables), before)), start + seconds <= ends)


def _cached(results_id: str) -> set[Any]:
    """The keys of the round's figures in the cache, one per version of its tables (figures.py)."""
    from ckan.lib.redis import connect_to_redis

    found = connect_to_redis().scan_iter(match=f"issy:elections:result:{results_id}:*")
    return {key for key in found if not key.endswith(b":computing")}  # a computation's lock (aggregate/cache.py)


def _figures(key: Any) -> dict[str, Any]:
    from ckan.lib.redis import connect_to_redis

    return json.loads(connect_to_redis().get(key))


# --- the runs -------------------------------------------------------------------
def _check(url: str, marker: str) -> None:
    """The address answers what it must (an error status raises), then warms up."""
    with urllib.request.urlopen(url, timeout=60) as answer:
        if marker not in answer.read().decode():
            raise SystemExit(f"FAILED: before the load, {url} answers without {marker!r}")
    for _ in range(WARM_UP):
        lighthouse.request_seconds(url)


def session_cookie(base: str) -> str:
    """The session a visitor gets from a page of the portal (``ckan=...``)."""
    with urllib.request.urlopen(base + "/dataset/", timeout=60) as answer:
        cookie = answer.headers["Set-Cookie"].split(";")[0]
    if not cookie.startswith("ckan="):
        raise SystemExit(f"FAILED: /dataset/ gives no CKAN session but {cookie!r}")
    return cookie


def load(url: str, marker: str, options: argparse.Namespace, script: Path,
         user: str, source_id: str, tables: dict[str, str], cookie: str = "") -> tuple[wrk.Result, list[Job]]:
    """wrk on ``url`` (with the session ``cookie`` if given) while harvest
    jobs run (back to back, or one every ``harvest_interval`` s)."""
    _check(url, marker)
    running = wrk.start(url, marker, script, connections=options.connections,
                        seconds=options.duration, cookie=cookie)
    next_job = time.monotonic()
    ends = next_job + options.duration
    jobs = []
    while True:
        try:
            running.wait(timeout=max(0.0, next_job - time.monotonic()))
            break
        except subprocess.TimeoutExpired:
            next_job = time.monotonic() + options.harvest_interval
            jobs.append(run_job(user, source_id, tables, ends))
    return wrk.parse(running.communicate()[0]), jobs


def measure(base: str, feed_url: str, options: argparse.Namespace) -> list[Measure]:
    """Within CKAN (this process): the source harvested if it has no dataset yet, then each address loaded."""
    import ckan.plugins.toolkit as tk
    from ckanext.harvest import queue

    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    queue.purge_queues()  # the bench's own queues: what an interrupted run left there
    source_id = ensure_source(user, feed_url)
    harvest_once(user, source_id)  # the round as this run's source publishes it (with its places)
    tables = round_tables(user, source_id)
    ensure_view(user, tables["results"])
    page = f"/dataset/{tables['name']}/resource/{tables['results']}"
    api = f"/api/issy/elections?resource_id={tables['results']}"
    places = f"/api/issy/elections/carte?resource_id={tables['results']}"
    measures = []
    with tempfile.TemporaryDirectory(prefix="issy-load-") as directory:
        script = Path(directory) / "load.lua"
        script.write_text(wrk.SCRIPT)
        runs = [(*address, path, "") for address, path in zip(ADDRESSES, (page, page, api, api, places))]
        for name, query, marker, path, cookie in [*runs, (*WITH_SESSION, page, session_cookie(base))]:
            cached = _cached(tables["results"])
            result, jobs = load(base + path + query, marker, options, script, user, source_id, tables, cookie)
            computed = [_figures(key) for key in _cached(tables["results"]) - cached]
            measures.append(Measure(name, path + query, result, jobs, len(computed),
                                    sum(not consistent(figures) for figures in computed), target=not cookie))
            print(f"{name}: {result.per_second:.1f} requests/s, p99 {_ms(result.p99)}, {result.errors} errors "
                  f"({_error_parts(result)}; statuses {_statuses(result)}; {_kept(result)}); harvest jobs: {_jobs(jobs)}; "
                  f"figures computed {len(computed)}, {measures[-1].mixed} mixing two files", flush=True)
    return measures


def run(options: argparse.Namespace) -> tuple[list[Measure], dict[str, str]]:
    wrk.check_installed()
    workers = options.workers or 2 * (os.cpu_count() or 1) + 1  # deploy/gunicorn.conf.py's
    setting = {"date": datetime.date.today().isoformat(), "ckan": lighthouse.ckan_version(), "wrk": wrk.version(),
               "connections": str(options.connections), "duration": str(options.duration),
               "harvests": f"every {options.harvest_interval:g} s" if options.harvest_interval else "back to back",
               "load_before": lighthouse.load_average()}
    stack, _secrets = demo.prepare(demo_port())
    try:
        with election_feed() as feed_url:
            server = bench_server(feed_url)
            guard(server.ini)  # the site is on production.DEMO_HOST, 127.0.0.1
            with production.running(server, workers=workers):
                measures = sample_data.in_ckan(server.ini, lambda: measure(server.url, feed_url, options))
    finally:
        stack.release()
    # deploy/'s max_requests: a worker replaced loads CKAN again, under the load.
    started = (server.directory / "gunicorn.log").read_text().count("Booting worker")
    workers_text = f"{workers} workers ({started - workers} replaced during the runs)"
    return measures, {**setting, "workers": workers_text, "load_after": lighthouse.load_average()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of wrk per address")
    parser.add_argument("--connections", type=int, default=32, help="wrk's open connections")
    parser.add_argument("--harvest-interval", type=float, default=5.0,
                        help="seconds from a job's start to the next one's (0: back to back)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/'s, 2 x cores + 1)")
    parser.add_argument("--write-docs", action="store_true", help="write the results into docs/performance.md")
    options = parser.parse_args()
    measures, setting = run(options)
    text = markdown(measures, setting)
    print(text)
    if options.write_docs:
        write_docs(text)
    problems = missed(measures)
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
