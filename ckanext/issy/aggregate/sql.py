"""The SQL of the aggregations and of the map's points (``geo/``): the ONLY
module of ``aggregate/`` and ``geo/`` that reads the DataStore database
directly (the DataStore's read engine,
``ckanext.datastore.backend.postgres.get_read_engine``), listed with the
other places that reach into internals in docs/architecture.md.

Every identifier comes from the table's own columns (``columns`` reads them
from PostgreSQL's catalogue) and is quoted by the DataStore's ``identifier``;
every value is a bound parameter; functions, units and operators come from
fixed tables below. Each request runs in one read-only REPEATABLE READ
transaction with a statement timeout: its table version, its top-N and its
rows all see the same snapshot.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import psycopg2.errors
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ckanext.issy.aggregate.request import Column, Filter, Group, Measure, Request
from ckanext.issy.geo.points import Points
from ckanext.issy.harvesters.core.datastore import DataStoreError, table_version

_FUNCTIONS = {"sum": "sum", "count": "count", "mean": "avg", "min": "min", "max": "max"}
_COMPARISONS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# PostgreSQL's type names (format_type) by the kind of column a chart sees.
_KINDS = {
    "smallint": "number", "integer": "number", "bigint": "number", "numeric": "number",
    "real": "number", "double precision": "number",
    "date": "date", "timestamp without time zone": "date", "timestamp with time zone": "date",
    "text": "text", "character varying": "text", "character": "text", "boolean": "bool",
}
_TEMPORAL = {"date": "date", "timestamp without time zone": "timestamp",
             "timestamp with time zone": "timestamptz"}
# A time zone's name as PostgreSQL and the IANA database write it, safe as a literal.
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
# A coordinate written as text: a decimal number, with a point or a French
# comma, of at most 3 digits before it (a cast of anything else could fail).
_DECIMAL = r"^\s*[+-]?[0-9]{1,3}([.,][0-9]+)?\s*$"
# "latitude, longitude" as Opendatasoft exports a geo_point_2d.
_PAIR = r"^\s*[+-]?[0-9]{1,3}(\.[0-9]+)?\s*,\s*[+-]?[0-9]{1,3}(\.[0-9]+)?\s*$"
# The DataStore's own columns, never shown.
_INTERNAL = ("_id", "_full_text")


class Timeout(Exception):
    """The request took longer than the statement timeout."""


@contextmanager
def snapshot(timeout_ms: int) -> Iterator[sa.engine.Connection]:
    """A read-only transaction on the DataStore's read engine, in which every
    statement is stopped after ``timeout_ms``."""
    with get_read_engine().connect() as connection, connection.begin():
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        connection.exec_driver_sql("SELECT set_config('statement_timeout', %s, true)", (f"{int(timeout_ms)}ms",))
        try:
            yield connection
        except sa.exc.OperationalError as error:
            if isinstance(error.orig, psycopg2.errors.QueryCanceled):
                raise Timeout() from error
            raise


def columns(connection: sa.engine.Connection, resource_id: str) -> dict[str, Column] | None:
    """The table's usable columns in their order, with the DataStore data
    dictionary's label (kept by the DataStore as the column's JSON comment); None
    when the resource has no table."""
    found = connection.exec_driver_sql(
        "SELECT a.attname, format_type(a.atttypid, NULL), col_description(a.attrelid, a.attnum)"
        " FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0"
        " AND NOT a.attisdropped ORDER BY a.attnum", (identifier(resource_id),)).fetchall()
    if not found:
        return None
    usable = {}
    for name, type_name, comment in found:
        kind = _KINDS.get(type_name)
        if kind and name not in _INTERNAL:
            temporal = _TEMPORAL.get(type_name, "")
            usable[name] = Column(name, kind, _label(comment) or name, temporal)
    return usable


def _label(comment: str | None) -> str:
    try:
        info = json.loads(comment or "{}")
    except ValueError:
        return ""
    if isinstance(info, dict) and isinstance(info.get("_info"), dict):
        info = info["_info"]  # the DataStore's comment since CKAN 2.11: {"_info": {...}, plugin data}
    label = info.get("label") if isinstance(info, dict) else None
    return label.strip() if isinstance(label, str) else ""


def version(connection: sa.engine.Connection, resource_id: str) -> int | None:
    """The table's version (harvesters/core/datastore.py); None for a table
    the extension did not create, whose results are then never cached."""
    try:
        with connection.begin_nested():
            return table_version(resource_id, connection)
    except DataStoreError:
        return None


def _name(column: Column) -> str:
    """A column's quoted name, its "%" doubled: every query has bound values,
    so psycopg2 reads "%" as the start of one ("Part des votants (%)")."""
    return identifier(column.id).replace("%", "%%")


def _zone() -> str | None:
    """The site's time zone (``ckan.display_timezone``), in which days and
    months of a ``timestamptz`` column begin; None for the server's."""
    zone = tk.config.get("ckan.display_timezone") or "UTC"
    return zone if zone != "server" and _ZONE.fullmatch(zone) else None


def _group(group: Group) -> str:
    name = _name(group.column)
    if group.unit is None:
        return name
    temporal, unit = group.column.temporal, f"'{group.unit}'"
    if temporal == "date":  # no date_trunc(text, date): through timestamp, never timestamptz
        return f"date_trunc({unit}, {name}::timestamp)::date"
    zone = _zone() if temporal == "timestamptz" else None
    if zone:  # the local day or month, as a local time
        return f"(date_trunc({unit}, {name}, '{zone}') AT TIME ZONE '{zone}')"
    return f"date_trunc({unit}, {name})"


def _measure(measure: Measure) -> str:
    return f"{_FUNCTIONS[measure.function]}({_name(measure.column) if measure.column else '*'})"


class Params(dict[str, Any]):
    """Bound values by name: named, because SQLAlchemy 1.4 (CKAN 2.11) takes
    a tuple of positional values that starts with a list for several sets
    of values."""

    def __call__(self, value: Any) -> str:
        name = f"p{len(self)}"
        self[name] = value
        return f"%({name})s"


def _condition(item: Filter, params: Params) -> str:
    name = _name(item.column)
    if item.op == "in":
        return f"{name} = ANY({params(list(item.value))})"
    if item.op == "between":
        return f"{name} BETWEEN {params(item.value[0])} AND {params(item.value[1])}"
    if item.op == "ne":
        return f"{name} IS DISTINCT FROM {params(item.value)}"
    return f"{name} {_COMPARISONS[item.op]} {params(item.value)}"


def _where(filters: Sequence[Filter], params: Params) -> str:
    conditions = [_condition(item, params) for item in filters]
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _order(request: Request, offset: int = 0) -> str:
    """The requested order, then the groups; ``offset`` columns come first."""
    sort = request.sort
    position = offset + sort.index + 1 + (len(request.groups) if sort.by == "measure" else 0)
    tie = ", ".join(str(offset + i + 1) for i in range(len(request.groups)))
    return f" ORDER BY {position} {sort.order.upper()} NULLS LAST" + (f", {tie}" if tie else "")


def _select(request: Request, groups: list[str], where: str) -> str:
    selected = groups + [_measure(m) for m in request.measures]
    grouping = f" GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}" if groups else ""
    return f"SELECT {', '.join(selected)} FROM {identifier(request.resource_id)}{where}{grouping}"


# A measure's partial aggregates over the cells of the top-N's query, and
# how they combine into the measure over several cells (a mean from its
# sums and counts, exactly as avg() computes it).
_PARTIALS = {"sum": ("sum({x})",), "count": ("count({x})",), "mean": ("sum({x})", "count({x})"),
             "min": ("min({x})",), "max": ("max({x})",)}
_COMBINED = {"sum": "sum({a})", "count": "sum({a})", "mean": "sum({a})::numeric / NULLIF(sum({b}), 0)",
             "min": "min({a})", "max": "max({a})"}


def _partials(request: Request) -> tuple[list[str], list[str]]:
    """The partial aggregates of every measure, and each measure combined."""
    partials, combined = [], []
    for i, measure in enumerate(request.measures):
        column = _name(measure.column) if measure.column else "*"
        names = [f"m{i}{letter}" for letter in "ab"[:len(_PARTIALS[measure.function])]]
        partials += [f"{template.format(x=column)} AS {name}"
                     for template, name in zip(_PARTIALS[measure.function], names)]
        combined.append(_COMBINED[measure.function].format(a=names[0], b=names[-1]))
    return partials, combined


def _ranked(request: Request, groups: list[str], params: Params, max_rows: int) -> str:
    """The top-N in one statement, one scan of the table: the rows grouped
    into cells (first group, second group) with partial aggregates; the
    first groups ranked by the first measure; the cells of the top, then
    (``others``) those of the rest as one bucket per second group; a flag
    column first tells them apart."""
    keys = [f"k{i}" for i in range(len(groups))]
    partials, combined = _partials(request)
    cells = (f"SELECT {', '.join(f'{g} AS {k}' for g, k in zip(groups, keys))}, {', '.join(partials)}"
             f" FROM {identifier(request.resource_id)}{_where(request.filters, params)}"
             f" GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}")
    order = _order(request, offset=1)
    room = f" LIMIT {params(max_rows + 1)}"  # max_rows + 1 of each kind, to tell a cut
    statement = (
        f"WITH cells AS MATERIALIZED ({cells}),"
        f" top AS MATERIALIZED (SELECT k0 FROM cells GROUP BY k0 ORDER BY {combined[0]} DESC NULLS LAST, k0"
        f" LIMIT {params(request.limit)}),"
        # A hashed IN, once for all cells (a correlated test ran the top per cell); NULL apart.
        " marked AS (SELECT cells.*, (COALESCE(k0 IN (SELECT k0 FROM top WHERE k0 IS NOT NULL), false)"
        " OR (k0 IS NULL AND EXISTS (SELECT 1 FROM top WHERE k0 IS NULL))) AS kept,"
        # A NULL of the first group's type for the others' bucket (an untyped NULL is text).
        " NULLIF(k0, k0) AS nothing FROM cells)"
        f" SELECT * FROM ((SELECT false AS other, {', '.join(keys + combined)} FROM marked WHERE kept"
        f" GROUP BY {', '.join(keys)}{order}{room})")
    if request.others:
        rest = ", ".join(["nothing"] + keys[1:] + combined)
        statement += (f" UNION ALL (SELECT true, {rest} FROM marked WHERE NOT kept"
                      f" GROUP BY {', '.join(['nothing'] + keys[1:])}"
                      + f" HAVING count(*) > 0{order}{room})")
    return statement + ") AS found" + order.replace(" ORDER BY ", " ORDER BY 1, ", 1)


def run(connection: sa.engine.Connection, request: Request, max_rows: int) -> tuple[list[list[Any]], list[list[Any]], bool]:
    """The rows (groups then measures), the "others" rows (the first group
    as None) and whether the rows were cut at ``max_rows``."""
    groups = [_group(g) for g in request.groups]
    params = Params()
    if request.limit is None:
        where = _where(request.filters, params)
        sql = _select(request, groups, where) + _order(request) + f" LIMIT {params(max_rows + 1)}"
        rows = [list(map(_json, row)) for row in connection.exec_driver_sql(sql, params)]
        return rows[:max_rows], [], len(rows) > max_rows
    found = connection.exec_driver_sql(_ranked(request, groups, params, max_rows), params).fetchall()
    rows = [list(map(_json, row[1:])) for row in found if not row[0]]
    others = [list(map(_json, row[1:])) for row in found if row[0]]
    return rows[:max_rows], others[:max_rows], len(rows) > max_rows or len(others) > max_rows


def _json(value: Any) -> Any:
    """A value as JSON can hold it: PostgreSQL's NaN and infinities (in a
    float or numeric column) have no JSON form and come back as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _coordinates(request: Points, params: Params) -> tuple[str, str]:
    """The latitude and the longitude as numbers, NULL where a text is not
    one: every cast is guarded by its pattern, so that no row fails it."""
    if request.geo is not None:
        name, pair = _name(request.geo), params(_PAIR)
        lat, lon = (f"CASE WHEN {name} ~ {pair} THEN split_part({name}, ',', {part})::numeric END"
                    for part in (1, 2))
        return lat, lon
    assert request.lat is not None and request.lon is not None
    return _coordinate(request.lat, params), _coordinate(request.lon, params)


def _coordinate(column: Column, params: Params) -> str:
    name = _name(column)
    if column.kind == "number":
        return name
    return f"CASE WHEN {name} ~ {params(_DECIMAL)} THEN replace({name}, ',', '.')::numeric END"


def points(connection: sa.engine.Connection, request: Points) -> dict[str, Any]:
    """The first ``limit`` points in the table's order (``_id``) with valid
    coordinates (lon, lat, then the fields), whether there were more, and
    over every row the filters keep: the points, the rows without valid
    coordinates, the bounds [[south, west], [north, east]] of the points."""
    params = Params()
    lat, lon = _coordinates(request, params)
    fields = "".join(f", {_name(column)} AS f{i}" for i, column in enumerate(request.fields))
    located = (f"(SELECT _id, {lat} AS lat, {lon} AS lon{fields} FROM {identifier(request.resource_id)}"
               f"{_where(request.filters, params)}) AS located")
    # NaN is larger than any number in PostgreSQL: out of range too.
    valid = "COALESCE(abs(lat) <= 90 AND abs(lon) <= 180, false)"
    extremes = ", ".join(f"round(({f}({c}) FILTER (WHERE valid))::numeric, 6)"
                         for f, c in (("min", "lat"), ("min", "lon"), ("max", "lat"), ("max", "lon")))
    total, skipped, south, west, north, east = connection.exec_driver_sql(
        f"SELECT count(*) FILTER (WHERE valid), count(*) FILTER (WHERE NOT valid), {extremes}"
        f" FROM (SELECT lat, lon, {valid} AS valid FROM {located}) AS checked", params).one()
    rows = connection.exec_driver_sql(
        "SELECT round(lon::numeric, 6), round(lat::numeric, 6)"
        + "".join(f", f{i}" for i in range(len(request.fields)))
        + f" FROM {located} WHERE {valid} ORDER BY _id LIMIT {params(request.limit + 1)}", params).fetchall()
    return {"points": [list(map(_json, row)) for row in rows[:request.limit]], "total": total,
            "skipped": skipped, "truncated": len(rows) > request.limit,
            "bounds": [[_json(south), _json(west)], [_json(north), _json(east)]] if total else None}
