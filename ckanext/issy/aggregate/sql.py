"""The aggregation's SQL: the ONLY module of ``aggregate/`` that reads the
DataStore database directly (the DataStore's read engine,
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
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg2.errors
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ckanext.issy.aggregate.request import Column, Filter, Group, Measure, Request
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
            temporal = ("date" if type_name == "date" else "timestamp") if kind == "date" else ""
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


def _group(group: Group) -> str:
    name = _name(group.column)
    if group.unit is None:
        return name
    truncated = f"date_trunc('{group.unit}', {name})"
    return f"{truncated}::date" if group.column.temporal == "date" else truncated


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


def _where(request: Request, params: Params, extra: str = "") -> str:
    conditions = [_condition(item, params) for item in request.filters]
    if extra:
        conditions.append(extra)
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _top(connection: sa.engine.Connection, request: Request) -> list[Any]:
    """The first group's values with the largest first measure."""
    params = Params()
    key = _group(request.groups[0])
    sql = (f"SELECT {key} FROM {identifier(request.resource_id)}{_where(request, params)}"
           f" GROUP BY 1 ORDER BY {_measure(request.measures[0])} DESC NULLS LAST, 1 LIMIT {params(request.limit)}")
    return [row[0] for row in connection.exec_driver_sql(sql, params)]


def _kept(key: str, top: list[Any], params: Params, keep: bool) -> str:
    """The condition that a row's first group is (or, ``keep`` false, is
    not) among the top values; NULL is a value like the others."""
    values = [value for value in top if value is not None]
    inside = f"COALESCE({key} = ANY({params(values)}), false)"
    if None in top:
        inside = f"({inside} OR {key} IS NULL)"
    return inside if keep else f"NOT {inside}"


def _order(request: Request) -> str:
    sort = request.sort
    position = sort.index + 1 + (len(request.groups) if sort.by == "measure" else 0)
    tie = ", ".join(str(i + 1) for i in range(len(request.groups)))
    return f" ORDER BY {position} {sort.order.upper()} NULLS LAST" + (f", {tie}" if tie else "")


def _select(request: Request, groups: list[str], where: str, extra: str = "") -> str:
    selected = groups + [_measure(m) for m in request.measures] + ([extra] if extra else [])
    grouping = f" GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}" if groups else ""
    return f"SELECT {', '.join(selected)} FROM {identifier(request.resource_id)}{where}{grouping}"


def run(connection: sa.engine.Connection, request: Request, max_rows: int) -> tuple[list[list[Any]], list[list[Any]], bool]:
    """The rows (groups then measures), the "others" rows (the first group
    as None) and whether the rows were cut at ``max_rows``."""
    groups = [_group(g) for g in request.groups]
    params = Params()
    extra, others = "", []
    if request.limit is not None:
        top = _top(connection, request)
        if not top:
            return [], [], False
        extra = _kept(groups[0], top, params, keep=True)
        if request.others:
            others = _others(connection, request, groups, top)
    sql = _select(request, groups, _where(request, params, extra)) + _order(request) + f" LIMIT {params(max_rows + 1)}"
    rows = [list(map(_json, row)) for row in connection.exec_driver_sql(sql, params)]
    return rows[:max_rows], others, len(rows) > max_rows


def _others(connection: sa.engine.Connection, request: Request, groups: list[str],
            top: list[Any]) -> list[list[Any]]:
    """The groups left out of the top, as one bucket (per second group)."""
    params = Params()
    where = _where(request, params, _kept(groups[0], top, params, keep=False))
    sql = _select(request, groups[1:], where, extra="count(*)") + (" ORDER BY 1" if len(groups) > 1 else "")
    # Without a second group, no row left out still gives one row, of count 0.
    return [[None] + list(map(_json, row[:-1])) for row in connection.exec_driver_sql(sql, params)
            if row[-1]]


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
