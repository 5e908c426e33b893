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
columns of the table come in as a ``{column id: kind}`` mapping. The
readers, filters and measures are shared with the map
(``views/configuration.py``); ``request.py`` turns a configuration into an
aggregation request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

import ckan.plugins.toolkit as tk

from ckanext.issy.views import configuration as shared
from ckanext.issy.views.configuration import Errors, Filter, Measure

CHART_TYPES = ("bar", "bar_horizontal", "bar_stacked", "line", "area", "pie", "donut",
               "treemap", "scatter")
# The parts of one whole: one measure, no second grouping.
WHOLE_TYPES = ("pie", "donut", "treemap")
SERIES_TYPES = ("bar", "bar_horizontal", "bar_stacked", "line", "area")
UNITS = ("day", "month", "year")
SORTS = ("group_asc", "group_desc", "measure_asc", "measure_desc")
MAX_MEASURES, MAX_LIMIT = 5, 100
MAX_TITLE, MAX_UNIT = 200, 20
KEYS = ("type", "x", "x_unit", "y", "series", "series_unit", "filter_column", "filter_op",
        "filter_value", "sort", "limit", "others", "title", "unit")
LIST_KEYS = ("y", "filter_column", "filter_op", "filter_value")
_NOT_AN_AMOUNT = re.compile(r"ann[ée]e|exer|year|\bans?\b|code|\bid\b|_id\b|num[ée]ro|siren|siret|insee",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Group:
    column: str
    unit: str = ""  # "", or one of UNITS for a date column


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

def has_configuration(source: Any) -> bool:
    """Whether ``source`` says anything about a chart (else: the defaults)."""
    return shared.has_configuration(source, KEYS)


def _group(source: Any, key: str, errors: Errors) -> Group | None:
    column = shared.column(source, key, errors)
    unit = shared.choice(shared.value(source, f"{key}_unit"), UNITS, f"{key}_unit", errors)
    return Group(column, unit) if column else None


def _measures(texts: list[str], errors: Errors) -> tuple[Measure, ...]:
    measures: list[Measure] = []
    for text in texts:
        measure = shared.measure(text, "y", errors) if text.strip() else None
        if measure and measure not in measures:
            measures.append(measure)
    if len(measures) > MAX_MEASURES:
        errors.setdefault("y", tk._("A chart shows at most {number} measures.").format(number=MAX_MEASURES))
    return tuple(measures[:MAX_MEASURES])


def _limit(value: str, errors: Errors) -> int | None:
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= MAX_LIMIT:
        return int(value)
    errors.setdefault("limit", tk._("Give a whole number from 1 to {most}.").format(most=MAX_LIMIT))
    return None


def parse(source: Any) -> tuple[ChartConfig, Errors]:
    """The configuration ``source`` holds, and what was left out of it and why."""
    errors: Errors = {}
    config = ChartConfig(
        chart_type=shared.choice(shared.value(source, "type"), CHART_TYPES, "type", errors, default="bar"),
        x=_group(source, "x", errors),
        measures=_measures(shared.values(source, "y"), errors),
        series=_group(source, "series", errors),
        filters=shared.filters(source, errors, tk._("A chart has at most {number} filters.")),
        sort=shared.choice(shared.value(source, "sort"), SORTS, "sort", errors),
        limit=_limit(shared.value(source, "limit"), errors),
        others=shared.boolean(shared.value(source, "others"), "others", errors),
        title=shared.label(source, "title", MAX_TITLE, errors),
        unit=shared.label(source, "unit", MAX_UNIT, errors),
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

    def group(item: Group | None, field: str) -> Group | None:
        if item is None or not shared.known(item.column, field, kinds, errors):
            return None
        if item.unit and kinds[item.column] != "date":
            errors.setdefault(f"{field}_unit", tk._("Only a date column can be grouped by day, month or year."))
            return Group(item.column)
        return item

    checked = replace(config, x=group(config.x, "x"), series=group(config.series, "series"),
                      measures=tuple(m for m in config.measures if shared.measure_applies(m, "y", kinds, errors)),
                      filters=tuple(f for f in config.filters if shared.filter_applies(f, kinds, errors)))
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
    pairs += shared.filter_fields(config.filters)
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
    return shared.to_query(fields(config), resource_id)


def to_view(config: ChartConfig) -> dict[str, Any]:
    """The fields of a saved view (lists for the repeated keys); the title
    is the view's own."""
    return shared.to_view(fields(config), LIST_KEYS)
