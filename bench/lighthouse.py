"""Benchmark of the theme (docs/performance.md, "Theme").

Serves the demo's portal (``make demo``'s databases and sample data) as in
production, nginx in front of gunicorn (devstack/production.py, deploy/'s
workers), twice: with ``issy_theme`` and without it (CKAN's own templates,
``issy_search`` on; same databases). With ``--datasets N``, the portal is a
copy of the demo's site holding N more datasets of bench/catalogue.py, the
search benchmark's generator (bench/catalogue_site.py; kept between runs).
Then:

1. runs Lighthouse (npm, with Debian's Chromium) ``--runs`` times in mobile
   mode (its default device and simulated throttling) on the home page, the
   search page, a search for "budget", the page of the budget the demo's
   sample harvest publishes, the resource page of its DataStore table
   (whose first view is the financial report, ``issy_budget_view``), the
   Créer page drawing a bar chart of that table from a permalink and, at
   catalogue scale, a publisher's page of several pages of results, on the
   themed portal, and takes the median of each category's score;
2. times ``--requests`` sequential requests (full answer, after a warm-up)
   of the first four on both portals, interleaved, and compares their 95th
   percentiles (at most 1.2 times CKAN's; the home page under 60 ms);
3. at catalogue scale, loads each of those four with wrk (2 threads, 16
   connections, 30 s): no error and no timeout.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--requests 60] [--datasets 20000 [--fresh]] [--write-docs]

Exits with 1 when a target is missed. Reports (JSON and HTML) go to
test-artifacts/lighthouse/. Everything runs on 127.0.0.1: Chromium resolves
no other host name and every page is checked to make no request elsewhere.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import catalogue, catalogue_site, wrk  # noqa: E402
from devstack import demo, production, siteconfig  # noqa: E402
from devstack.settings import demo_port  # noqa: E402

REPORTS = ROOT / "test-artifacts" / "lighthouse"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Any host name but the loopback address fails to resolve: nothing leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MAX_HOME_SECONDS = 0.060  # the home page's server time, p95
# wrk at catalogue scale (issue #30): 2 threads, 16 connections, 30 s per page.
LOAD_CONNECTIONS, LOAD_SECONDS = 16, 30
TARGETS = {"performance": 0.90, "accessibility": 1.00, "best-practices": 0.95, "seo": 0.95}
MAX_TIME_RATIO = 1.2
# Requests of a page before it is scored or timed: deploy/'s 2 × cores + 1
# workers (5 here) each render it once, almost surely, before the
# measure (with 5, a worker's first rendering was often among the p95).
WARM_UP = 20
DOCS = ROOT / "docs" / "performance.md"


@dataclasses.dataclass(frozen=True)
class PageScores:
    path: str
    medians: dict[str, float]
    runs: list[dict[str, float]]
    # Lighthouse's own measure of the CPU's speed during each run (a quiet
    # desktop scores 1,500-2,000; lower means a busy or slow machine).
    cpu_indexes: list[float]


def _site_ini(name: str, port: int, plugins: str, site: Path) -> Path:
    """A copy of the site's ini (the demo's, or the demo's at catalogue
    scale) for one bench server: same databases."""
    ini = production.RUN / f"{name}.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(site, ini)
    siteconfig.apply(ini, {"ckan.site_url": f"http://127.0.0.1:{port}", "ckan.plugins": plugins})
    return ini


def bench_server(name: str, plugins: str, site: Path = demo.INI) -> production.WebServer:
    port = production.free_port()
    return production.WebServer(name, _site_ini(name, port, plugins, site), port, production.free_port())


def _lighthouse(url: str, output: Path) -> dict:
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--no-enable-error-reporting",
         f"--only-categories={','.join(CATEGORIES)}", "--output=json", "--output=html",
         f"--output-path={output}", f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
        check=True, env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, text=True,
    )
    return json.loads(output.with_suffix(".report.json").read_text())


def _foreign_requests(report: dict, base: str) -> list[str]:
    items = report["audits"]["network-requests"]["details"]["items"]
    return [item["url"] for item in items if not item["url"].startswith((base, "data:", "blob:"))]


def score_page(base: str, path: str, runs: int, directory: Path) -> PageScores:
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"  # "/dataset?q=budget": dataset-q-budget
    for _ in range(WARM_UP):  # every worker has rendered the page once: no cold start is scored
        request_seconds(base + path)
    scores, cpu_indexes = [], []
    for run in range(1, runs + 1):
        report = _lighthouse(base + path, directory / f"{name}-{run}")
        foreign = _foreign_requests(report, base)
        if foreign:
            raise SystemExit(f"{path} requests other hosts: {foreign}")
        scores.append({c: report["categories"][c]["score"] for c in CATEGORIES})
        cpu_indexes.append(report["environment"]["benchmarkIndex"])
    medians = {c: statistics.median(s[c] for s in scores) for c in CATEGORIES}
    return PageScores(path, medians, scores, cpu_indexes)


def request_seconds(url: str) -> float:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        answer.read()
    return time.perf_counter() - start


@dataclasses.dataclass(frozen=True)
class ServerTime:
    median: float  # seconds
    p95: float


def server_times(bases: dict[str, str], path: str, requests: int) -> dict[str, ServerTime]:
    """Median and 95th percentile of each server's seconds, requests
    interleaved so that both see the same load."""
    for base in bases.values():
        for _ in range(WARM_UP):
            request_seconds(base + path)
    times: dict[str, list[float]] = {name: [] for name in bases}
    for _ in range(requests):
        for name, base in bases.items():
            times[name].append(request_seconds(base + path))
    return {name: ServerTime(statistics.median(values), statistics.quantiles(values, n=20)[-1])
            for name, values in times.items()}


def _api(base: str, action: str, **params: str) -> dict:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}/api/3/action/{action}?{query}", timeout=60) as answer:
        return json.load(answer)["result"]


# The demo's harvested budget (devstack/sample_data.py, FINANCE_SOURCE) and
# the chart the Créer page draws of it: the 10 largest chapters by amount voted.
TABLE_DATASET = "budget-primitif-2024-exemple"
CHART = {"type": "bar", "x": "BGT_CONTNAT_LABEL", "y": "sum:BGT_MTPREV", "limit": "10",
         "sort": "measure_desc", "unit": "€"}


BUDGET_VIEW = "issy_budget_view"


def table_pages(base: str) -> list[str]:
    """The page of the demo's harvested budget, the resource page of its
    DataStore table (its first view: the financial report) and the Créer
    page's permalink of a bar chart of that table."""
    try:
        dataset = _api(base, "package_show", id=TABLE_DATASET)
    except urllib.error.HTTPError:
        raise SystemExit(f"The demo has no dataset {TABLE_DATASET} yet: run `make demo` once, "
                         "until its sample harvests have published.") from None
    table = next(r["id"] for r in dataset["resources"] if r.get("datastore_active"))
    views = _api(base, "resource_view_list", id=table)
    if not views or views[0]["view_type"] != BUDGET_VIEW:
        raise SystemExit(f"The table of {TABLE_DATASET} does not show the financial report first "
                         f"(its views: {[view['view_type'] for view in views]}): the demo's "
                         f"ckan.views.default_views starts with {BUDGET_VIEW}; harvest the budget again.")
    return [f"/dataset/{TABLE_DATASET}", f"/dataset/{TABLE_DATASET}/resource/{table}",
            "/creer?" + urllib.parse.urlencode({"resource_id": table, **CHART})]


def _shown(path: str) -> str:
    """A page's path for the tables: a resource's id as "…", a long query
    (the Créer page's permalink) left out."""
    if len(path) > 40:
        path = path.split("?")[0]
    head, found, _resource_id = path.partition("/resource/")
    return f"{head}/resource/…" if found else path


@dataclasses.dataclass(frozen=True)
class Run:
    """What one run of the bench measured."""
    datasets: int  # added to the demo's (0: the demo as it is)
    pages: list[PageScores]
    times: dict[str, dict[str, ServerTime]]  # path: {"on": theme, "off": CKAN's templates}
    load: dict[str, wrk.Result]  # path: wrk on the themed portal (at catalogue scale only)
    loads: tuple[str, str]  # load averages before and after


def missed(result: Run) -> list[str]:
    found = [f"{page.path} {c} {page.medians[c]:.2f} < {TARGETS[c]:.2f}"
             for page in result.pages for c in CATEGORIES if page.medians[c] < TARGETS[c]]
    for path, times in result.times.items():
        ratio = times["on"].p95 / times["off"].p95
        if ratio > MAX_TIME_RATIO:
            found.append(f"{path} server time p95 ratio {ratio:.2f} > {MAX_TIME_RATIO}")
    if "/" in result.times and result.times["/"]["on"].p95 > MAX_HOME_SECONDS:
        found.append(f"/ server time p95 {result.times['/']['on'].p95 * 1000:.0f} ms "
                     f"> {MAX_HOME_SECONDS * 1000:.0f} ms")
    found += [f"{path} under wrk: {answer.errors} errors, {answer.timeouts} timeouts"
              for path, answer in result.load.items() if answer.errors or answer.timeouts]
    return found


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def markdown(result: Run, runs: int, requests: int) -> str:
    """The measured part of docs/performance.md's "Theme" section for this
    catalogue size (between its markers)."""
    scores = "\n".join(
        f"| `{_shown(page.path)}` | " + " | ".join(f"{page.medians[c]:.2f}" for c in CATEGORIES)
        + f" | {_spread(page)} | {statistics.median(page.cpu_indexes):.0f} |"
        for page in result.pages
    )
    timing = "\n".join(
        f"| `{path}` | {_ms(t['on'].median)} | {_ms(t['on'].p95)} | {_ms(t['off'].median)} | "
        f"{_ms(t['off'].p95)} | {t['on'].p95 / t['off'].p95:.2f} |"
        for path, t in result.times.items()
    )
    load = "\n".join(
        f"| `{path}` | {answer.per_second:,.1f} | {_ms(answer.p50)} | {_ms(answer.p99)} | "
        f"{answer.errors} | {answer.timeouts} |"
        for path, answer in result.load.items()
    )
    catalogue = (f"the demo's datasets and {result.datasets:,} of `bench/catalogue.py`"
                 if result.datasets else "the demo's datasets")
    command = f" --datasets {result.datasets}" if result.datasets else ""
    text = f"""`bench/lighthouse.py{command} --write-docs`: {catalogue};
{datetime.date.today().isoformat()}, CKAN {ckan_version()}, Python {platform.python_version()}, \
{os.cpu_count()} cores; load average (1, 5, 15 min) {result.loads[0]} before and {result.loads[1]} after.
Lighthouse {_lighthouse_version()}, {runs} runs per page; server time over {requests} requests.

| page | performance | accessibility | best practices | SEO | performance, each run | CPU index |
|---|---|---|---|---|---|---|
{scores}
| **target** | ≥ 0.90 | 1.00 | ≥ 0.95 | ≥ 0.95 | | |

| page | theme: median | theme: p95 | without the theme: median | without: p95 | p95 ratio (target ≤ {MAX_TIME_RATIO}) |
|---|---|---|---|---|---|
{timing}
"""
    if load:
        text += f"""
wrk ({wrk.version()}) on the themed portal, {wrk.THREADS} threads, {LOAD_CONNECTIONS} connections,
{LOAD_SECONDS} s per page, timeout {wrk.TIMEOUT} s:

| page | requests/s | p50 | p99 | errors | timeouts |
|---|---|---|---|---|---|
{load}
"""
    return text


def _spread(page: PageScores) -> str:
    return ", ".join(f"{run['performance']:.2f}" for run in page.runs)


def _lighthouse_version() -> str:
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"]


def ckan_version() -> str:
    import ckan

    return ckan.__version__


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _markers(datasets: int) -> tuple[str, str]:
    label = f"{datasets} datasets" if datasets else "demo"
    return (f"<!-- bench/lighthouse.py {label}: begin -->", f"<!-- bench/lighthouse.py {label}: end -->")


def write_docs(text: str, datasets: int) -> None:
    """Replace the figures between this catalogue size's markers in docs/performance.md."""
    begin, end = _markers(datasets)
    document = DOCS.read_text()
    start, stop = document.find(begin), document.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"{DOCS.relative_to(ROOT)} has no {begin} … {end}: add them where the figures go")
    DOCS.write_text(document[:start + len(begin)] + "\n" + text + document[stop:])


def pages(themed: str, datasets: int) -> list[str]:
    """The pages scored: the home page, the search pages, the demo's
    budget, its table's resource page and a chart of it; at catalogue
    scale, a publisher's page of several pages of results too."""
    return ["/", "/dataset", "/dataset?q=budget", *table_pages(themed),
            *([f"/organization/{catalogue.organization_name('finances')}"] if datasets else [])]


def run(runs: int, requests: int, datasets: int, fresh: bool) -> Run:
    load_before = load_average()
    stack, _secrets = demo.prepare(demo_port())
    try:
        site = catalogue_site.prepare(stack.pg_admin_url, datasets, fresh=fresh) if datasets else demo.INI
        plugins = siteconfig.PLUGINS.split()
        themed = bench_server("bench-theme", " ".join(plugins), site)
        plain = bench_server("bench-no-theme", " ".join(p for p in plugins if p != "issy_theme"), site)
        directory = REPORTS / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        directory.mkdir(parents=True)
        with ExitStack() as servers:
            for server in (themed, plain):
                servers.enter_context(production.running(server))  # deploy/'s workers
            paths = pages(themed.url, datasets)
            scores = [score_page(themed.url, path, runs, directory) for path in paths]
            bases = {"on": themed.url, "off": plain.url}
            timed = paths[:4]  # home, search, a search for a word, a dataset
            times = {path: server_times(bases, path, requests) for path in timed}
            load = {path: wrk.run(themed.url + path, "</html>", connections=LOAD_CONNECTIONS,
                                  seconds=LOAD_SECONDS) for path in timed} if datasets else {}
    finally:
        stack.release()
    result = Run(datasets, scores, times, load, (load_before, load_average()))
    (directory / "summary.json").write_text(json.dumps(dataclasses.asdict(result), indent=2))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page and server")
    parser.add_argument("--datasets", type=int, default=0,
                        help="datasets of bench/catalogue.py added to a copy of the demo's site (0: the demo)")
    parser.add_argument("--fresh", action="store_true", help="make the copy at catalogue scale again")
    parser.add_argument("--write-docs", action="store_true", help="write the results into docs/performance.md")
    args = parser.parse_args()
    if args.datasets:
        wrk.check_installed()
    result = run(args.runs, args.requests, args.datasets, args.fresh)
    text = markdown(result, args.runs, args.requests)
    print(text)
    if args.write_docs:
        write_docs(text, args.datasets)
    failures = missed(result)
    for line in failures:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
