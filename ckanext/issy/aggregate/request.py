"""An aggregation request, checked: every column against the table's columns,
every function, unit and operator against a fixed list, every value turned
into the column's Python type. Nothing here builds SQL; ``sql.py`` only ever
sees a ``Request``. Errors are ``tk.ValidationError`` keyed by the parameter
at fault, with a sentence a visitor can act on."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Sequence

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _

FUNCTIONS = ("sum", "count", "mean", "min", "max")
UNITS = ("day", "month", "year")
OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between")
ORDERS = ("asc", "desc")
# The kinds of column a chart can use; other PostgreSQL types (arrays, JSON,
# geometries) are left out of the table's columns altogether.
KINDS = ("number", "date", "text", "bool")
# What each function accepts (``count`` counts values of any kind).
_FUNCTION_KINDS = {"sum": ("number",), "mean": ("number",), "min": ("number", "date"),
                   "max": ("number", "date"), "count": KINDS}
MAX_GROUPS, MAX_MEASURES, MAX_FILTERS, MAX_VALUES = 2, 5, 10, 100
# Parameters that arrive JSON-encoded on the GET endpoint.
STRUCTURED = ("group_by", "measures", "filters", "sort")


@dataclass(frozen=True)
class Column:
    id: str
    kind: str  # one of KINDS
    label: str
    temporal: str = ""  # "date", "timestamp" or "timestamptz" for date columns


@dataclass(frozen=True)
class Group:
    column: Column
    unit: str | None


@dataclass(frozen=True)
class Measure:
    function: str
    column: Column | None  # None: count of rows

    @property
    def id(self) -> str:
        return self.column.id if self.column else "count"


@dataclass(frozen=True)
class Filter:
    column: Column
    op: str
    value: Any  # typed: a value, or a tuple of values for "in" and "between"


@dataclass(frozen=True)
class Sort:
    by: str  # "group" or "measure"
    index: int
    order: str


@dataclass(frozen=True)
class Request:
    resource_id: str
    groups: tuple[Group, ...]
    measures: tuple[Measure, ...]
    filters: tuple[Filter, ...]
    sort: Sort
    limit: int | None
    others: bool

    def cache_key(self) -> str:
        """The request's canonical text: two requests with the same meaning
        (keys in another order, defaults spelt out) share a cache entry."""
        return json.dumps({
            "g": [[g.column.id, g.unit] for g in self.groups],
            "m": [[m.function, m.id] for m in self.measures],
            "f": filters_key(self.filters),
            "s": [self.sort.by, self.sort.index, self.sort.order],
            "l": self.limit, "o": self.others,
        }, sort_keys=True, separators=(",", ":"))


def filters_key(filters: Sequence[Filter]) -> list[Any]:
    """The filters' part of a request's canonical text."""
    return [[f.column.id, f.op, _plain(f.value)] for f in filters]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):  # and datetime
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def invalid(field: str, message: str) -> tk.ValidationError:
    return tk.ValidationError({field: [message]})


def decode(params: Mapping[str, Any], structured: Sequence[str]) -> dict[str, Any]:
    """A GET endpoint's query parameters as its action's ``data_dict``: the
    ``structured`` ones are JSON."""
    data: dict[str, Any] = {}
    for key, value in params.items():
        if key in structured:
            try:
                data[key] = json.loads(value)
            except ValueError:
                raise invalid(key, _("This parameter must be JSON.")) from None
        else:
            data[key] = value
    return data


def parse(data: Mapping[str, Any], columns: Mapping[str, Column], max_limit: int) -> Request:
    """The checked request, or ``tk.ValidationError``."""
    groups = tuple(_group(item, columns) for item in items(data, "group_by", MAX_GROUPS))
    measures = tuple(_measure(item, columns) for item in items(data, "measures", MAX_MEASURES))
    if not measures:
        raise invalid("measures", _("Ask for at least one measure."))
    conditions = filters(data, columns)
    top = limit(data.get("limit"), max_limit, _("The top-N must be a whole number from 1 to {most}."))
    if top is not None and not groups:
        raise invalid("limit", _("A top-N needs a group."))
    others = _boolean(data.get("others"), "others", default=top is not None)
    return Request(str(data.get("resource_id") or ""), groups, measures, conditions,
                   _sort(data.get("sort"), len(groups), len(measures)), top, others)


def filters(data: Mapping[str, Any], columns: Mapping[str, Column]) -> tuple[Filter, ...]:
    """The request's ``filters``, checked: every one must hold."""
    return tuple(_filter(item, columns) for item in items(data, "filters", MAX_FILTERS))


def items(data: Mapping[str, Any], field: str, most: int) -> list[Any]:
    found = data.get(field) or []
    if isinstance(found, (str, dict)):
        found = [found]
    if not isinstance(found, list):
        raise invalid(field, _("This parameter must be a list."))
    if len(found) > most:
        raise invalid(field, _("At most {number} items are allowed here.").format(number=most))
    return found


def as_object(item: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise invalid(field, _("Each item must be an object."))
    return item


def table_column(name: Any, columns: Mapping[str, Column], field: str) -> Column:
    if not isinstance(name, str) or name not in columns:
        raise invalid(field, _("The table has no column “{column}”.").format(column=str(name)[:100]))
    return columns[name]


def _choice(value: Any, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise invalid(field, _("“{value}” is not allowed here; use one of: {allowed}.").format(
            value=str(value)[:100], allowed=", ".join(allowed)))
    return value


def _group(item: Any, columns: Mapping[str, Column]) -> Group:
    item = {"column": item} if isinstance(item, str) else as_object(item, "group_by")
    column = table_column(item.get("column"), columns, "group_by")
    unit = item.get("unit") or None
    if unit is not None:
        _choice(unit, UNITS, "group_by")
        if column.kind != "date":
            raise invalid("group_by", _("Only a date column can be grouped by day, month or year."))
    return Group(column, unit)


def _measure(item: Any, columns: Mapping[str, Column]) -> Measure:
    item = as_object(item, "measures")
    function = _choice(item.get("function"), FUNCTIONS, "measures")
    if function == "count" and not item.get("column"):
        return Measure(function, None)
    column = table_column(item.get("column"), columns, "measures")
    if column.kind not in _FUNCTION_KINDS[function]:
        raise invalid("measures", _("The column “{column}” cannot be used with {function}.").format(
            column=column.id, function=function))
    return Measure(function, column)


def _filter(item: Any, columns: Mapping[str, Column]) -> Filter:
    item = as_object(item, "filters")
    column = table_column(item.get("column"), columns, "filters")
    op = _choice(item.get("op"), OPERATORS, "filters")
    value = item.get("value")
    if op in ("in", "between"):
        if not isinstance(value, list) or not value or len(value) > MAX_VALUES or (
                op == "between" and len(value) != 2):
            raise invalid("filters", _("This operator needs a list of values.") if op == "in"
                           else _("A range needs two values, low and high."))
        return Filter(column, op, tuple(typed(v, column) for v in value))
    if op in ("gt", "gte", "lt", "lte") and column.kind in ("text", "bool"):
        raise invalid("filters", _("Only numbers and dates can be compared."))
    return Filter(column, op, typed(value, column))


def typed(value: Any, column: Column) -> Any:
    """A filter's value as the column's type, refused with a clear message."""
    try:
        if value is None or isinstance(value, (dict, list)):
            raise ValueError
        if column.kind == "number":
            return _number(value)
        if column.kind == "date":
            return _date(value, column.temporal)
        if column.kind == "bool":
            return _boolean(value, "filters", default=None)
        return str(value)
    except (ValueError, InvalidOperation, tk.ValidationError):
        raise invalid("filters", _("“{value}” is not a valid value for the column “{column}”.").format(
            value=str(value)[:100], column=column.id)) from None


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        text = value.strip().replace(",", ".")  # a French decimal comma
    elif isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as this float
    else:
        text = str(value)
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError
    return number


def _date(value: Any, temporal: str) -> datetime.date:
    text = str(value).strip()
    if temporal == "date" or len(text) == 10:
        day = datetime.date.fromisoformat(text[:10])
        return day if temporal == "date" else datetime.datetime.combine(day, datetime.time())
    return datetime.datetime.fromisoformat(text)


def _boolean(value: Any, field: str, default: bool | None) -> bool | None:
    if value is None or value == "":
        if default is None:
            raise invalid(field, _("Say true or false."))
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "oui", "vrai"):
        return True
    if text in ("false", "0", "no", "non", "faux"):
        return False
    raise invalid(field, _("Say true or false."))


def limit(value: Any, most: int, message: str) -> int | None:
    """The ``limit`` parameter, a whole number from 1 to ``most``, or None;
    ``message`` (with ``{most}``) says what it counts."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= most:
        raise invalid("limit", message.format(most=most))
    return number


def _sort(value: Any, groups: int, measures: int) -> Sort:
    if value in (None, ""):
        return Sort("group" if groups else "measure", 0, "asc")
    value = as_object(value, "sort")
    by = _choice(value.get("by", "group"), ("group", "measure"), "sort")
    index = value.get("index", 0)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (
            groups if by == "group" else measures):
        raise invalid("sort", _("The sort names a group or a measure that is not asked for."))
    return Sort(by, index, _choice(value.get("order", "asc"), ORDERS, "sort"))
