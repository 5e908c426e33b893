"""What the chart's pages need from CKAN: the resource and its table's
columns as the visitor may see them, the chart to draw (its configuration,
what was wrong with it, its title) and the figure's specification for
``assets/chart.js``. Used by the Créer page (``theme/views.py``), the embed
page and the save form (``blueprint.py``) and the view plugin."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views import configuration as shared
from ckanext.issy.views.builder import Figure
from ckanext.issy.views.chart import config as chart_config
from ckanext.issy.views.chart import request as chart_request
from ckanext.issy.views.chart.config import ChartConfig

VIEW_TYPE = "issy_chart"
EMBED = "issy_chart.embed"


def usable(resource: dict[str, Any]) -> bool:
    """Whether the Créer page offers to chart this resource (a DataStore table)."""
    return tk.asbool(resource.get("datastore_active"))



def describe(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's chartable columns; a resource without one is not found."""
    return builder.columns(resource["id"])


def resource_or_abort(resource_id: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The resource, its dataset and its table's columns, or the page's 403 or 404."""
    return builder.resource_or_abort(resource_id, describe)


def auto_title(config: ChartConfig, table: list[dict[str, Any]]) -> str:
    """A title for a chart its author did not name: what it measures, by what."""
    labels = builder.labels(table)
    if not config.complete:
        return tk._("Chart")
    first = config.measures[0]
    measure = builder.measure_label(first.function, first.column, labels)
    group = labels.get(config.x.column, config.x.column) if config.x else ""
    if config.series:
        return tk._("{measure} by {group} and {series}").format(
            measure=measure, group=group, series=labels.get(config.series.column, config.series.column))
    return tk._("{measure} by {group}").format(measure=measure, group=group)


def messages() -> dict[str, str]:
    """The words ``chart.js`` says, in the page's language."""
    return {
        "others": tk._("Others"),
        "empty": tk._("(no value)"),
        "yes": tk._("Yes"),
        "no": tk._("No"),
        "function_sum": tk._("Sum of {label}"),
        "function_mean": tk._("Average of {label}"),
        "function_min": tk._("Minimum of {label}"),
        "function_max": tk._("Maximum of {label}"),
        "function_count": tk._("Count of {label}"),
        "summary_empty": tk._("No row of the table matches these choices: there is nothing to draw."),
        "summary_count": tk._("{count} values."),
        "summary_one": tk._("{measure}: {max_value} for {max_label}."),
        "summary_equal": tk._("{count} values of {measure}, all equal to {max_value}."),
        "summary_ranked": tk._("{count} values of {measure}: the largest is {max_label} ({max_value}), "
                               "the smallest {min_label} ({min_value})."),
        "summary_time": tk._("From {first_label} to {last_label}, {measure} goes from {first_value} to "
                             "{last_value}; the highest is {max_value} ({max_label})."),
        "summary_truncated": tk._("Only the first {count} groups are shown."),
        "not_ready": tk._("Choose what to group the rows by and at least one value to draw the chart."),
        "error": tk._("The chart could not be drawn. Please try again later."),
        "error_network": tk._("The chart could not be loaded: check your connection and try again."),
        "error_403": tk._("You are not allowed to read this resource's data."),
        "error_404": tk._("This resource has no table of data to draw."),
        "error_429": tk._("Too many charts were asked for in a short time; try again in a minute."),
    }


def spec(config: ChartConfig, resource_id: str, title: str, table: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure's specification, read by ``chart.js``."""
    request = chart_request.to_request(config, resource_id, builder.kinds(table))
    return {
        "api": tk.h.url_for("issy_aggregate.aggregate"),
        "params": shared.to_api_params(request),
        "ready": config.complete,
        "type": config.chart_type,
        "title": title,
        "unit": config.unit,
        "text": messages(),
    }


def chart(source: Any, resource_id: str, table: list[dict[str, Any]], title: str = "",
          first_chart: bool = False) -> Figure:
    """The chart ``source`` (query string, form, saved view) describes for
    this table; with ``first_chart``, a source saying nothing gets the
    defaults (``config.defaults``)."""
    if first_chart and not chart_config.has_configuration(source):
        config, errors = chart_config.defaults(table), {}
    else:
        config, errors = chart_config.parse(source)
        config, column_errors = chart_config.check_columns(config, builder.kinds(table))
        errors = {**column_errors, **errors}
    title = title or config.title or auto_title(config, table)
    return Figure(config, errors, title, {**spec(config, resource_id, title, table),
                                         "notes": list(dict.fromkeys(errors.values()))})


def builder_page(args: Any) -> dict[str, Any]:
    """The Créer page's variables when it builds a chart."""
    resource, package, table = resource_or_abort(args.get("resource_id", "").strip())
    figure = chart(args, resource["id"], table, first_chart=True)
    query = chart_config.to_query(figure.config, resource["id"])
    return {"resource": resource, "package": package, "chart": figure, "chart_columns": table,
            "chart_measures": builder.measure_options(table), "query": query,
            "links": builder.links(query, figure.title, EMBED), "can_save": builder.can_save(package)}


def save_words() -> builder.SaveWords:
    return builder.SaveWords(
        sign_in=tk._("Sign in to save a chart as a view."),
        editors_only=tk._("Only the dataset's editors can save a chart as a view of it."),
        not_saved=tk._("The chart was not saved: {reasons}"),
        saved=tk._("The chart was saved as a view of this resource."))


KIND = builder.Kind(
    view_type=VIEW_TYPE, embed_endpoint=EMBED, describe=describe,
    build=lambda source, resource, table: chart(source, resource["id"], table),
    to_query=chart_config.to_query, to_view=chart_config.to_view, save_words=save_words)
