"""Benchmark of the report views drawn in a resource page
(docs/performance.md): the financial report (issue 25, bench/views_budget.py)
and the election results (issue 26, bench/views_elections.py);
``--view budget|elections|all`` (all by default). Each module says what
its two tables are (a sample and a large one, published as its harvester
publishes them, the view as the resource page's first; ``--reuse`` keeps
an earlier run's) and what is measured of its page; what such a module
has: bench/views_protocol.py.

CKAN is loaded from test.ini (the slot's databases, logging at WARNING as
on a site) and served on 127.0.0.1 by werkzeug. Each resource page is
opened ``--runs`` times in Debian's Chromium (headless, 1280 × 900), each
time in a fresh browser context (an empty cache), and as many times with
the CPU 4 times slower (as Lighthouse's mobile mode); half the runs find
the view's figures in Redis, half compute them (entries deleted first,
untimed). Measured: the time until the key figure, written by the server
as the view's action gives it, is rendered and painted (checked on each
animation frame), and until the view's script has done its part; the long
tasks after the first paint; the bytes (as served, and gzipped at level 5
as nginx sends text) of the HTML, of the view's own assets and of the
rest; the view's JSON (not fetched by the page); the server's time of the
view's pages and JSON, figures cached and computed. Exit status 1 when a
run is wrong (not the action's figure, the script's part not done, a
console message) or a target missed (the key figure visible in over 1.5 s,
median on the desktop CPU, for any table).

    ISSY_TEST_SLOT=5 make test ARGS='tests/test_platform.py -q'   # creates slot 5's databases
    set -a; . .dev/test-2.12-s5.env; set +a
    .venv/bin/python bench/views.py [--view all] [--lines 20000] [--stations 400] [--runs 5] [--requests 20]
        [--reuse] [--write-docs]

Only ``issy_test_*`` databases on 127.0.0.0/8, used as a test run uses
them; connections only to 127.0.0.0/8, Chromium resolving no other host.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import browser, markers, views_budget, views_elections  # noqa: E402 (the checkout is on sys.path now)
from bench.views_protocol import Subject, View  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
RUNS = 5
REQUESTS = 20
COLD_REQUESTS = 5  # the figures computed each time: fewer
WARM_UP = 3
# Issues 25's and 26's target.
TARGET_SECONDS = 1.5
PARTS = ("html", "view", "page")


VIEWS: dict[str, View] = {view.NAME: view for view in (views_budget, views_elections)}


# --- the tables ----------------------------------------------------------------------------------
def ensure_view(view: View, resource_id: str) -> None:
    """The view as the resource's first view (the resource page's)."""
    import ckan.plugins.toolkit as tk
    from bench import loading

    context = {"user": loading.site_user(), "ignore_auth": True}
    views = tk.get_action("resource_view_list")(dict(context), {"id": resource_id})
    if views and views[0]["view_type"] == view.VIEW_TYPE:
        return
    for found in views:
        tk.get_action("resource_view_delete")(dict(context), {"id": found["id"]})
    tk.get_action("resource_view_create")(dict(context), {
        "resource_id": resource_id, "view_type": view.VIEW_TYPE, "title": view.VIEW_TITLE})


def prepare(view: View, args: argparse.Namespace) -> list[Any]:
    """The view's tables with the view as their first, and what their pages
    must show (within a request context)."""
    subjects = view.prepare(args)
    for subject in subjects:
        ensure_view(view, subject.resource_id)
    return subjects


# --- bytes ------------------------------------------------------------------------------------
def part_of(view: View, url: str) -> str:
    """Which part of the page an answer is: its HTML, the view's own scripts
    and stylesheets, the view's JSON if the page asks for it ("api"), or
    the rest of the page (CKAN's and the theme's assets)."""
    path = urlsplit(url).path
    if path.startswith(view.API):
        return "api"
    if path.startswith("/dataset/") and "/resource/" in path:
        return "html"
    if "/webassets/" in path and view.is_view_asset(path.split("/webassets/", 1)[1]):
        return "view"
    return "page"


@functools.cache
def answer_of(view: View) -> type[browser.Answer]:
    """The answers of ``view``'s page, each knowing its part."""
    class Answer(browser.Answer):
        @property
        def part(self) -> str:
            return part_of(view, self.url)
    return Answer


# --- the browser ----------------------------------------------------------------------------------
# Set before the page's scripts (after browser.LONG_TASKS): when the key
# figure is first rendered with its expected text (on an animation frame:
# before that frame's paint); the view's LATER_PROBE sets bench.later.
PROBE = """
(() => {
const bench = window.__issyBench, expected = %(expected)s;
bench.figures = null; bench.later = null;
function shown(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0
        && (!element.checkVisibility || element.checkVisibility({opacityProperty: true, visibilityProperty: true}));
}
function frame(now) {
    const figure = document.querySelector(%(selector)s);
    if (figure && figure.textContent.trim() === expected && shown(figure)) {
        bench.figures = now;
        bench.firstScreen = figure.getBoundingClientRect().bottom <= window.innerHeight;
        %(then)s
    } else requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
%(later)s
})();
"""
READY = "window.__issyBench && window.__issyBench.figures !== null && window.__issyBench.later !== null"
# What the page shows: the key figure (and whether it is in the first
# screen), when the HTML's first byte came, and the view's own FOUND.
SHOWN = """() => {
    const figure = document.querySelector(%(selector)s);
    return {shown: figure ? figure.textContent.trim() : null,
            first_screen: Boolean(window.__issyBench.firstScreen),
            first_byte: performance.getEntriesByType('navigation')[0].responseStart,
            found: %(found)s};
}"""


@dataclasses.dataclass
class Run:
    subject: str  # its label
    slow: bool
    cached: bool
    figures: float  # s, the key figure visible
    first_byte: float  # s, the HTML's first byte (the server's answer)
    later: float  # s, the view's script done (treemaps drawn, table sortable)
    paint: float  # first contentful paint, s
    longest_task: float  # ms
    blocking: float  # ms beyond 50 of each long task after the first paint
    answers: list[browser.Answer]
    shown: Optional[str]  # the key figure shown
    first_screen: bool  # the key figure within the first screen (VIEWPORT), unscrolled
    found: dict[str, Any]  # the view's FOUND
    load: float  # the machine's load average (1 min) after the run


def open_page(chromium: Any, url: str, view: View, subject: Subject, slow: bool, cached: bool) -> Run:
    fill = {"expected": json.dumps(subject.expected), "selector": json.dumps(view.SELECTOR), "then": view.THEN,
            "later": view.LATER_PROBE, "found": view.FOUND}
    seen = browser.visit(chromium, url, slow=slow, probe=PROBE % fill, ready=READY,
                         inspect=lambda page: page.evaluate(SHOWN % fill), answer=answer_of(view))
    if seen.errors:
        raise SystemExit(f"the page {url} said: {seen.errors}")
    probe, shown = seen.probe, seen.found
    paint = probe["paint"] or 0.0
    longest, blocking = browser.blocking(probe["tasks"], paint)
    # Rendered on a frame, painted at the end of it; the first paint when it is in it.
    return Run(subject.label, slow, cached, max(probe["figures"], paint) / 1000, shown["first_byte"] / 1000,
               probe["later"] / 1000, paint / 1000, longest, blocking, seen.answers, shown["shown"],
               shown["first_screen"], shown["found"], os.getloadavg()[0])


def measure(chromium: Any, site_url: str, view: View, subjects: list[Subject], runs: int) -> list[Run]:
    """``runs`` openings of each page on each CPU, half of them with the
    figures cached, the tables in turn."""
    for subject in subjects:  # warm-up: the workers' templates and assets built once
        open_page(chromium, site_url + subject.path, view, subject, False, False)
    found = []
    for number in range(runs):
        for subject in subjects:
            for slow in (False, True):
                cached = number % 2 == 1
                if not cached:
                    view.forget(subject)
                found.append(open_page(chromium, site_url + subject.path, view, subject, slow, cached))
    return found


# --- the server ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Server:
    subject: str
    times: dict[str, float]  # heading() -> s, median
    api_size: int  # the view's JSON, its body
    api_sent: int  # gzipped


def _get(url: str) -> tuple[float, bytes, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        body = answer.read()
        kind = answer.headers.get("content-type", "")
    return time.perf_counter() - start, body, kind


def _median(url: str, requests: int, before: Optional[Callable[[], None]] = None) -> float:
    seconds = []
    for _ in range(requests):
        if before is not None:
            before()
        seconds.append(_get(url)[0])
    return statistics.median(seconds)


def heading(text: str, computed: bool, requests: int) -> str:
    """A column of the server's table: what is timed, and over how many requests."""
    return f"{text} (median of {COLD_REQUESTS if computed else requests})"


def server_times(site_url: str, view: View, subject: Subject, requests: int) -> Server:
    """The server's time of each of the view's pages and JSON (the full
    answer, sequential requests after ``WARM_UP``, each checked to show
    what it must), and the JSON's bytes."""
    timed = view.timed(subject)
    for _heading, path, _computed, must_show in timed:
        for _ in range(WARM_UP):
            body = _get(site_url + path)[1]
        if must_show.encode() not in body:
            raise SystemExit(f"{path} does not show {must_show!r}")
    times = {heading(text, computed, requests): _median(site_url + path, COLD_REQUESTS if computed else requests,
                                                        (lambda: view.forget(subject)) if computed else None)
             for text, path, computed, _must_show in timed}
    api = next(path for _heading, path, _computed, _must_show in timed if path.startswith(view.API))
    _seconds, body, kind = _get(site_url + api)
    return Server(subject.label, times, len(body), browser.sent_bytes(body, kind))


# --- the report ----------------------------------------------------------------------------------
_kb = browser.kb


def timing_table(view: View, runs: list[Run]) -> str:
    lines = [f"| {view.NOUN} | CPU | runs | {view.FIGURE}, median s (each run) | HTML's first byte, median s "
             f"| {view.LATER}, median s | first paint, median s | longest task, median ms "
             "| blocking after paint, median ms |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for subject in dict.fromkeys(run.subject for run in runs):
        for slow in (False, True):
            chosen = [run for run in runs if run.subject == subject and run.slow == slow]
            if not chosen:
                continue
            each = ", ".join(f"{run.figures:.2f}{'' if run.cached else '*'}" for run in chosen)
            lines.append(f"| {view.name_of(subject)} | {f'{browser.SLOW_CPU}× slower' if slow else 'desktop'} | "
                         f"{len(chosen)} | {statistics.median(r.figures for r in chosen):.2f} ({each}) | "
                         f"{statistics.median(r.first_byte for r in chosen):.2f} | "
                         f"{statistics.median(r.later for r in chosen):.2f} | "
                         f"{statistics.median(r.paint for r in chosen):.2f} | "
                         f"{statistics.median(r.longest_task for r in chosen):.0f} | "
                         f"{statistics.median(r.blocking for r in chosen):.0f} |")
    screen = f"{browser.VIEWPORT['width']} × {browser.VIEWPORT['height']}"
    where = ("in the first screen" if all(run.first_screen for run in runs)
             else "below the first screen in some runs" if any(run.first_screen for run in runs)
             else "below the first screen")
    lines += ["", f"\\* {view.COMPUTED}. {view.FIGURE_NAME} is {where} ({screen}, unscrolled)."]
    return "\n".join(lines)


def bytes_table(view: View, runs: list[Run], servers: list[Server]) -> str:
    subjects = list(dict.fromkeys(run.subject for run in runs))
    first = {subject: next(run for run in runs if run.subject == subject) for subject in subjects}
    lines = ["| part of the page | " + " | ".join(f"{view.name_of(s)}: requests, served, sent (gzip 5)"
                                                 for s in subjects) + " |",
             "|---|" + "---:|" * len(subjects)]
    names = {**view.PART_NAMES, "total": "**total**"}
    sizes = {s: browser.totals(first[s].answers, (*PARTS, "api")) for s in subjects}
    counts = {s: browser.requests(first[s].answers, (*PARTS, "api")) for s in subjects}
    for part in (*PARTS, "total"):
        lines.append(f"| {names[part]} | " + " | ".join(
            f"{counts[s][part]}, {_kb(sizes[s][part][0])} kB, {_kb(sizes[s][part][1])} kB" for s in subjects) + " |")
    for key, name in view.FOUND_BYTES.items():
        lines.append(f"| {name} | " + " | ".join(f"{_kb(first[s].found[key])} kB" for s in subjects) + " |")
    by_subject = {server.subject: server for server in servers}
    if all(s in by_subject for s in subjects):
        lines.append(f"| {view.API_ROW} | " + " | ".join(
            f"1, {_kb(by_subject[s].api_size)} kB, {_kb(by_subject[s].api_sent)} kB" for s in subjects) + " |")
    return "\n".join(lines)


def server_table(view: View, servers: list[Server]) -> str:
    headings = list(servers[0].times) if servers else []
    lines = [f"| {view.NOUN} | " + " | ".join(headings) + " |", "|---|" + "---:|" * len(headings)]
    for server in servers:
        lines.append(f"| {view.name_of(server.subject)} | "
                     + " | ".join(f"{server.times[h] * 1000:.0f} ms" for h in headings) + " |")
    return "\n".join(lines)


def verdicts(view: View, runs: list[Run], subjects: list[Subject]) -> list[tuple[str, bool]]:
    found = []
    for subject in subjects:
        mine = [run for run in runs if run.subject == subject.label]
        desktop = statistics.median(run.figures for run in mine if not run.slow)
        found.append((f"{view.FIGURE} under {TARGET_SECONDS:g} s, {view.name_of(subject.label)} "
                      f"(desktop CPU, median): {desktop:.2f} s", desktop < TARGET_SECONDS))
        found.append((view.correct_text(subject), all(view.correct(run, subject) for run in mine)))
    return found


def loads(runs: list[Run]) -> str:
    values = [run.load for run in runs]
    return f"load average (1 min) during the runs: median {statistics.median(values):.1f}, highest {max(values):.1f}"


def write_docs(view: View, text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, view.DOCS_BEGIN, view.DOCS_END, text)


def describe(view: View, subjects: list[Subject]) -> str:
    """The tables measured: each one's size and load."""
    loaded = {s.label: f"loaded in {s.loading:.1f} s by datastore.load" if s.loading is not None
              else "kept from an earlier run" for s in subjects}
    each = [f"{view.name_of(s.label)} ({view.size_of(s)}, {loaded[s.label]})" for s in subjects]
    return f"{view.TABLES}: {' and '.join(each)}; {view.FIRST_VIEW}."


def report(view: View, argv: list[str], environment: str, subjects: list[Subject], runs: list[Run],
           servers: list[Server]) -> str:
    return "\n".join([
        f"`{' '.join(['bench/views.py', *argv])}` — {environment}; {loads(runs)}.", "",
        describe(view, subjects), "",
        timing_table(view, runs), "",
        bytes_table(view, runs, servers), "",
        server_table(view, servers),
    ])


def chosen(args: argparse.Namespace) -> list[View]:
    return list(VIEWS.values()) if args.view == "all" else [VIEWS[args.view]]


def run(args: argparse.Namespace) -> int:
    views = chosen(args)

    def measured(site_url: str, prepared: list[list[Any]]) -> list[tuple[list[Run], list[Server]]]:
        with browser.chromium() as chromium:
            runs = [measure(chromium, site_url, view, subjects, args.runs) for view, subjects in zip(views, prepared)]
        return [(found, [server_times(site_url, view, subject, args.requests) for subject in subjects])
                for view, subjects, found in zip(views, prepared, runs)]

    prepared, results, environment = browser.serve(lambda: [prepare(view, args) for view in views], measured)
    status = 0
    for view, subjects, (runs, servers) in zip(views, prepared, results):
        text = report(view, args.argv, environment, subjects, runs, servers)
        write = functools.partial(write_docs, view) if args.write_docs else None
        status = max(status, browser.conclude(text, verdicts(view, runs, subjects), write))
    return status


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--view", choices=(*VIEWS, "all"), default="all", help="the view measured (default: all)")
    for view in VIEWS.values():
        view.add_arguments(parse)
    parse.add_argument("--runs", type=int, default=RUNS, help="openings of each page per CPU speed")
    parse.add_argument("--requests", type=int, default=REQUESTS, help="timed requests of each page (server time)")
    parse.add_argument("--reuse", action="store_true", help="keep the tables of an earlier run of the same sizes")
    parse.add_argument("--write-docs", action="store_true",
                       help=f"replace the figures between each view's markers in {DOCS.relative_to(ROOT)}")
    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parse = parser()
    args = parse.parse_args(argv)
    problems = [view.argument_problem(args) for view in VIEWS.values()]
    if args.runs < 1 or args.requests < 1:
        problems.append("--runs and --requests must be at least 1")
    if any(problems):
        parse.error("; ".join(problem for problem in problems if problem))
    if args.write_docs:
        problems = [view.docs_problem(args) for view in chosen(args)]
        if args.runs < RUNS or args.requests < REQUESTS:
            problems.append(f"at least {RUNS} runs and {REQUESTS} requests")
        if any(problems):
            parse.error("--write-docs writes the measure of issues 25 and 26: "
                        + "; ".join(problem for problem in problems if problem))
    args.argv = argv
    return args


def main() -> int:
    return browser.main("bench/views.py", parse_args, run)


if __name__ == "__main__":
    raise SystemExit(main())
