"""Benchmark of the PostgreSQL search (docs/performance.md, "Search").

For each catalogue size (200 and 20,000 datasets by default), in one process
with CKAN loaded from test.ini (the slot's databases, every plugin of the
test site):

1. loads the first N datasets of bench/catalogue.py's seeded catalogue
   (bench/loading.py: the first ``--api-limit`` with ``package_create``,
   indexing deferred, the others as the same rows written in bulk), keeping
   what the database already holds with ``--reuse``;
2. times CKAN's own index rebuild (``ckan search-index rebuild``) over all
   of them: indexing throughput, then the table's and its indexes' size;
3. times each kind of query through CKAN's actions (``package_search`` as
   the dataset page asks it, 20 rows; ``package_autocomplete``) as an
   anonymous visitor: each variant once to warm up, then ``--repetitions``
   calls cycling through the variants; p50 and p95 in milliseconds, and the
   fewest and most results, flagging a variant that finds nothing, or an
   ``ext_bbox`` that filters nothing (a timing of empty answers proves
   nothing).

    ISSY_TEST_SLOT=2 make test ARGS='tests/test_platform.py -q'   # creates slot 2's databases
    set -a; . .dev/test-2.12-s2.env; set +a
    .venv/bin/python bench/search.py [--sizes 200 20000] [--repetitions 60] [--reuse] [--write-docs]

For iterating on the queries, ``--reuse --keep-index`` skips step 2 when
the index already holds every dataset, none changed since it was indexed
(the indexing figures are then ``nan``, so ``--write-docs`` refuses it).

It DELETES every row of the slot's CKAN database first (only a database
named issy_test_* on 127.0.0.0/8), unless ``--reuse`` finds the start of the
same catalogue there. The exit status is 1 when a p95 exceeds its threshold
at a size of at least ``--threshold-size``, 2 when a query found nothing
(unless ``--allow-empty``).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import catalogue, markers  # noqa: E402 (the checkout is on sys.path now)

DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/search.py --write-docs: begin -->"
DOCS_END = "<!-- bench/search.py --write-docs: end -->"
ROWS = 20  # a page of the dataset list
INDEX_TABLE = "issy_search_index"
DEEP_START = 5000
# The five facets of the portal (ckanext/issy/theme/facets.py) and the update
# frequency it shows (an extra; a field of ckanext.issy.search.extra_fields, kept in JSONB).
FACETS = ("groups", "organization", "res_format", "license_id", "tags", "frequency")

ONE_WORD = ("budget", "stationnement", "parking", "arbres", "subventions", "recharge",
            "dette", "menus", "permis", "population")
ACCENTED = ("élections", "elections", "équipements", "ecoles", "crèches", "délibérations",
            "energie", "médiathèques")
# Singular only in the catalogue: found through stemming alone.
PLURAL = ("budgets", "dettes", "quartiers", "horodateurs", "chantiers", "capteurs", "compteurs")
TWO_WORDS = ("parking gare", "budget 2023", "qualité air", "arbres alignement",
             "élections municipales", "horaires piscine", "vote 2020", "bornes recharge")
WITH_FILTERS = (("budget", "finances", "CSV"), ("élections", "citoyennete", "CSV"),
                ("stationnement", "mobilite", "JSON"), ("arbres", "environnement", "CSV"),
                ("écoles", "education", "PDF"), ("subventions", "culture", "CSV"))
# The dataset page unfiltered, then with one facet value chosen.
FACET_FILTERS = ("", f"organization:{catalogue.organization_name('mobilite')}",
                 f"groups:{catalogue.group_name('mobilite')}", 'res_format:"GeoJSON"', "tags:2024",
                 "license_id:odc-odbl")
PREFIXES = ("bud", "élec", "elec", "stat", "arbr", "ecol", "crèc", "qual", "park", "born")
OUTSIDE_ISSY = (2.35, 48.85, 2.40, 48.88)  # Paris, 10th-11th arrondissements


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of query: the action, its variants at a catalogue size, and
    how many results an answer holds."""

    name: str
    action: str
    variants: Callable[[int], list[dict[str, Any]]]
    threshold: str = "search"  # which threshold applies
    narrows: bool = False  # a variant finding every dataset is an ignored filter

    def hits(self, answer: Any) -> int:
        return len(answer) if self.action == "package_autocomplete" else answer["count"]


class SqlClock:
    """Per call: the seconds of the SQL statements on the search index (the
    backend's share of a call) and the number of statements of any kind."""

    def __init__(self) -> None:
        import ckan.model as model
        from sqlalchemy import event

        self.index_seconds = 0.0
        self.statements = 0
        engine = model.Session.get_bind()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.index_seconds, self.statements = 0.0, 0

    def _before(self, connection: Any, *_: Any) -> None:
        connection.info["bench_started"] = time.perf_counter()

    def _after(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        if INDEX_TABLE in statement:
            self.index_seconds += time.perf_counter() - connection.info["bench_started"]


@dataclasses.dataclass
class Measure:
    kind: Kind
    hits: list[int]
    problem: Optional[str]
    seconds: list[float] = dataclasses.field(default_factory=list)
    index_seconds: list[float] = dataclasses.field(default_factory=list)
    statements: list[int] = dataclasses.field(default_factory=list)

    @property
    def p50(self) -> float:
        return _milliseconds(statistics.median, self.seconds)

    @property
    def p95(self) -> float:
        return _milliseconds(_p95, self.seconds)

    @property
    def index_p50(self) -> float:
        return _milliseconds(statistics.median, self.index_seconds)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _milliseconds(statistic: Callable[[list[float]], float], values: list[float]) -> float:
    return statistic(values) * 1000 if values else math.nan


@dataclasses.dataclass
class SizeReport:
    size: int
    load: dict[str, float]
    indexing: float
    index_bytes: dict[str, int]
    measures: list[Measure]


def _search(**params: Any) -> dict[str, Any]:
    return {"rows": ROWS, **params}


def _bbox(box: tuple[float, ...]) -> dict[str, Any]:
    return _search(q="", extras={"ext_bbox": ",".join(map(str, box))})


def kinds() -> list[Kind]:
    def texts(words: tuple[str, ...]) -> Callable[[int], list[dict[str, Any]]]:
        return lambda size: [_search(q=word) for word in words]

    return [
        Kind("one word", "package_search", texts(ONE_WORD)),
        Kind("accents (élections, ecoles)", "package_search", texts(ACCENTED)),
        Kind("plural (budgets)", "package_search", texts(PLURAL)),
        Kind("two words (parking gare)", "package_search", texts(TWO_WORDS)),
        Kind("text + organisation + format", "package_search", lambda size: [
            _search(q=word, fq=f'organization:{catalogue.organization_name(org)} res_format:"{fmt}"')
            for word, org, fmt in WITH_FILTERS]),
        Kind("six facets, no text", "package_search", lambda size: [
            _search(q="", fq=fq, **{"facet.field": json.dumps(FACETS)}) for fq in FACET_FILTERS]),
        Kind("sorted listing (modified desc)", "package_search", lambda size: [
            _search(q="", sort="metadata_modified desc", start=page * ROWS) for page in range(5)]),
        Kind(f"deep page (start={DEEP_START})", "package_search", lambda size: [
            _search(q="", start=_deep_start(size) + page * ROWS) for page in range(5)]),
        Kind("autocomplete (3-4 letters)", "package_autocomplete",
             lambda size: [{"q": prefix} for prefix in PREFIXES], threshold="autocomplete"),
        Kind("map: ext_bbox", "package_search", lambda size: [
            *(_bbox(box) for box in catalogue.QUARTIERS.values()),
            _bbox(catalogue.ISSY_BBOX), _bbox(OUTSIDE_ISSY)], narrows=True),
    ]


def _deep_start(size: int) -> int:
    """``DEEP_START``, or the last pages of a smaller catalogue."""
    return max(0, min(DEEP_START, size - 5 * ROWS))


def measure(kind: Kind, size: int, repetitions: int, clock: SqlClock) -> Measure:
    """Time ``kind``; a query that fails is reported, not timed (the
    backend of another work in progress may not handle it yet)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    action = tk.get_action(kind.action)
    variants = kind.variants(size)
    try:
        hits = [kind.hits(action({}, dict(variant))) for variant in variants]  # warm-up
    except Exception as error:  # noqa: BLE001 (any failure is reported)
        model.Session.rollback()
        return Measure(kind, [], f"error: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    result = Measure(kind, hits, _problem(kind, variants, hits, size))
    for number in range(repetitions):
        variant = dict(variants[number % len(variants)])
        clock.reset()
        start = time.perf_counter()
        action({}, variant)
        result.seconds.append(time.perf_counter() - start)
        result.index_seconds.append(clock.index_seconds)
        result.statements.append(clock.statements)
    return result


def _problem(kind: Kind, variants: list[dict[str, Any]], hits: list[int], size: int) -> Optional[str]:
    empty = [_label(variant) for variant, count in zip(variants, hits) if count == 0]
    if empty:
        return "no result: " + ", ".join(empty)
    if kind.narrows and max(hits) >= size:
        return "filter ignored: every dataset found"
    return None


def _label(variant: dict[str, Any]) -> str:
    if "extras" in variant:
        return variant["extras"]["ext_bbox"]
    return " ".join(str(variant.get(key)) for key in ("q", "fq") if variant.get(key)) or "(all)"


def run_size(size: int, args: argparse.Namespace, grow: bool) -> SizeReport:
    """Measure ``size`` datasets; ``grow``: the database holds a smaller
    catalogue this run loaded, to be completed rather than reloaded."""
    from bench import loading

    print(f"== {size} datasets", flush=True)
    load = loading.load(size, args.seed, args.api_limit, args.reuse or grow)
    if args.keep_index and loading.index_is_current():
        indexing = math.nan
        print("   index kept: every dataset indexed and current", flush=True)
    else:
        indexing = loading.index()
        print(f"   indexed in {indexing:.1f} s", flush=True)
    measures, clock = [], SqlClock()
    for kind in kinds():
        measures.append(measure(kind, size, args.repetitions, clock))
        print(f"   {_row(size, measures[-1])}", flush=True)
    return SizeReport(size, load, indexing, loading.index_size(), measures)


def _row(size: int, m: Measure) -> str:
    hits = f"{min(m.hits)}–{max(m.hits)}" if len(set(m.hits)) > 1 else "".join(map(str, m.hits[:1]))
    statements = f"{statistics.median(m.statements):.0f}" if m.statements else ""
    return (f"| {size:,} | {m.kind.name} | {m.p50:.1f} | {m.p95:.1f} | {m.index_p50:.1f} | "
            f"{statements} | {hits} | {m.problem or ''} |")


def table(reports: list[SizeReport], args: argparse.Namespace) -> str:
    lines = ["| datasets | query | p50 ms | p95 ms | index SQL p50 ms | SQL statements | results | problem |",
             "|---:|---|---:|---:|---:|---:|---|---|"]
    lines += [_row(r.size, m) for r in reports for m in r.measures]
    lines += ["", "| datasets | loading: package_create | loading: rows | indexing | "
                  "datasets/s | index: table + TOAST | index: indexes | per dataset |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reports:
        mib = {name: value / 2 ** 20 for name, value in r.index_bytes.items()}
        lines.append(
            f"| {r.size:,} | {r.load['package_create']:.0f} s | {r.load['rows']:.0f} s | "
            f"{r.indexing:.1f} s | {r.size / r.indexing:.0f} | {mib['table']:.1f} MiB | "
            f"{mib['indexes']:.1f} MiB | {r.index_bytes['total'] / r.size / 1024:.1f} KiB |")
    return "\n".join(lines)


def failures(reports: list[SizeReport], args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The p95s over their threshold, and the queries that found nothing."""
    limits = {"search": args.threshold_ms, "autocomplete": args.autocomplete_threshold_ms}
    slow, empty = [], []
    for report in reports:
        for m in report.measures:
            limit = limits[m.kind.threshold]
            if limit and report.size >= args.threshold_size and m.p95 > limit:
                slow.append(f"{report.size:,}: {m.kind.name} p95 {m.p95:.1f} ms > {limit:g} ms")
            if m.problem:
                empty.append(f"{report.size:,}: {m.kind.name}: {m.problem}")
    return slow, empty


def environment(started: list[float], ended: list[float]) -> str:
    import ckan

    return (f"CKAN {ckan.__version__}, {os.cpu_count()} cores, {_postgres_version()}; "
            f"load average (1 min) {started[0]:.1f} at the start, {ended[0]:.1f} at the end; "
            f"{dt.date.today().isoformat()}")


def _postgres_version() -> str:
    import ckan.model as model
    import sqlalchemy as sa

    version = model.Session.execute(sa.text("SHOW server_version")).scalar_one()
    return f"PostgreSQL {version.split()[0]}"


def write_docs(text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, DOCS_BEGIN, DOCS_END, text)


def run(args: argparse.Namespace) -> int:
    """Measure every size (CKAN loaded, inside a request context); print
    the tables; the exit status."""
    started = os.getloadavg()
    reports: list[SizeReport] = []
    for size in sorted(args.sizes):
        reports.append(run_size(size, args, grow=bool(reports)))
    command = "bench/search.py " + " ".join(args.argv)
    text = "\n\n".join([
        f"`{command.strip()}` — {environment(list(started), list(os.getloadavg()))}; "
        f"{args.repetitions} timed calls per query kind.",
        table(reports, args),
    ])
    print("\n" + text)
    slow, empty = failures(reports, args)
    for line in slow + empty:
        print(("SLOW    " if line in slow else "PROBLEM ") + line)
    if args.write_docs:
        write_docs(text)
    if slow:
        return 1
    return 2 if empty and not args.allow_empty else 0


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--sizes", type=int, nargs="+", default=[200, 20_000])
    parse.add_argument("--repetitions", type=int, default=60, help="timed calls per query kind")
    parse.add_argument("--seed", type=int, default=1)
    parse.add_argument("--api-limit", type=int, default=200,
                       help="datasets numbered below this are created with package_create, the others in bulk")
    parse.add_argument("--reuse", action="store_true",
                       help="keep the datasets the database holds when they are the start of the catalogue")
    parse.add_argument("--keep-index", action="store_true",
                       help="skip the index rebuild when the index is complete and current (not with --write-docs)")
    parse.add_argument("--threshold-ms", type=float, default=50, help="p95 limit of searches; 0: none")
    parse.add_argument("--autocomplete-threshold-ms", type=float, default=30,
                       help="p95 limit of autocomplete; 0: none")
    parse.add_argument("--threshold-size", type=int, default=20_000, help="sizes the limits apply to")
    parse.add_argument("--allow-empty", action="store_true", help="exit 0 even when a query finds nothing")
    parse.add_argument("--write-docs", action="store_true",
                       help=f"replace the figures between the markers of {DOCS.relative_to(ROOT)}")
    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parse = parser()
    args = parse.parse_args(argv)
    if args.keep_index and args.write_docs:
        parse.error("--write-docs needs a real rebuild: drop --keep-index")
    args.argv = argv  # for the command line written with the figures
    return args


def main() -> int:
    args = parse_args(sys.argv[1:])
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ROOT / "test.ini")))
    # As on a production site: test.ini's DEBUG logging would be timed too.
    for name in ("ckan", "ckanext"):
        logging.getLogger(name).setLevel(logging.WARNING)
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app
    with flask_app.test_request_context():
        return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
