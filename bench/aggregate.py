"""Benchmark of the aggregation API (issue 23; docs/performance.md,
"Aggregation API (charts)").

In one process with CKAN loaded from test.ini (the slot's databases, every
plugin of the test site, logging at WARNING as on a site):

1. **the table**: a public dataset of the city, "Mandats 2021–2025", whose
   resource gets a DataStore table of 100,000 payment orders (``--rows``)
   loaded by ``ckanext.issy.harvesters.core.datastore.load``, the harvesters'
   way (a versioned table, its full-text column computed): the order's
   number, its date (``mandate_le``, 2021-2025: 60 months), its section (2
   values), the direction that spent it (8), its function (36 French
   function names, a few of them much larger than the others), its nature
   account (a few hundred: the M57 accounts of devstack/scdl_samples.py and
   their sub-accounts), its amount (``numeric``, euros and cents, log-normal,
   a few negative: cancellations) and its number of invoice lines (``int4``).
   Generated from ``--seed`` (reproducible); then ``VACUUM (ANALYZE)``, as
   autovacuum does after a harvest. ``--reuse`` keeps the table of an
   earlier run with the same seed and rows.
2. **five chart requests** (CHARTS): (a) a 20-bar chart, the sum of the
   amounts by function, top 20 + others; (b) a line chart, the sum by month
   (60 points); (c) stacked bars, month × direction; (d) a filtered chart,
   investment in 2024 (``eq`` + ``between`` on dates) by function; (e) the
   mean, min and max amount by nature account, top 20 + others.
3. **timing**: each request through the real GET endpoint
   ``/api/issy/aggregate`` (werkzeug's test client on the WSGI application
   ``make_app`` builds: CKAN's middleware, the anonymous visitor's auth, the
   parameters' parsing, the SQL, Redis, the JSON answer, its body read), as
   an anonymous visitor, then through the action ``issy_aggregate`` directly
   (in a request context), for comparison. **Uncached**: before each call the
   resource's cached results are deleted from Redis (untimed), so that each
   call misses, computes and stores its result, as a chart's first visitor
   does; the SQL is the same every time. **Cached**: the same request again
   right after, answered from Redis. ``--warmup`` pairs of calls first, then
   ``--repetitions`` pairs, the five requests and the two ways in turn (a
   burst of the machine's other work falls on all alike); p50, p95 and max
   in ms. Per call, the SQL
   statements sent to the DataStore database (and among them the scans of the
   table), their time, and CKAN's own statements (auth) are counted in the
   client (SQLAlchemy's cursor events).
4. **payload**: the endpoint's JSON body in bytes, and gzipped at level 5 as
   nginx sends it (deploy/nginx/issy-ckan.conf: ``gzip_comp_level 5``).

Every answer is checked against the same figures computed in Python from
the generated rows (groups, sums in Decimal, means, minima, maxima, the
top-N and its "others", the order asked for): a timing of wrong answers
proves nothing. ``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of each
statement an uncached request sends on the table.

Exit status 1 when a target of issue 23 is missed (p95 uncached over
200 ms, cached over 20 ms, through the endpoint; the 20-bar chart's payload
over 50 KB) or an answer is wrong.

    ISSY_TEST_SLOT=4 make test ARGS='tests/test_platform.py -q'   # creates slot 4's databases
    set -a; . .dev/test-2.12-s4.env; set +a
    .venv/bin/python bench/aggregate.py [--rows 100000] [--repetitions 60] [--reuse] [--explain] [--write-docs]

It refuses any database but an ``issy_test_*`` one on 127.0.0.0/8, registers
as a user of the private PostgreSQL and Redis as a test run does
(``devstack.services.bring_up``) and connects only to 127.0.0.0/8
(``harvesting.allow_only_loopback``). The rate limit is switched off
(``ckanext.issy.aggregate.rate_limit`` 0, as in test.ini) and results are
cached for a day (``cache_ttl`` 86400, the default).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import itertools
import json
import logging
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harvesting, markers  # noqa: E402 (the checkout is on sys.path now)
from devstack import scdl_samples  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/aggregate.py --write-docs: begin -->"
DOCS_END = "<!-- bench/aggregate.py --write-docs: end -->"
ROWS = 100_000
# Issue 23's targets, through the endpoint.
TARGET_UNCACHED_MS, TARGET_CACHED_MS, TARGET_PAYLOAD_BYTES = 200.0, 20.0, 50_000
GZIP_LEVEL = 5  # nginx's gzip_comp_level (deploy/nginx/issy-ckan.conf)
CACHE_TTL = 86_400  # ckanext.issy.aggregate.cache_ttl's default
ORGANIZATION = "bench-aggregate"
FIRST_DAY, YEARS = dt.date(2021, 1, 1), 5

# --- the table -------------------------------------------------------------------------
DIRECTIONS = ("Direction générale et moyens", "Éducation et enfance", "Culture et patrimoine",
              "Sports et jeunesse", "Solidarités et santé", "Espace public", "Urbanisme et économie",
              "Bâtiments et logistique")
# (function, its direction), the largest first: a row's function is drawn with
# a weight 1/rank^0.8, so that the top 20 leave a real "others".
FUNCTIONS = (
    ("Administration générale", 0), ("Écoles élémentaires", 1), ("Restauration scolaire", 1),
    ("Voirie communale", 5), ("Crèches et multi-accueils", 1), ("Espaces verts urbains", 5),
    ("Propreté urbaine et déchets", 5), ("Écoles maternelles", 1), ("Action sociale (CCAS)", 4),
    ("Police municipale", 0), ("Gymnases et salles de sport", 3), ("Périscolaire et centres de loisirs", 1),
    ("Médiathèques", 2), ("Éclairage public", 5), ("Piscines", 3), ("Aménagement urbain", 6),
    ("Conservatoire de musique et de danse", 2), ("Personnes âgées", 4), ("Systèmes d'information", 0),
    ("Jeunesse", 3), ("Stationnement", 5), ("Logement", 6), ("Spectacle vivant et Auditorium", 2),
    ("Stades", 3), ("Santé et prévention", 4), ("Musée de la carte à jouer", 2),
    ("Transports et mobilités", 5), ("Développement économique", 6), ("Commerce et marchés", 6),
    ("Fêtes et cérémonies", 0), ("Conseil municipal et élus", 0), ("Patrimoine et archives", 2),
    ("Relais petite enfance", 1), ("Cimetières", 5), ("Sécurité civile", 0), ("Relations internationales", 0),
)
# The objects a nature account's sub-accounts are kept for.
OBJECTS = ("écoles", "crèches", "équipements sportifs", "équipements culturels", "hôtel de ville",
           "voirie", "espaces verts", "centres de loisirs", "logements", "véhicules", "centres sociaux",
           "marchés")
COLUMNS_SPEC = (  # (id, DataStore type, label, description)
    ("mandat", "text", "Mandat", "Numéro du mandat de paiement."),
    ("mandate_le", "date", "Mandaté le", "Date d'émission du mandat."),
    ("section", "text", "Section", "Fonctionnement ou investissement."),
    ("direction", "text", "Direction", "Direction gestionnaire de la dépense."),
    ("fonction", "text", "Fonction", "Fonction (nomenclature M57) de la dépense."),
    ("nature", "text", "Nature", "Compte par nature (nomenclature M57), avec sa subdivision."),
    ("montant", "numeric", "Montant (€)", "Montant du mandat en euros ; négatif pour une annulation."),
    ("lignes", "int4", "Lignes", "Nombre de lignes de facture du mandat."),
)
INDEX = {spec[0]: number for number, spec in enumerate(COLUMNS_SPEC)}


def natures(seed: int) -> list[tuple[str, str, float]]:
    """The expense accounts of devstack/scdl_samples.py, each with 4 to 10
    sub-accounts by object: (value, section, typical yearly amount)."""
    rng = random.Random(f"{seed}-natures")
    found = []
    for section, kind, _chapter, _label, accounts in scdl_samples.CHAPTERS:
        if kind != "dépense":
            continue
        for code, label, typical in accounts:
            objects = rng.sample(OBJECTS, rng.randint(4, 10))
            for number, what in enumerate(objects, 1):
                found.append((f"{code}{number} {label} ({what})", section.capitalize(), typical / len(objects)))
    return found


Row = tuple[str, dt.date, str, str, str, str, Decimal, int]


def generate(rows: int, seed: int) -> list[Row]:
    """``rows`` payment orders over 2021-2025, reproducible from ``seed``."""
    rng = random.Random(f"{seed}-mandats")
    accounts = natures(seed)
    # Cumulative weights: random.choices does not add them up again at each draw.
    account_weights = list(itertools.accumulate(math.sqrt(typical) for _value, _section, typical in accounts))
    function_weights = list(itertools.accumulate(1 / rank ** 0.8 for rank in range(1, len(FUNCTIONS) + 1)))
    month_weights = list(itertools.accumulate([1.0] * 11 + [1.6]))  # the year's end
    numbers: dict[int, int] = defaultdict(int)
    result = []
    for _ in range(rows):
        year = FIRST_DAY.year + rng.randrange(YEARS)
        month = rng.choices(range(1, 13), cum_weights=month_weights)[0]
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        day = dt.date(year, month, rng.randint(1, last))
        nature, section, typical = rng.choices(accounts, cum_weights=account_weights)[0]
        function, direction = rng.choices(FUNCTIONS, cum_weights=function_weights)[0]
        if rng.random() < 0.1:
            direction = 7  # the buildings' direction works for every function
        amount = Decimal(max(100, round(typical / 2000 * rng.lognormvariate(0, 1.1) * 100))) / 100
        if rng.random() < 0.02:
            amount = -amount
        numbers[year] += 1
        result.append((f"M{year}-{numbers[year]:06d}", day, section, DIRECTIONS[direction], function, nature,
                       amount, 1 + min(int(rng.expovariate(0.4)), 30)))
    return result


def as_text(rows: list[Row]) -> list[list[str]]:
    """The rows as COPY's text cells (datastore.load's fast path)."""
    return [[mandat, day.isoformat(), section, direction, function, nature, str(amount), str(lines)]
            for mandat, day, section, direction, function, nature, amount, lines in rows]


# --- the chart requests ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Chart:
    key: str
    name: str
    params: dict[str, Any]  # the action's data_dict, without resource_id
    bars: bool = False  # the 20-bar chart: the payload target applies

    def url(self, resource_id: str) -> str:
        encoded = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in self.params.items()}
        return "/api/issy/aggregate?" + urlencode({"resource_id": resource_id, **encoded})


SUM = [{"function": "sum", "column": "montant"}]
MONTH = {"column": "mandate_le", "unit": "month"}
BY_MEASURE = {"by": "measure", "index": 0, "order": "desc"}
CHARTS = (
    Chart("a", "20 bars: sum by function, top 20 + others",
          {"group_by": [{"column": "fonction"}], "measures": SUM, "sort": BY_MEASURE, "limit": "20"}, bars=True),
    Chart("b", "line: sum by month (60 points)", {"group_by": [MONTH], "measures": SUM}),
    Chart("c", "stacked bars: month × direction", {"group_by": [MONTH, {"column": "direction"}], "measures": SUM}),
    Chart("d", "filtered: investment 2024 by function (eq + between)",
          {"group_by": [{"column": "fonction"}], "measures": SUM, "sort": BY_MEASURE,
           "filters": [{"column": "section", "op": "eq", "value": "Investissement"},
                       {"column": "mandate_le", "op": "between", "value": ["2024-01-01", "2024-12-31"]}]}),
    Chart("e", "mean, min, max by nature, top 20 + others",
          {"group_by": [{"column": "nature"}], "sort": BY_MEASURE, "limit": "20",
           "measures": [{"function": f, "column": "montant"} for f in ("mean", "min", "max")]}),
)


# --- the expected answers, computed in Python ----------------------------------------------
def _key(row: Row, group: dict[str, Any]) -> Any:
    value = row[INDEX[group["column"]]]
    if group.get("unit") == "month":
        return value.replace(day=1).isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


def _measures(rows: list[Row], measures: list[dict[str, Any]]) -> list[float]:
    out = []
    for measure in measures:
        column = [row[INDEX[measure["column"]]] for row in rows]
        function = measure["function"]
        value = (sum(column, Decimal(0)) if function == "sum" else sum(column, Decimal(0)) / len(column)
                 if function == "mean" else min(column) if function == "min" else max(column)
                 if function == "max" else len(column))
        out.append(float(value))
    return out


def _grouped(rows: list[Row], groups: list[dict[str, Any]], measures: list[dict[str, Any]]) -> dict[tuple, list[float]]:
    buckets: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        buckets[tuple(_key(row, group) for group in groups)].append(row)
    return {key: _measures(members, measures) for key, members in buckets.items()}


Expected = tuple[dict[tuple, list[float]], dict[tuple, list[float]]]


def _kept(row: Row, item: dict[str, Any]) -> bool:
    value = row[INDEX[item["column"]]]
    if item["op"] == "eq":
        return value == item["value"]
    if item["op"] == "between":
        low, high = (dt.date.fromisoformat(v) for v in item["value"])
        return low <= value <= high
    raise ValueError(item["op"])


def expected(chart: Chart, rows: list[Row]) -> Expected:
    """The rows and the "others" rows the request must give, by group key."""
    params = chart.params
    rows = [row for row in rows if all(_kept(row, item) for item in params.get("filters", []))]
    groups, measures = params["group_by"], params["measures"]
    if "limit" not in params:
        return _grouped(rows, groups, measures), {}
    ranked = _grouped(rows, groups[:1], measures[:1])
    top = {key[0] for key in sorted(ranked, key=lambda key: (-ranked[key][0], key))[:int(params["limit"])]}
    inside = [row for row in rows if _key(row, groups[0]) in top]
    outside = [row for row in rows if _key(row, groups[0]) not in top]
    if not outside:
        return _grouped(inside, groups, measures), {}
    others = {(None, *key): values for key, values in _grouped(outside, groups[1:], measures).items()}
    return _grouped(inside, groups, measures), others


def problems(chart: Chart, result: dict[str, Any], wanted: Expected) -> list[str]:
    """How an answer differs from the expected one (order included)."""
    want, want_others = wanted
    width = len(chart.params["group_by"])
    found: list[str] = []

    def compare(what: str, got_rows: list[list[Any]], expect: dict[tuple, list[float]]) -> None:
        got = {tuple(row[:width]): row[width:] for row in got_rows}
        if len(got) != len(got_rows) or set(got) != set(expect):
            found.append(f"{what}: {len(got_rows)} rows, groups {sorted(map(str, set(got) ^ set(expect)))[:3]} differ")
            return
        wrong = [key for key, values in got.items() if not all(
            math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-6) for a, b in zip(values, expect[key]))]
        if wrong:
            found.append(f"{what}: wrong figures for {wrong[:3]}")

    compare("rows", result["rows"], want)
    compare("others", result["others"], want_others)
    sort = chart.params.get("sort", {"by": "group", "index": 0, "order": "asc"})
    position = sort["index"] + (width if sort["by"] == "measure" else 0)
    column = [row[position] for row in result["rows"]]
    if column != sorted(column, reverse=sort["order"] == "desc"):
        found.append(f"rows not in the order asked for ({sort})")
    if result["truncated"]:
        found.append("truncated")
    return found


# --- the SQL statements of a call --------------------------------------------------------
class SqlClock:
    """Per call: the statements sent to the DataStore database (and those
    that scan the table), their seconds, and the statements of CKAN's own
    database; with ``capture``, the DataStore statements on the table."""

    def __init__(self, table: str) -> None:
        from ckan import model
        from ckanext.datastore.backend.postgres import get_read_engine
        from sqlalchemy import event

        self.table = f'"{table}"'
        self.capture = False
        self.captured: list[tuple[str, Any]] = []
        self.reset()
        self.listeners = [(get_read_engine(), "before_cursor_execute", self._before),
                          (get_read_engine(), "after_cursor_execute", self._after),
                          (model.meta.engine, "before_cursor_execute", self._ckan)]
        for listener in self.listeners:
            event.listen(*listener)

    def close(self) -> None:
        from sqlalchemy import event

        for listener in self.listeners:
            event.remove(*listener)

    def reset(self) -> None:
        self.datastore, self.scans, self.seconds, self.ckan = 0, 0, 0.0, 0

    def _before(self, connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        connection.info["bench_started"] = time.perf_counter()
        if self.capture and self.table in statement:
            self.captured.append((statement, parameters))

    def _after(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.datastore += 1
        self.scans += self.table in statement
        self.seconds += time.perf_counter() - connection.info.pop("bench_started")

    def _ckan(self, *_: Any) -> None:
        self.ckan += 1


# --- timing ----------------------------------------------------------------------------------
@dataclasses.dataclass
class Series:
    """The calls of one request, one way (endpoint or action), cached or not."""

    seconds: list[float] = dataclasses.field(default_factory=list)
    sql_seconds: list[float] = dataclasses.field(default_factory=list)
    datastore: list[int] = dataclasses.field(default_factory=list)
    scans: list[int] = dataclasses.field(default_factory=list)
    ckan: list[int] = dataclasses.field(default_factory=list)

    def add(self, seconds: float, clock: SqlClock) -> None:
        self.seconds.append(seconds)
        self.sql_seconds.append(clock.seconds)
        self.datastore.append(clock.datastore)
        self.scans.append(clock.scans)
        self.ckan.append(clock.ckan)

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95(self) -> float:
        return _p95(self.seconds) * 1000

    @property
    def max(self) -> float:
        return max(self.seconds) * 1000

    @property
    def sql_p50(self) -> float:
        return statistics.median(self.sql_seconds) * 1000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


@dataclasses.dataclass
class Measure:
    chart: Chart
    series: dict[tuple[str, str], Series]  # ("endpoint" | "action", "uncached" | "cached")
    payload: int = 0
    gzipped: int = 0
    rows: int = 0
    others: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


def forget(resource_id: str) -> None:
    """The resource's cached results deleted from Redis."""
    from bench import loading

    loading.forget("aggregate", resource_id)


def measure(charts: tuple[Chart, ...], resource_id: str, client: Any, rows: list[Row], clock: SqlClock,
            repetitions: int, warmup: int) -> list[Measure]:
    """Each request timed both ways, uncached then cached, the requests and
    ways in turn: a burst of the machine's other work falls on all alike."""
    import ckan.plugins.toolkit as tk

    action = tk.get_action("issy_aggregate")
    measures = [Measure(chart, {(way, state): Series() for way in ("endpoint", "action")
                                for state in ("uncached", "cached")}) for chart in charts]
    wanted = {chart.key: expected(chart, rows) for chart in charts}

    def endpoint(chart: Chart) -> tuple[dict[str, Any], bytes]:
        response = client.get(chart.url(resource_id))
        body = response.get_data()
        response.close()
        if response.status_code != 200:
            raise RuntimeError(f"{chart.key}: HTTP {response.status_code}: {body[:300]!r}")
        return json.loads(body)["result"], body

    def direct(chart: Chart) -> tuple[dict[str, Any], bytes]:
        return action({"user": ""}, {"resource_id": resource_id, **chart.params}), b""

    for number in range(warmup + repetitions):
        for result in measures:
            chart = result.chart
            for way, call in (("endpoint", endpoint), ("action", direct)):
                for state in ("uncached", "cached"):
                    if state == "uncached":
                        forget(resource_id)
                    clock.reset()
                    start = time.perf_counter()
                    answer, body = call(chart)
                    seconds = time.perf_counter() - start
                    if answer["cached"] != (state == "cached"):
                        result.problems.append(f"{way}, {state} call answered with cached={answer['cached']}")
                    if number >= warmup:
                        result.series[way, state].add(seconds, clock)
                    elif number == 0:  # each way's first answers, computed and cached, checked
                        result.problems += [f"{way}, {state}: {problem}"
                                            for problem in problems(chart, answer, wanted[chart.key])]
                        if way == "endpoint" and state == "uncached":
                            result.payload, result.gzipped = len(body), len(gzip.compress(body, GZIP_LEVEL))
                            result.rows, result.others = len(answer["rows"]), len(answer["others"])
    return measures


def explain(chart: Chart, resource_id: str, clock: SqlClock) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements an uncached call sends on the table."""
    import ckan.plugins.toolkit as tk
    from ckanext.datastore.backend.postgres import get_read_engine

    forget(resource_id)
    clock.capture, clock.captured = True, []
    try:
        tk.get_action("issy_aggregate")({"user": ""}, {"resource_id": resource_id, **chart.params})
    finally:
        clock.capture = False
    parts = [f"### ({chart.key}) {chart.name}"]
    with get_read_engine().connect() as connection:
        for statement, parameters in clock.captured:
            plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).scalars()
            parts += [statement, f"parameters: {parameters!r}", *plan, ""]
    return "\n".join(parts)


# --- the site ------------------------------------------------------------------------------------
def dataset_name(rows: int, seed: int) -> str:
    return f"bench-aggregate-mandats-{seed}-{rows}"


def _table_holds(resource_id: str, rows: list[Row]) -> bool:
    from bench import loading

    return loading.table_holds(resource_id, len(rows), "montant",
                               sum((row[INDEX["montant"]] for row in rows), Decimal(0)))


def prepare_table(rows: list[Row], seed: int, reuse: bool) -> tuple[str, float | None]:
    """The resource whose table holds ``rows``, and the seconds its load took
    (None when ``reuse`` kept an earlier run's table)."""
    from bench import loading

    return loading.prepare_table(
        dataset_name(len(rows), seed), organization=ORGANIZATION, organization_title="Direction des finances",
        title="Mandats de paiement de la commune d'Issy-les-Moulineaux, 2021-2025 (banc d'essai)",
        resource_name="Mandats 2021-2025", resource_url="http://127.0.0.1/mandats-2021-2025.csv",
        columns=COLUMNS_SPEC, text=lambda: as_text(rows), holds=lambda resource_id: _table_holds(resource_id, rows),
        reuse=reuse)


def table_sizes(resource_id: str) -> tuple[int, int]:
    """The table's heap, and its total size (TOAST and indexes included)."""
    from ckanext.datastore.backend.postgres import get_write_engine

    with get_write_engine().connect() as connection:
        return connection.exec_driver_sql(
            "SELECT pg_relation_size(%s), pg_total_relation_size(%s)",
            (f'"{resource_id}"', f'"{resource_id}"')).one()


@contextmanager
def settings() -> Iterator[None]:
    """No rate limit, results cached for a day; the previous values restored."""
    import ckan.plugins.toolkit as tk

    wanted = {"ckanext.issy.aggregate.rate_limit": 0, "ckanext.issy.aggregate.cache_ttl": CACHE_TTL}
    before = {key: tk.config.get(key) for key in wanted}
    tk.config.update(wanted)
    try:
        yield
    finally:
        tk.config.update(before)


# --- the report ----------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:.1f}"


def tables(measures: list[Measure]) -> str:
    lines = ["GET /api/issy/aggregate, as an anonymous visitor (what visitors pay):", "",
             "| request | rows + others | uncached p50 ms | p95 | max | cached p50 ms | p95 | max "
             "| JSON bytes | gzipped |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in measures:
        u, c = m.series["endpoint", "uncached"], m.series["endpoint", "cached"]
        lines.append(f"| ({m.chart.key}) {m.chart.name} | {m.rows} + {m.others} | {_ms(u.p50)} | {_ms(u.p95)} | "
                     f"{_ms(u.max)} | {_ms(c.p50)} | {_ms(c.p95)} | {_ms(c.max)} | {m.payload:,} | {m.gzipped:,} |")
    lines += ["", "Where the time goes: the action called directly, and the SQL of an endpoint call "
              "(statements counted in the client, medians):", "",
              "| request | action uncached p50 ms | p95 | action cached p50 ms | p95 | DataStore SQL ms, uncached "
              "| DataStore statements (table scans), uncached | cached | CKAN statements |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in measures:
        au, ac = m.series["action", "uncached"], m.series["action", "cached"]
        eu, ec = m.series["endpoint", "uncached"], m.series["endpoint", "cached"]
        lines.append(
            f"| ({m.chart.key}) | {_ms(au.p50)} | {_ms(au.p95)} | {_ms(ac.p50)} | {_ms(ac.p95)} | "
            f"{_ms(eu.sql_p50)} | {statistics.median(eu.datastore):.0f} ({statistics.median(eu.scans):.0f}) | "
            f"{statistics.median(ec.datastore):.0f} ({statistics.median(ec.scans):.0f}) | "
            f"{statistics.median(eu.ckan):.0f} |")
    return "\n".join(lines)


def verdicts(measures: list[Measure], args: argparse.Namespace) -> list[tuple[str, bool]]:
    """Each target of issue 23 (those not switched off), and whether it is met."""
    found = []
    if args.uncached_target_ms:
        worst = max(measures, key=lambda m: m.series["endpoint", "uncached"].p95)
        p95 = worst.series["endpoint", "uncached"].p95
        found.append((f"p95 uncached under {args.uncached_target_ms:g} ms: worst {p95:.1f} ms "
                      f"({worst.chart.key})", p95 < args.uncached_target_ms))
    if args.cached_target_ms:
        worst = max(measures, key=lambda m: m.series["endpoint", "cached"].p95)
        p95 = worst.series["endpoint", "cached"].p95
        found.append((f"p95 cached under {args.cached_target_ms:g} ms: worst {p95:.1f} ms ({worst.chart.key})",
                      p95 < args.cached_target_ms))
    if args.payload_target:
        for m in measures:
            if m.chart.bars:
                found.append((f"20-bar payload under {args.payload_target:,} bytes: {m.payload:,} bytes "
                              f"({m.gzipped:,} gzipped)", m.payload < args.payload_target))
    return found


def code_version() -> str:
    """The commit measured, and whether ckanext/issy/aggregate/ differs from it."""
    def git(*arguments: str) -> str:
        try:
            return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "commit unknown"
    last = git("log", "-1", "--format=%h", "--", "ckanext/issy/aggregate")
    changed = git("status", "--porcelain", "--", "ckanext/issy/aggregate")
    return (f"commit {commit} (ckanext/issy/aggregate/ of {last}"
            + (", with local changes)" if changed else ")"))


def environment(started: tuple[float, ...], steal: float) -> str:
    import ckan
    from ckanext.datastore.backend.postgres import get_read_engine

    with get_read_engine().connect() as connection:
        version = connection.exec_driver_sql("SHOW server_version").scalar()
    return (f"CKAN {ckan.__version__}, {os.cpu_count()} cores, PostgreSQL {version.split()[0]}; {code_version()}; "
            f"load average (1 min) {started[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
            f"CPU stolen {steal:.0%}; {dt.date.today().isoformat()}")


def write_docs(text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, DOCS_BEGIN, DOCS_END, text)


def run(args: argparse.Namespace, wsgi_app: Any) -> int:
    """The bench, CKAN loaded (in a request context): prints the tables;
    the exit status."""
    from werkzeug.test import Client

    from bench.loading import check_test_databases

    check_test_databases()
    started, cpu = os.getloadavg(), harvesting.cpu_times()
    generation, rows = harvesting.timed(lambda: generate(args.rows, args.seed))
    with settings():
        resource_id, loading = prepare_table(rows, args.seed, args.reuse)
        harvesting.settle()  # VACUUM (ANALYZE) of what was written, as autovacuum would
        heap, total = table_sizes(resource_id)
        clock = SqlClock(resource_id)
        client = Client(wsgi_app)
        try:
            measures = measure(CHARTS, resource_id, client, rows, clock, args.repetitions, args.warmup)
            for chart in CHARTS if args.explain else ():
                print(explain(chart, resource_id, clock), flush=True)
        finally:
            clock.close()
            forget(resource_id)
    steal = harvesting.stolen(cpu)
    distinct = {column: len({row[INDEX[column]] for row in rows}) for column in ("direction", "fonction", "nature")}
    loaded = f"loaded in {loading:.1f} s by datastore.load" if loading is not None else "kept from an earlier run"
    text = "\n".join([
        f"`{' '.join(['bench/aggregate.py', *args.argv])}` — {environment(started, steal)}; "
        f"{args.repetitions} timed calls per request and way, after {args.warmup}.",
        "",
        f"The table: {len(rows):,} rows (generated in {generation:.1f} s, {loaded}); "
        f"{distinct['fonction']} functions, {distinct['nature']} nature accounts, {distinct['direction']} "
        f"directions, 60 months; heap {heap / 1e6:.1f} MB, {total / 1e6:.1f} MB with TOAST and indexes.",
        "",
        tables(measures),
    ])
    targets = verdicts(measures, args)
    text += "\n\n" + "\n".join(f"- target: {name}: {'met' if met else '**NOT MET**'}" for name, met in targets)
    print("\n" + text)
    wrong = [f"({m.chart.key}) {problem}" for m in measures for problem in m.problems]
    for problem in wrong:
        print(f"WRONG   {problem}", file=sys.stderr)
    if args.write_docs:
        write_docs(text)
    if wrong or not all(met for _name, met in targets):
        print("FAILED: " + ("an answer is wrong" if wrong else "a target is not met"), file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--rows", type=int, default=ROWS, help="rows of the table")
    parse.add_argument("--seed", type=int, default=1)
    parse.add_argument("--repetitions", type=int, default=60, help="timed calls per request, way and cache state")
    parse.add_argument("--warmup", type=int, default=3, help="untimed calls first, per request, way and state")
    parse.add_argument("--reuse", action="store_true",
                       help="keep the table of an earlier run with the same --rows and --seed")
    parse.add_argument("--explain", action="store_true",
                       help="print EXPLAIN (ANALYZE, BUFFERS) of each request's statements on the table")
    parse.add_argument("--uncached-target-ms", type=float, default=TARGET_UNCACHED_MS, help="0: none")
    parse.add_argument("--cached-target-ms", type=float, default=TARGET_CACHED_MS, help="0: none")
    parse.add_argument("--payload-target", type=int, default=TARGET_PAYLOAD_BYTES,
                       help="bytes of the 20-bar chart's JSON; 0: none")
    parse.add_argument("--write-docs", action="store_true",
                       help=f"replace the figures between the markers of {DOCS.relative_to(ROOT)}")
    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parse = parser()
    args = parse.parse_args(argv)
    if args.repetitions < 2 or args.warmup < 1:
        parse.error("--repetitions must be at least 2, --warmup at least 1")
    if args.write_docs and (args.rows != ROWS or (args.uncached_target_ms, args.cached_target_ms,
                                                 args.payload_target) != (TARGET_UNCACHED_MS, TARGET_CACHED_MS,
                                                                          TARGET_PAYLOAD_BYTES)):
        parse.error(f"--write-docs writes issue 23's measure: {ROWS:,} rows and its targets")
    args.argv = argv  # for the command line written with the figures
    return args


def main() -> int:
    args = parse_args(sys.argv[1:])
    harvesting.allow_only_loopback("bench/aggregate.py")
    with harvesting.services_used():
        from ckan.cli import load_config
        from ckan.config.middleware import make_app

        app = make_app(load_config(str(ROOT / "test.ini")))
        for name in ("ckan", "ckanext"):  # as on a site: test.ini's DEBUG logging would be timed too
            logging.getLogger(name).setLevel(logging.WARNING)
        with app._wsgi_app.test_request_context():
            return run(args, app)


if __name__ == "__main__":
    raise SystemExit(main())
