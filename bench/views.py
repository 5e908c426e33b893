"""Benchmark of the financial report view (issue 25; docs/performance.md,
"Financial report view").

In one process with CKAN loaded from test.ini (the slot's databases, every
plugin of the test site, logging at WARNING as on a site), served on
127.0.0.1 by werkzeug's threaded server:

1. **the budgets**: two public datasets of a budget primitif 2024 of the
   city, as the finance harvester publishes one (the extras
   ``scdl_document``, ``scdl_siret``, ``temporal_start``/``temporal_end``
   and ``budget_nomenclature``, M14), each with a resource of
   ``issy_role`` "data" whose DataStore table has the SCDL columns typed as
   the harvester types them (``finance_formats.scdl.SCDL_COLUMNS``), loaded
   by ``ckanext.issy.harvesters.core.datastore.load``, and the
   ``issy_budget_view`` ("Rapport financier") as its view:
   ``devstack.scdl_samples.rows("budget primitif", 2024)``, the sample
   budget of the demo (700 lines), and the same with ``--lines`` lines
   (20,000). ``--reuse`` keeps the tables of an earlier run.
2. **the report**: the resource page of each (its first view is the
   report), opened ``--runs`` times in Debian's Chromium (headless,
   Playwright, 1280 × 900), each time in a fresh browser context (an
   empty cache, as a first visit), and as many times with the CPU slowed
   down 4 times (Chromium's throttling, as Lighthouse's mobile mode does);
   the two budgets in turn. Half the runs of each find the report's
   figures in the cache (Redis) and half do not (the report's entries and
   its aggregations' deleted first, untimed: the first visitor after a
   harvest computes them).
3. **measures**: the time from the navigation's start until the key
   figures are visible: the total of real expenses, written by the server
   as ``h.issy_euros`` writes it ("12 345 678 €", the action
   ``issy_budget``'s ``totals.expense.real``), rendered with a box and
   painted (checked on each animation frame, taken in the page with
   ``performance.now()``; the first contentful paint when it is in it);
   the time until every treemap is drawn (budget.js draws each when it
   comes near the screen and sets its ``data-state="drawn"``: the probe
   scrolls to each in turn as soon as the key figures are shown, as a
   reader going down the page); the main thread's long tasks (over 50 ms: the
   longest, and the total beyond 50 ms of each) from the first paint on;
   the bytes of each answer (its body as served, and gzipped at level 5 as
   nginx sends text: deploy/nginx/issy-ckan.conf), summed over the page's
   HTML, the view's own scripts and stylesheets (budget.js, budget.css,
   ECharts, format.js, the figures' shared stylesheet, the embed code's
   copy button) and the rest (CKAN's and the theme's assets); the report's
   JSON (``GET /api/issy/budget``, which the page does not fetch: its data
   is a JSON block of the HTML, measured too); and the server's time for
   the resource page (median of ``--requests`` requests, the report
   cached, and of a few with the report computed) and for the JSON.

Each run is checked: the total shown is the action's, every treemap drawn,
nothing in the console. Exit status 1 when a target of issue 25 is missed
(median time to the key figures visible over 1.5 s on the unthrottled CPU,
for either budget) or a run is wrong.

    ISSY_TEST_SLOT=5 make test ARGS='tests/test_platform.py -q'   # creates slot 5's databases
    set -a; . .dev/test-2.12-s5.env; set +a
    .venv/bin/python bench/views.py [--lines 20000] [--runs 5] [--requests 20] [--reuse] [--write-docs]

It refuses any database but an ``issy_test_*`` one on 127.0.0.0/8, registers
as a user of the private PostgreSQL and Redis as a test run does
(``devstack.services.bring_up``), connects only to 127.0.0.0/8
(``harvesting.allow_only_loopback``) and Chromium resolves no other host.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import browser, markers  # noqa: E402 (the checkout is on sys.path now)

DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/views.py --write-docs: begin -->"
DOCS_END = "<!-- bench/views.py --write-docs: end -->"
LINES = 20_000
RUNS = 5
REQUESTS = 20
COLD_REQUESTS = 5  # the report computed each time: fewer
WARM_UP = 3
# Issue 25's target.
TARGET_SECONDS = 1.5
ORGANIZATION = "bench-budget"
STAGE, YEAR, NOMENCLATURE = "budget primitif", 2024, "M14"
VIEW_TYPE, VIEW_TITLE = "issy_budget_view", "Rapport financier"
Row = dict[str, Any]


# --- the budgets ---------------------------------------------------------------------------------
def generate(lines: Optional[int]) -> list[Row]:
    """The budget primitif 2024 of devstack/scdl_samples.py: the demo's
    sample (one line per nature and function) when ``lines`` is None, else
    exactly ``lines`` lines."""
    from devstack import scdl_samples

    return scdl_samples.rows(STAGE, YEAR, lines=lines, nomenclature=NOMENCLATURE)


def cell(value: Any) -> Optional[str]:
    """A line's value as COPY's text, as the harvester reads the file
    (devstack/scdl_samples.py writes amounts with two decimals): an empty
    cell is NULL."""
    if value == "" or value is None:
        return None
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def columns() -> list[tuple[str, str, str, str]]:
    """The SCDL columns as the finance harvester types them."""
    from ckanext.issy.harvesters.finance_formats.scdl import SCDL_COLUMNS

    return [(column.id, column.type, column.label, column.description) for column in SCDL_COLUMNS]


def as_text(rows: list[Row]) -> list[list[Optional[str]]]:
    """The lines as COPY's text cells in the table's column order (datastore.load's fast path)."""
    names = [column[0] for column in columns()]
    return [[cell(row.get(name, "")) for name in names] for row in rows]


def voted(rows: list[Row]) -> Decimal:
    """The sum of the amounts voted (BGT_MTPREV), as the table sums them."""
    return sum((Decimal(cell(row["BGT_MTPREV"]) or 0) for row in rows), Decimal(0))


def _grouped(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")


def dataset_name(rows: list[Row]) -> str:
    return f"bench-budget-primitif-{YEAR}-{len(rows)}"


def dataset_title(rows: list[Row]) -> str:
    return f"Budget primitif {YEAR} (banc d'essai, {_grouped(len(rows))} lignes)"


def extras() -> dict[str, str]:
    """The extras the finance harvester gives a budget document's dataset
    (those the report reads, and its period)."""
    from devstack import scdl_samples

    return {"scdl_document": STAGE, "scdl_siret": scdl_samples.SIRET, "temporal_start": f"{YEAR}-01-01",
            "temporal_end": f"{YEAR}-12-31", "budget_nomenclature": NOMENCLATURE}


def prepare_budget(rows: list[Row], reuse: bool) -> tuple[str, Optional[float]]:
    """The resource whose table holds ``rows``, with the report as its view,
    and the seconds its load took (None when ``reuse`` kept an earlier
    run's table)."""
    from bench import loading

    resource_id, seconds = loading.prepare_table(
        dataset_name(rows), organization=ORGANIZATION, organization_title="Direction des finances",
        title=dataset_title(rows), resource_name="Données (CSV normalisé, SCDL)",
        resource_url="http://127.0.0.1/budget-primitif-2024.csv", columns=columns(),
        text=lambda: as_text(rows), reuse=reuse, extras=extras(), resource_fields={"issy_role": "data"},
        holds=lambda resource_id: loading.table_holds(resource_id, len(rows), "BGT_MTPREV", voted(rows)))
    ensure_view(resource_id)
    return resource_id, seconds


def ensure_view(resource_id: str) -> None:
    """The report as the resource's first view (the resource page's)."""
    import ckan.plugins.toolkit as tk
    from bench import loading

    context = {"user": loading.site_user(), "ignore_auth": True}
    views = tk.get_action("resource_view_list")(dict(context), {"id": resource_id})
    if views and views[0]["view_type"] == VIEW_TYPE:
        return
    for view in views:
        tk.get_action("resource_view_delete")(dict(context), {"id": view["id"]})
    tk.get_action("resource_view_create")(dict(context), {
        "resource_id": resource_id, "view_type": VIEW_TYPE, "title": VIEW_TITLE})


def page_path(rows: list[Row], resource_id: str) -> str:
    """The resource page, whose first view is the report."""
    return f"/dataset/{dataset_name(rows)}/resource/{resource_id}"


def report_of(resource_id: str) -> dict[str, Any]:
    """The action ``issy_budget``'s answer, as an anonymous visitor gets it."""
    import ckan.plugins.toolkit as tk

    return tk.get_action("issy_budget")({"user": ""}, {"resource_id": resource_id})


def euros(amount: float) -> str:
    """An amount as the page writes it (``h.issy_euros``; test.ini's
    default locale, French: "12 345 678 €")."""
    from ckanext.issy.views.formatting import issy_euros

    return issy_euros(amount)


def forget(resource_id: str) -> None:
    """The report's cached figures, and its aggregations', deleted from Redis."""
    from bench import loading

    for kind in ("budget", "aggregate"):
        loading.forget(kind, resource_id)


@dataclasses.dataclass(frozen=True)
class Budget:
    label: str  # "sample", or the lines
    lines: int
    resource_id: str
    path: str  # the resource page
    expected: str  # the total of real expenses as the page writes it
    trees: int  # the treemaps of the report
    loading: Optional[float]  # seconds of datastore.load; None: kept from an earlier run


# --- bytes ------------------------------------------------------------------------------------
PARTS = ("html", "view", "page")


def part_of(url: str) -> str:
    """Which part of the page an answer is: its HTML, the report's own
    scripts and stylesheets (budget.js and budget.css, ECharts, format.js
    and the figures' shared stylesheet, the embed code's copy button), the
    report's JSON if the page asks for it, or the rest of the page (CKAN's
    and the theme's assets)."""
    path = urlsplit(url).path
    if path.startswith("/api/issy/budget"):
        return "report"
    if path.startswith("/dataset/") and "/resource/" in path:
        return "html"
    if "/webassets/" in path:
        asset = path.split("/webassets/", 1)[1]
        name = asset.rsplit("/", 1)[-1]
        if (asset.startswith(("issy_budget/", "issy_chart/")) or "echarts" in name
                or (asset.startswith("issy_theme/") and name.endswith("_copy.js"))):
            return "view"
    return "page"


class Answer(browser.Answer):
    @property
    def part(self) -> str:
        return part_of(self.url)


def totals(answers: list[Answer]) -> dict[str, tuple[int, int]]:
    return browser.totals(answers, (*PARTS, "report"))


# --- the browser ----------------------------------------------------------------------------------
# Set before the page's scripts (after browser.LONG_TASKS): when the total of
# real expenses is first rendered, with its expected text (on an animation
# frame: before that frame's paint), and when every treemap is drawn.
PROBE = """
(() => {
const bench = window.__issyBench, expected = %s;
bench.figures = null; bench.drawn = null;
function shown(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0
        && (!element.checkVisibility || element.checkVisibility({opacityProperty: true, visibilityProperty: true}));
}
function frame(now) {
    const total = document.querySelector('[data-role="total-expense"] .issy-budget-amount');
    if (total && total.textContent.trim() === expected && shown(total)) {
        bench.figures = now;
        bench.firstScreen = total.getBoundingClientRect().bottom <= window.innerHeight;
        requestAnimationFrame(scroll);
    } else requestAnimationFrame(frame);
}
// A treemap is drawn when it comes near the screen (budget.js): the reader
// scrolls down to each in turn as soon as the key figures are shown.
function scroll() {
    const waiting = document.querySelector('figure[data-tree][data-state=waiting]');
    if (waiting) waiting.scrollIntoView();
    if (bench.drawn === null) requestAnimationFrame(scroll);
}
requestAnimationFrame(frame);
new MutationObserver(() => {
    const trees = document.querySelectorAll('figure[data-tree]');
    if (bench.drawn === null && trees.length
            && Array.from(trees).every(figure => ['drawn', 'error'].includes(figure.dataset.state))) {
        bench.drawn = performance.now();
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
})();
"""
READY = "window.__issyBench && window.__issyBench.figures !== null && window.__issyBench.drawn !== null"
# What the page shows: the total (and whether it is in the first screen), the
# treemaps' states, the report's JSON block (UTF-8 bytes); and when the HTML's
# first byte came.
SHOWN = """() => {
    const total = document.querySelector('[data-role="total-expense"] .issy-budget-amount');
    const block = document.querySelector('[data-issy-budget] > script[data-role=budget]');
    return {total: total ? total.textContent.trim() : null,
            first_screen: Boolean(window.__issyBench.firstScreen),
            first_byte: performance.getEntriesByType('navigation')[0].responseStart,
            trees: Array.from(document.querySelectorAll('figure[data-tree]')).map(figure => figure.dataset.state),
            json: block ? new TextEncoder().encode(block.textContent).length : 0};
}"""


@dataclasses.dataclass
class Run:
    budget: str
    slow: bool
    cached: bool
    figures: float  # s, the key figures visible
    first_byte: float  # s, the HTML's first byte (the server's answer)
    drawn: float  # s, every treemap drawn
    paint: float  # first contentful paint, s
    longest_task: float  # ms
    blocking: float  # ms beyond 50 of each long task after the first paint
    answers: list[Answer]
    total: Optional[str]  # the total of real expenses shown
    first_screen: bool  # the total within the first screen (VIEWPORT), unscrolled
    trees: list[str]  # each treemap's data-state
    json_bytes: int  # the report's JSON block in the HTML
    load: float  # the machine's load average (1 min) after the run


def open_report(chromium: Any, url: str, budget: Budget, slow: bool, cached: bool) -> Run:
    seen = browser.visit(chromium, url, slow=slow, probe=PROBE % json.dumps(budget.expected), ready=READY,
                         inspect=lambda page: page.evaluate(SHOWN), answer=Answer)
    if seen.errors:
        raise SystemExit(f"the report's page said: {seen.errors}")
    probe, shown = seen.probe, seen.found
    paint = probe["paint"] or 0.0
    longest, blocking = browser.blocking(probe["tasks"], paint)
    # Rendered on a frame, painted at the end of it; the first paint when it is in it.
    return Run(budget.label, slow, cached, max(probe["figures"], paint) / 1000, shown["first_byte"] / 1000,
               probe["drawn"] / 1000,
               paint / 1000, longest, blocking, seen.answers, shown["total"], shown["first_screen"], shown["trees"],
               shown["json"],
               os.getloadavg()[0])


def measure(site_url: str, budgets: list[Budget], runs: int) -> list[Run]:
    """``runs`` openings of each report on each CPU, half of them with the
    report's figures cached, the budgets in turn."""
    found = []
    with browser.chromium() as chromium:
        for budget in budgets:  # warm-up: the workers' templates and assets built once
            open_report(chromium, site_url + budget.path, budget, False, False)
        for number in range(runs):
            for budget in budgets:
                for slow in (False, True):
                    cached = number % 2 == 1
                    if not cached:
                        forget(budget.resource_id)
                    found.append(open_report(chromium, site_url + budget.path, budget, slow, cached))
    return found


# --- the server ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Server:
    budget: str
    page_warm: float  # s, median: the resource page, the report cached
    page_cold: float  # s, median: the report computed
    report_warm: float  # s, median: GET /api/issy/budget, cached
    report_size: int  # its body
    report_sent: int  # gzipped


def _get(url: str) -> tuple[float, bytes, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        body = answer.read()
        kind = answer.headers.get("content-type", "")
    return time.perf_counter() - start, body, kind


def _median(url: str, requests: int, before: Any = None) -> float:
    seconds = []
    for _ in range(requests):
        if before is not None:
            before()
        seconds.append(_get(url)[0])
    return statistics.median(seconds)


def server_times(site_url: str, budget: Budget, requests: int) -> Server:
    """The resource page's and the JSON's server times (the full answer,
    sequential requests after ``WARM_UP``), and the JSON's bytes."""
    page = site_url + budget.path
    report = f"{site_url}/api/issy/budget?{urlencode({'resource_id': budget.resource_id})}"
    for url in (page, report):
        for _ in range(WARM_UP):
            _get(url)
    cold = _median(page, COLD_REQUESTS, lambda: forget(budget.resource_id))
    warm = _median(page, requests)
    _seconds, body, kind = _get(report)
    return Server(budget.label, warm, cold, _median(report, requests), len(body), browser.sent_bytes(body, kind))


# --- the report ----------------------------------------------------------------------------------
_kb = browser.kb


def _budget_name(budget: str) -> str:
    return "the sample budget" if budget == "sample" else f"{int(budget):,} lines"


def timing_table(runs: list[Run]) -> str:
    lines = ["| budget | CPU | runs | key figures visible, median s (each run) | HTML's first byte, median s "
             "| treemaps drawn, median s | first paint, median s | longest task, median ms "
             "| blocking after paint, median ms |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for budget in dict.fromkeys(run.budget for run in runs):
        for slow in (False, True):
            chosen = [run for run in runs if run.budget == budget and run.slow == slow]
            if not chosen:
                continue
            each = ", ".join(f"{run.figures:.2f}{'' if run.cached else '*'}" for run in chosen)
            lines.append(f"| {_budget_name(budget)} | {f'{browser.SLOW_CPU}× slower' if slow else 'desktop'} | "
                         f"{len(chosen)} | {statistics.median(r.figures for r in chosen):.2f} ({each}) | "
                         f"{statistics.median(r.first_byte for r in chosen):.2f} | "
                         f"{statistics.median(r.drawn for r in chosen):.2f} | "
                         f"{statistics.median(r.paint for r in chosen):.2f} | "
                         f"{statistics.median(r.longest_task for r in chosen):.0f} | "
                         f"{statistics.median(r.blocking for r in chosen):.0f} |")
    screen = f"{browser.VIEWPORT['width']} × {browser.VIEWPORT['height']}"
    where = ("in the first screen" if all(run.first_screen for run in runs)
             else "below the first screen in some runs" if any(run.first_screen for run in runs)
             else "below the first screen")
    lines += ["", f"\\* the report's figures computed (not in the cache). The total of real expenses is {where} "
                  f"({screen}, unscrolled)."]
    return "\n".join(lines)


def bytes_table(runs: list[Run], servers: list[Server]) -> str:
    budgets = list(dict.fromkeys(run.budget for run in runs))
    first = {budget: next(run for run in runs if run.budget == budget) for budget in budgets}
    lines = ["| part of the page | " + " | ".join(f"{_budget_name(b)}: requests, served, sent (gzip 5)"
                                                 for b in budgets) + " |",
             "|---|" + "---:|" * len(budgets)]
    names = {"html": "the page's HTML (the report written by the server, its JSON block included)",
             "view": "the report's scripts and stylesheets (budget.js, budget.css, ECharts, format.js, "
                     "shared.css, copy.js)",
             "page": "the rest: CKAN's and the theme's assets", "total": "**total**"}
    sizes = {budget: totals(first[budget].answers) for budget in budgets}
    counts = {budget: browser.requests(first[budget].answers, (*PARTS, "report")) for budget in budgets}
    for part in (*PARTS, "total"):
        lines.append(f"| {names[part]} | " + " | ".join(
            f"{counts[b][part]}, {_kb(sizes[b][part][0])} kB, {_kb(sizes[b][part][1])} kB" for b in budgets) + " |")
    by_budget = {server.budget: server for server in servers}
    lines.append("| the report's JSON block in the HTML | " + " | ".join(
        f"{_kb(first[b].json_bytes)} kB" for b in budgets) + " |")
    if all(b in by_budget for b in budgets):
        lines.append("| the report's JSON (`GET /api/issy/budget`, not fetched by the page) | " + " | ".join(
            f"1, {_kb(by_budget[b].report_size)} kB, {_kb(by_budget[b].report_sent)} kB" for b in budgets) + " |")
    return "\n".join(lines)


def server_table(servers: list[Server], requests: int) -> str:
    lines = [f"| budget | resource page, report cached (median of {requests}) | report computed "
             f"(median of {COLD_REQUESTS}) | `GET /api/issy/budget`, cached (median of {requests}) |",
             "|---|---:|---:|---:|"]
    for server in servers:
        lines.append(f"| {_budget_name(server.budget)} | {server.page_warm * 1000:.0f} ms | "
                     f"{server.page_cold * 1000:.0f} ms | {server.report_warm * 1000:.0f} ms |")
    return "\n".join(lines)


def verdicts(runs: list[Run], budgets: list[Budget]) -> list[tuple[str, bool]]:
    found = []
    for budget in budgets:
        mine = [run for run in runs if run.budget == budget.label]
        desktop = statistics.median(run.figures for run in mine if not run.slow)
        found.append((f"key figures visible under {TARGET_SECONDS:g} s, {_budget_name(budget.label)} "
                      f"(desktop CPU, median): {desktop:.2f} s", desktop < TARGET_SECONDS))
        found.append((f"every run of {_budget_name(budget.label)} showed the total of real expenses "
                      f"({budget.expected}) and drew its {budget.trees} treemaps",
                      all(run.total == budget.expected and run.trees == ["drawn"] * budget.trees for run in mine)))
    return found


def loads(runs: list[Run]) -> str:
    values = [run.load for run in runs]
    return f"load average (1 min) during the runs: median {statistics.median(values):.1f}, highest {max(values):.1f}"


def write_docs(text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, DOCS_BEGIN, DOCS_END, text)


def _describe(budget: Budget) -> str:
    loaded = (f"loaded in {budget.loading:.1f} s by datastore.load" if budget.loading is not None
              else "kept from an earlier run")
    return f"{_budget_name(budget.label)} ({budget.lines:,} lines, {loaded})"


def prepare(lines: int, reuse: bool) -> list[Budget]:
    """Both budgets' tables and views, and what their pages must show
    (within a request context)."""
    budgets = []
    for label, count in (("sample", None), (str(lines), lines)):
        rows = generate(count)
        resource_id, seconds = prepare_budget(rows, reuse)
        report = report_of(resource_id)
        budgets.append(Budget(label, len(rows), resource_id, page_path(rows, resource_id),
                              euros(report["totals"]["expense"]["real"]), len(report["trees"]), seconds))
    return budgets


def run(args: argparse.Namespace) -> int:
    def measured(site_url: str, budgets: list[Budget]) -> tuple[list[Run], list[Server]]:
        runs = measure(site_url, budgets, args.runs)
        return runs, [server_times(site_url, budget, args.requests) for budget in budgets]

    budgets, (runs, servers), environment = browser.serve(lambda: prepare(args.lines, args.reuse), measured)
    text = "\n".join([
        f"`{' '.join(['bench/views.py', *args.argv])}` — {environment}; {loads(runs)}.",
        "",
        f"The budgets: {' and '.join(_describe(budget) for budget in budgets)}; the report is the first view "
        "of each table's resource page.",
        "",
        timing_table(runs),
        "",
        bytes_table(runs, servers),
        "",
        server_table(servers, args.requests),
    ])
    return browser.conclude(text, verdicts(runs, budgets), write_docs if args.write_docs else None)


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--lines", type=int, default=LINES, help="lines of the large budget")
    parse.add_argument("--runs", type=int, default=RUNS, help="openings of each report per CPU speed")
    parse.add_argument("--requests", type=int, default=REQUESTS, help="timed requests of each page (server time)")
    parse.add_argument("--reuse", action="store_true", help="keep the tables of an earlier run with the same --lines")
    parse.add_argument("--write-docs", action="store_true",
                       help=f"replace the figures between the markers of {DOCS.relative_to(ROOT)}")
    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parse = parser()
    args = parse.parse_args(argv)
    if args.runs < 1 or args.requests < 1:
        parse.error("--runs and --requests must be at least 1")
    if args.lines < 1:
        parse.error("--lines must be at least 1")
    if args.write_docs and (args.lines != LINES or args.runs < RUNS or args.requests < REQUESTS):
        parse.error(f"--write-docs writes issue 25's measure: {LINES:,} lines, at least {RUNS} runs "
                    f"and {REQUESTS} requests")
    args.argv = argv
    return args


def main() -> int:
    return browser.main("bench/views.py", parse_args, run)


if __name__ == "__main__":
    raise SystemExit(main())
