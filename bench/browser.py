"""What the benches of a page in a browser share (bench/map.py,
bench/views.py): CKAN from test.ini served on 127.0.0.1 by werkzeug's
threaded server (``Site``, ``serve``: the data prepared first, behind the
guard on the databases), Debian's Chromium (headless, Playwright) that
resolves no host name but 127.0.0.1, one visit of a page in a fresh
browser context (an empty cache, as a first visit) with its answers
counted as nginx would send them, the main thread's long tasks after the
first paint, the environment a report names, a figure in kB, the verdicts
and exit status (``conclude``), and the guards around a run (``main``).

A script puts the checkout at the head of ``sys.path`` before importing
it (``from bench import browser``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional, TypeVar

from bench import harvesting

ROOT = Path(__file__).resolve().parent.parent
GZIP_LEVEL = 5  # nginx's gzip_comp_level (deploy/nginx/issy-ckan.conf)
# What nginx compresses (gzip_types, and text/html, which it always does).
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/geo+json",
                    "application/xml", "image/svg+xml")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1280, "height": 900}
SLOW_CPU = 4  # Lighthouse's mobile CPU slowdown
Prepared, Measured = TypeVar("Prepared"), TypeVar("Measured")


# --- bytes ------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Answer:
    """One answer of a page's visit; a bench's subclass tells its ``part``."""
    url: str
    content_type: str
    size: int  # the body as served
    sent: int  # as nginx would send it: gzipped at level 5 if a text type

    @property
    def part(self) -> str:
        return "page"


def sent_bytes(body: bytes, content_type: str) -> int:
    """The body's bytes as nginx sends them: text gzipped (level 5) from
    512 bytes on (gzip_min_length), the rest as it is."""
    compressed = content_type.split(";")[0].strip().startswith(COMPRESSED_TYPES) and len(body) >= 512
    return len(gzip.compress(body, GZIP_LEVEL)) if compressed else len(body)


def totals(answers: Sequence[Answer], parts: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(served, sent) bytes by part, and for the whole page ("total")."""
    found = {part: (0, 0) for part in (*parts, "total")}
    for answer in answers:
        for part in (answer.part, "total"):
            size, sent = found[part]
            found[part] = (size + answer.size, sent + answer.sent)
    return found


def requests(answers: Sequence[Answer], parts: Sequence[str]) -> dict[str, int]:
    """How many answers of each part, and in all ("total")."""
    return {part: sum(1 for a in answers if part in (a.part, "total")) for part in (*parts, "total")}


def kb(value: float) -> str:
    return f"{value / 1000:,.1f}"


# --- the site -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """CKAN (test.ini, site_url on its own address) under werkzeug's threaded server."""

    def __init__(self) -> None:
        from ckan.cli import load_config
        from ckan.config.middleware import make_app
        from werkzeug.serving import make_server

        self.url = f"http://127.0.0.1:{free_port()}"
        config = load_config(str(ROOT / "test.ini"))
        config["ckan.site_url"] = self.url
        self.app = make_app(config)
        for name in ("ckan", "ckanext", "werkzeug"):  # as on a site: DEBUG logging would be timed too
            logging.getLogger(name).setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", int(self.url.rsplit(":", 1)[1]), self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Site":
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.thread.join()


def serve(prepare: Callable[[], Prepared],
          measure: Callable[[str, Prepared], Measured]) -> tuple[Prepared, Measured, str]:
    """CKAN loaded (``Site``); ``prepare()`` in a request context, once the
    databases are known to be test ones; the background work it left done
    (``harvesting.settle``); then, the site served, ``measure(site's URL,
    what prepare gave)``. Returns both, and the environment of the measure
    (the load at the start and at the end, the CPU stolen meanwhile, the
    CPU time of the machine's other processes during the measure)."""
    started, cpu = os.getloadavg(), harvesting.cpu_times()
    site = Site()  # CKAN loaded; nothing served yet
    with site.app._wsgi_app.test_request_context():
        from bench.loading import check_test_databases

        check_test_databases()
        prepared = prepare()
    harvesting.settle()
    with site, Meter() as meter:
        measured = measure(site.url, prepared)
    return prepared, measured, environment(started, harvesting.stolen(cpu), meter.others())


# --- the browser ----------------------------------------------------------------------------------
# Set before the page's scripts, with a bench's own probe after it: the first
# paint, and the long tasks (a bench's probe adds what it waits for to
# window.__issyBench).
LONG_TASKS = """
window.__issyBench = {tasks: [], paint: null};
new PerformanceObserver(list => list.getEntries().forEach(e => {
    if (e.name === 'first-contentful-paint') window.__issyBench.paint = e.startTime;
})).observe({type: 'paint', buffered: true});
new PerformanceObserver(list => list.getEntries().forEach(e => {
    window.__issyBench.tasks.push([e.startTime, e.duration]);
})).observe({type: 'longtask', buffered: true});
"""


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclasses.dataclass
class Visit:
    probe: dict[str, Any]  # window.__issyBench once the page was ready
    answers: list[Answer]
    found: Any  # what ``inspect`` read in the page
    errors: list[str]  # the console's errors and warnings


def visit(browser: Any, url: str, *, slow: bool, probe: str, ready: str, inspect: Callable[[Any], Any],
          answer: type[Answer] = Answer, body: Callable[[str, bytes], None] | None = None) -> Visit:
    """``url`` opened in a fresh browser context (with the CPU ``SLOW_CPU``
    times slower if ``slow``), ``LONG_TASKS`` and ``probe`` set before the
    page's scripts; once ``ready`` (a JavaScript expression) holds and the
    network is idle, ``inspect(page)`` reads the page. Each answer is
    counted (an ``answer``), and ``body(url, bytes)`` sees its body."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    answers: list[Answer] = []
    errors: list[str] = []

    def answered(response: Any) -> None:
        try:
            content = response.body()
        except Exception:  # noqa: BLE001 (a redirect or an aborted request has no body)
            content = b""
        kind = response.headers.get("content-type", "")
        answers.append(answer(response.url, kind, len(content), sent_bytes(content, kind)))
        if body is not None:
            body(response.url, content)

    page.on("response", answered)
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.add_init_script(LONG_TASKS + probe)
    if slow:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": SLOW_CPU})
    try:
        page.goto(url)
        page.wait_for_function(ready, timeout=120_000)
        page.wait_for_load_state("networkidle")
        found = inspect(page)
        state = page.evaluate("window.__issyBench")
    finally:
        context.close()
    return Visit(state, answers, found, errors)


def blocking(tasks: list[list[float]], paint: float) -> tuple[float, float]:
    """The longest task that ended after the first paint (ms), and the total
    beyond 50 ms of each (as Lighthouse's total blocking time counts them)."""
    after = [duration for start, duration in tasks if start + duration > paint]
    return max(after, default=0.0), sum(max(0.0, duration - 50) for duration in after)


class Meter(threading.Thread):
    """The CPU time the machine's other processes use while it runs (the
    databases and Redis answering the bench included): a measure disturbed
    by another job shows there, apart from the bench's own load (CKAN, the
    browser). This process's descendants (Playwright's driver, Chromium's
    processes) are read from /proc every ``every`` seconds, their last
    reading kept once they have ended."""

    def __init__(self, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.every, self.done = every, threading.Event()
        self.descendants: dict[int, float] = {}

    @staticmethod
    def machine() -> float:
        """The CPU seconds the machine has been busy."""
        user, nice, system, _idle, _iowait, irq, softirq = harvesting.cpu_times()[:7]
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")

    def poll(self) -> None:
        parents, seconds = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # Fields after the command's closing parenthesis: state, ppid, ..., utime (14th), stime (15th).
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            parents[int(entry.name)] = int(fields[1])
            seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        mine, found = {os.getpid()}, True
        while found:
            found = False
            for pid, parent in parents.items():
                if parent in mine and pid not in mine:
                    mine.add(pid)
                    found = True
        for pid in mine - {os.getpid()}:
            self.descendants[pid] = seconds[pid]

    def own(self) -> float:
        times = os.times()
        return times.user + times.system + sum(self.descendants.values())

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.poll()

    def __enter__(self) -> "Meter":
        self.poll()
        self.wall, self.busy, self.mine = time.monotonic(), self.machine(), self.own()
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.done.set()
        self.join()
        self.poll()
        self.wall, self.busy = time.monotonic() - self.wall, self.machine() - self.busy
        self.mine = self.own() - self.mine

    def others(self) -> str:
        other = max(0.0, self.busy - self.mine)
        share = other / (self.wall * (os.cpu_count() or 1)) if self.wall > 0 else 0.0
        return (f"CPU time of the other processes (PostgreSQL and Redis included) during the measure: "
                f"{other:.0f} s in {self.wall:.0f} s ({share:.0%} of the cores)")


def environment(started: tuple[float, ...], steal: float, other: str = "") -> str:
    """CKAN's and Chromium's versions, the cores, the load average at the
    start and now, the CPU time stolen, ``other`` (``Meter.others``), the date."""
    import ckan

    with chromium() as browser:
        version = browser.version
    return (f"CKAN {ckan.__version__}, Chromium {version}, {os.cpu_count()} cores; "
            f"load average (1 min) {started[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
            f"CPU stolen {steal:.0%}; {other + '; ' if other else ''}{dt.date.today().isoformat()}")


# --- the verdicts ---------------------------------------------------------------------------------
def conclude(text: str, targets: list[tuple[str, bool]], write: Optional[Callable[[str], None]]) -> int:
    """The report with its targets, printed, and written by ``write`` (the
    docs' block, with --write-docs); the exit status: 1 when a target is missed."""
    text += "\n\n" + "\n".join(f"- target: {name}: {'met' if met else '**NOT MET**'}" for name, met in targets)
    print("\n" + text)
    if write is not None:
        write(text)
    return 0 if all(met for _name, met in targets) else 1


def main(script: str, parse_args: Callable[[list[str]], Any], run: Callable[[Any], int]) -> int:
    """``run`` with the command line's arguments (``parse_args``),
    connecting only to 127.0.0.0/8, as a user of the private PostgreSQL and
    Redis (see bench/harvesting.py); its exit status."""
    args = parse_args(sys.argv[1:])
    harvesting.allow_only_loopback(script)
    with harvesting.services_used():
        return run(args)
