"""A chart's configuration: read, checked, written back, and turned into a
request of the aggregation API (``issy_aggregate``).

One flat set of keys serves everywhere, so that a configuration moves
unchanged between the Créer page's query string (the permalink), its GET
form, the embed page, the save form and a saved ``issy_chart`` view:

``type``, ``x`` and ``x_unit`` (the group along the X axis), ``y`` (repeated:
``function:column``, or ``count``), ``series`` and ``series_unit`` (a second
grouping), ``filter_column``/``filter_op``/``filter_value`` (repeated, row by
row, as the form's filter rows send them; lists and ranges separated by
``;``), ``sort``, ``limit`` and ``others`` (top-N), ``title`` and ``unit``.

Reading never fails: what is wrong is left out and reported in plain words,
keyed by the field at fault, so that a junk query string gives a page with
messages, never an error page. Nothing here touches the database: the
columns of the table come in as a ``{column id: kind}`` mapping.
``request.py`` turns a configuration into an aggregation request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk

CHART_TYPES = ("bar", "bar_horizontal", "bar_stacked", "line", "area", "pie", "donut",
               "treemap", "scatter")
# The parts of one whole: one measure, no second grouping.
WHOLE_TYPES = ("pie", "donut", "treemap")
SERIES_TYPES = ("bar", "bar_horizontal", "bar_stacked", "line", "area")
FUNCTIONS = ("sum", "count", "mean", "min", "max")
UNITS = ("day", "month", "year")
OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between")
SORTS = ("group_asc", "group_desc", "measure_asc", "measure_desc")
MAX_MEASURES, MAX_FILTERS, MAX_VALUES, MAX_LIMIT = 5, 10, 100, 100
MAX_TITLE, MAX_UNIT, MAX_VALUE, MAX_COLUMN = 200, 20, 500, 63
SEPARATOR = ";"
KEYS = ("type", "x", "x_unit", "y", "series", "series_unit", "filter_column", "filter_op",
        "filter_value", "sort", "limit", "others", "title", "unit")
LIST_KEYS = ("y", "filter_column", "filter_op", "filter_value")
# Functions by the kind of column they accept (count accepts any).
_FUNCTION_KINDS = {"sum": ("number",), "mean": ("number",), "min": ("number", "date"),
                   "max": ("number", "date")}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_AN_AMOUNT = re.compile(r"ann[ée]e|exer|year|\bans?\b|code|\bid\b|_id\b|num[ée]ro|siren|siret|insee",
                            re.IGNORECASE)
_TRUE, _FALSE = ("1", "true", "on", "yes", "oui"), ("0", "false", "off", "no", "non")

Errors = dict[str, str]


@dataclass(frozen=True)
class Group:
    column: str
    unit: str = ""  # "", or one of UNITS for a date column


@dataclass(frozen=True)
class Measure:
    function: str
    column: str = ""  # "" only for a count of rows

    @property
    def key(self) -> str:
        """How ``y`` spells it."""
        return f"{self.function}:{self.column}" if self.column else self.function


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str  # as typed; "in" and "between" separate their values by ";"

    def values(self) -> list[str]:
        return [part.strip() for part in self.value.split(SEPARATOR) if part.strip()]


@dataclass(frozen=True)
class ChartConfig:
    chart_type: str = "bar"
    x: Group | None = None
    measures: tuple[Measure, ...] = ()
    series: Group | None = None
    filters: tuple[Filter, ...] = ()
    sort: str = ""  # "": the API's order (by the group, ascending)
    limit: int | None = None
    others: bool = True
    title: str = ""
    unit: str = ""

    @property
    def complete(self) -> bool:
        """Whether there is something to draw."""
        return self.x is not None and bool(self.measures)


# Reading --------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return value if isinstance(value, str) else str(value)


def _values(source: Any, key: str) -> list[str]:
    """Every value of ``key`` in a MultiDict (query string, form) or a dict
    (a saved view: strings, lists, and what CKAN's validators made of them)."""
    if hasattr(source, "getlist"):
        raw = source.getlist(key)
    else:
        value = source.get(key)
        raw = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
    return [_text(value) for value in raw]


def _value(source: Any, key: str) -> str:
    values = _values(source, key)
    return values[0].strip() if values else ""


def has_configuration(source: Any) -> bool:
    """Whether ``source`` says anything about a chart (else: the defaults)."""
    return any(value.strip() for key in KEYS for value in _values(source, key))


def _column_name(name: str) -> bool:
    return 0 < len(name) <= MAX_COLUMN and not _CONTROL.search(name)


def _choice(value: str, allowed: Iterable[str], field: str, errors: Errors, default: str = "") -> str:
    if value == "" or value in allowed:
        return value or default
    errors.setdefault(field, tk._("“{value}” is not one of the choices.").format(value=value[:50]))
    return default


def _group(source: Any, key: str, errors: Errors) -> Group | None:
    column = _value(source, key)
    unit = _choice(_value(source, f"{key}_unit"), UNITS, f"{key}_unit", errors)
    if not column:
        return None
    if not _column_name(column):
        errors.setdefault(key, tk._("This is not the name of a column."))
        return None
    return Group(column, unit)


def _measure(text: str, errors: Errors) -> Measure | None:
    function, _sep, column = text.strip().partition(":")
    if function not in FUNCTIONS or (column and not _column_name(column)) or (
            not column and function != "count"):
        errors.setdefault("y", tk._("“{value}” is not a measure of the table.").format(value=text[:50]))
        return None
    return Measure(function, column)


def _measures(texts: list[str], errors: Errors) -> tuple[Measure, ...]:
    measures: list[Measure] = []
    for text in texts:
        measure = _measure(text, errors) if text.strip() else None
        if measure and measure not in measures:
            measures.append(measure)
    if len(measures) > MAX_MEASURES:
        errors.setdefault("y", tk._("A chart shows at most {number} measures.").format(number=MAX_MEASURES))
    return tuple(measures[:MAX_MEASURES])


def _filter(column: str, op: str, value: str, errors: Errors) -> Filter | None:
    if not _column_name(column):
        errors.setdefault("filter_column", tk._("This is not the name of a column."))
        return None
    if op and op not in OPERATORS:
        errors.setdefault("filter_op", tk._("“{value}” is not one of the choices.").format(value=op[:50]))
        return None
    item = Filter(column, op or "eq", value.strip())
    parts = item.values()
    if not parts:
        message = tk._("Give a value to filter “{column}” by.")
    elif len(item.value) > MAX_VALUE:
        message = tk._("A filter's value has at most {number} characters.")
    elif op == "between" and len(parts) != 2:
        message = tk._("A range needs two values separated by “;”: the lowest and the highest.")
    elif op == "in" and len(parts) > MAX_VALUES:
        message = tk._("A list holds at most {number} values.")
    else:
        return item  # other operators take the whole text, ";" included
    errors.setdefault("filter_value", message.format(
        column=column[:MAX_COLUMN], number=MAX_VALUE if len(item.value) > MAX_VALUE else MAX_VALUES))
    return None
    return item


def _filters(source: Any, errors: Errors) -> tuple[Filter, ...]:
    rows = zip_longest(_values(source, "filter_column"), _values(source, "filter_op"),
                       _values(source, "filter_value"), fillvalue="")
    # A row without a column is the form's empty row: not an error.
    found = [_filter(c.strip(), o.strip(), v, errors) for c, o, v in rows if c.strip()]
    filters = [item for item in found if item]
    if len(filters) > MAX_FILTERS:
        errors.setdefault("filter_column", tk._("A chart has at most {number} filters.").format(
            number=MAX_FILTERS))
    return tuple(filters[:MAX_FILTERS])


def _limit(value: str, errors: Errors) -> int | None:
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= MAX_LIMIT:
        return int(value)
    errors.setdefault("limit", tk._("Give a whole number from 1 to {most}.").format(most=MAX_LIMIT))
    return None


def _boolean(value: str, field: str, errors: Errors) -> bool:
    if value.lower() in _FALSE:
        return False
    if value and value.lower() not in _TRUE:
        errors.setdefault(field, tk._("Answer yes or no."))
    return True


def _label(source: Any, key: str, most: int, errors: Errors) -> str:
    text = " ".join(_CONTROL.sub(" ", _value(source, key)).split())
    if len(text) > most:
        errors.setdefault(key, tk._("At most {number} characters.").format(number=most))
    return text[:most]


def parse(source: Any) -> tuple[ChartConfig, Errors]:
    """The configuration ``source`` holds, and what was left out of it and why."""
    errors: Errors = {}
    config = ChartConfig(
        chart_type=_choice(_value(source, "type"), CHART_TYPES, "type", errors, default="bar"),
        x=_group(source, "x", errors),
        measures=_measures(_values(source, "y"), errors),
        series=_group(source, "series", errors),
        filters=_filters(source, errors),
        sort=_choice(_value(source, "sort"), SORTS, "sort", errors),
        limit=_limit(_value(source, "limit"), errors),
        others=_boolean(_value(source, "others"), "others", errors),
        title=_label(source, "title", MAX_TITLE, errors),
        unit=_label(source, "unit", MAX_UNIT, errors),
    )
    return consistent(config, errors), errors


def consistent(config: ChartConfig, errors: Errors) -> ChartConfig:
    """``config`` without what its chart type cannot show, said in ``errors``."""
    if config.x is None:
        errors.setdefault("x", tk._("Choose what the chart groups the rows by."))
    if not config.measures:
        errors.setdefault("y", tk._("Choose at least one value to show."))
    if config.series and config.chart_type not in SERIES_TYPES:
        errors.setdefault("series", tk._("This kind of chart cannot show a second grouping."))
        config = replace(config, series=None)
    if config.series and config.x and config.series.column == config.x.column:
        errors.setdefault("series", tk._("The second grouping must be another column."))
        config = replace(config, series=None)
    most = 1 if config.chart_type in WHOLE_TYPES or config.series else (
        2 if config.chart_type == "scatter" else MAX_MEASURES)
    if len(config.measures) > most:
        errors.setdefault("y", tk._("This chart shows only its first value.") if most == 1
                          else tk._("A scatter plot shows at most two values."))
        config = replace(config, measures=config.measures[:most])
    return config


def check_columns(config: ChartConfig, kinds: Mapping[str, str]) -> tuple[ChartConfig, Errors]:
    """``config`` without what the table's columns (``{id: kind}``, kinds as
    ``issy_aggregate_columns`` gives them) cannot do, and why."""
    errors: Errors = {}

    def known(column: str, field: str) -> bool:
        if column in kinds:
            return True
        errors.setdefault(field, tk._("The table has no column “{column}”.").format(column=column[:MAX_COLUMN]))
        return False

    def group(item: Group | None, field: str) -> Group | None:
        if item is None or not known(item.column, field):
            return None
        if item.unit and kinds[item.column] != "date":
            errors.setdefault(f"{field}_unit", tk._("Only a date column can be grouped by day, month or year."))
            return Group(item.column)
        return item

    def measure(item: Measure) -> bool:
        if not item.column:
            return True
        if not known(item.column, "y"):
            return False
        if kinds[item.column] not in _FUNCTION_KINDS.get(item.function, (kinds[item.column],)):
            errors.setdefault("y", tk._("This calculation does not apply to the column “{column}”.").format(
                column=item.column))
            return False
        return True

    def filter_ok(item: Filter) -> bool:
        if not known(item.column, "filter_column"):
            return False
        if item.op in ("gt", "gte", "lt", "lte", "between") and kinds[item.column] not in ("number", "date"):
            errors.setdefault("filter_op", tk._("Only numbers and dates can be compared."))
            return False
        return True

    checked = replace(config, x=group(config.x, "x"), series=group(config.series, "series"),
                      measures=tuple(m for m in config.measures if measure(m)),
                      filters=tuple(f for f in config.filters if filter_ok(f)))
    return consistent(checked, errors), errors


def defaults(columns: list[dict[str, Any]]) -> ChartConfig:
    """A first chart for a table never charted before: the sum of its first
    number column that is not a year or a code (or the number of rows) by
    its first text column (ten largest), else by year of its first date
    column."""
    by_kind: dict[str, list[str]] = {}
    for column in columns:
        by_kind.setdefault(column["type"], []).append(column["id"])
    # Harvested tables often start with the year ("Exer", "annee") or a code:
    # summing those means nothing.
    numbers = sorted(by_kind.get("number", []), key=lambda name: bool(_NOT_AN_AMOUNT.search(
        f"{name} {next((c.get('label') or '' for c in columns if c['id'] == name), '')}")))
    measure = Measure("sum", numbers[0]) if numbers else Measure("count")
    if by_kind.get("text"):
        return ChartConfig("bar", Group(by_kind["text"][0]), (measure,), sort="measure_desc", limit=10)
    if by_kind.get("date"):
        return ChartConfig("line", Group(by_kind["date"][0], "year"), (measure,))
    other = [c["id"] for c in columns if c["id"] != measure.column]
    if not other:
        return ChartConfig()
    return ChartConfig("bar", Group(other[0]), (Measure("count"),))


# Writing --------------------------------------------------------------------

def fields(config: ChartConfig) -> list[tuple[str, str]]:
    """The configuration's keys and values, defaults left out, in a fixed
    order: two equal configurations give the same permalink."""
    pairs: list[tuple[str, str]] = [("type", config.chart_type)]
    for key, group in (("x", config.x), ("series", config.series)):
        if group:
            pairs.append((key, group.column))
            if group.unit:
                pairs.append((f"{key}_unit", group.unit))
    pairs += [("y", m.key) for m in config.measures]
    for item in config.filters:
        pairs += [("filter_column", item.column), ("filter_op", item.op), ("filter_value", item.value)]
    if config.sort:
        pairs.append(("sort", config.sort))
    if config.limit is not None:
        pairs.append(("limit", str(config.limit)))
        if not config.others:
            pairs.append(("others", "0"))
    pairs += [(key, value) for key, value in (("title", config.title), ("unit", config.unit)) if value]
    return pairs


def to_query(config: ChartConfig, resource_id: str = "") -> str:
    """The query string of the permalink (``resource_id`` first)."""
    pairs = ([("resource_id", resource_id)] if resource_id else []) + fields(config)
    return urlencode(pairs)


def to_view(config: ChartConfig) -> dict[str, Any]:
    """The fields of a saved view (lists for the repeated keys); the title
    is the view's own."""
    view: dict[str, Any] = {}
    for key, value in fields(config):
        if key in LIST_KEYS:
            view.setdefault(key, []).append(value)
        elif key != "title":
            view[key] = value
    return view
