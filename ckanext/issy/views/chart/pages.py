"""What the chart's pages need from CKAN: the resource and its table's
columns as the visitor may see them, the chart to draw (its configuration,
what was wrong with it, its title) and the figure's specification for
``assets/chart.js``. Used by the Créer page (``theme/views.py``), the embed
page and the save form (``blueprint.py``) and the view plugin."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import ckan.plugins.toolkit as tk
from markupsafe import escape

from ckanext.issy.views.chart import config as chart_config
from ckanext.issy.views.chart import request as chart_request
from ckanext.issy.views.chart.config import ChartConfig, Errors

VIEW_TYPE = "issy_chart"
# Datasets a search of the Créer page looks through, and how many it lists.
SEARCHED, LISTED = 50, 20
EMBED_HEIGHT = 480


def context() -> dict[str, Any]:
    """The visitor's context: CKAN decides what they may see."""
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def columns(resource_id: str) -> list[dict[str, Any]]:
    """The table's chartable columns (``issy_aggregate_columns``); its
    errors (NotFound, NotAuthorized, ValidationError) go to the caller."""
    return tk.get_action("issy_aggregate_columns")(context(), {"resource_id": resource_id})["columns"]


def kinds(table: list[dict[str, Any]]) -> dict[str, str]:
    return {column["id"]: column["type"] for column in table}


def _labels(table: list[dict[str, Any]]) -> dict[str, str]:
    return {column["id"]: column.get("label") or column["id"] for column in table}


def resource_or_abort(resource_id: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The resource, its dataset and its table's columns, or the page's 403
    or 404 (with the reason in plain words)."""
    if not resource_id or len(resource_id) > 100 or not resource_id.isprintable():
        # CKAN's own actions fail on a NUL character.
        tk.abort(404, tk._("This resource does not exist."))
    try:
        resource = tk.get_action("resource_show")(context(), {"id": resource_id})
        package = tk.get_action("package_show")(context(), {"id": resource["package_id"]})
        return resource, package, columns(resource_id)
    except tk.NotAuthorized:
        tk.abort(403, tk._("You are not allowed to see this resource."))
    except (tk.ObjectNotFound, tk.ValidationError) as error:
        message = getattr(error, "message", "") if isinstance(error, tk.ObjectNotFound) else ""
        tk.abort(404, str(message or "") or tk._("This resource does not exist."))
    raise AssertionError("unreachable")  # tk.abort raises


def function_label(function: str, label: str) -> str:
    titles = {
        "sum": tk._("Sum of {label}"), "mean": tk._("Average of {label}"),
        "min": tk._("Minimum of {label}"), "max": tk._("Maximum of {label}"),
        "count": tk._("Count of {label}"),
    }
    return titles[function].format(label=label)


def measure_options(table: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The choices of a ``y`` select, grouped by column: the number of rows
    first, then each calculation a column allows."""
    groups = [(tk._("Rows"), [("count", tk._("Number of rows"))])]
    for column in table:
        functions = {"number": ("sum", "mean", "min", "max"), "date": ("min", "max")}.get(column["type"], ())
        if functions:
            label = column.get("label") or column["id"]
            groups.append((label, [(f"{f}:{column['id']}", function_label(f, label)) for f in functions]))
    return groups


def _measure_label(measure: chart_config.Measure, labels: Mapping[str, str]) -> str:
    if not measure.column:
        return tk._("Number of rows")
    return function_label(measure.function, labels.get(measure.column, measure.column))


def auto_title(config: ChartConfig, table: list[dict[str, Any]]) -> str:
    """A title for a chart its author did not name: what it measures, by what."""
    labels = _labels(table)
    if not config.complete:
        return tk._("Chart")
    measure = _measure_label(config.measures[0], labels)
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


@dataclass(frozen=True)
class Chart:
    """One chart as a page shows it."""
    config: ChartConfig
    errors: Errors
    title: str
    spec: dict[str, Any]

    @property
    def messages(self) -> list[str]:
        return list(dict.fromkeys(self.errors.values()))


def spec(config: ChartConfig, resource_id: str, title: str, table: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure's specification, read by ``chart.js``."""
    request = chart_request.to_request(config, resource_id, kinds(table))
    return {
        "api": tk.h.url_for("issy_aggregate.aggregate"),
        "params": chart_request.to_api_params(request),
        "ready": config.complete,
        "type": config.chart_type,
        "title": title,
        "unit": config.unit,
        "text": messages(),
    }


def chart(source: Any, resource_id: str, table: list[dict[str, Any]], title: str = "",
          first_chart: bool = False) -> Chart:
    """The chart ``source`` (query string, form, saved view) describes for
    this table; with ``first_chart``, a source saying nothing gets the
    defaults (``config.defaults``)."""
    if first_chart and not chart_config.has_configuration(source):
        config, errors = chart_config.defaults(table), {}
    else:
        config, errors = chart_config.parse(source)
        config, column_errors = chart_config.check_columns(config, kinds(table))
        errors = {**column_errors, **errors}
    title = title or config.title or auto_title(config, table)
    return Chart(config, errors, title, {**spec(config, resource_id, title, table),
                                         "notes": list(dict.fromkeys(errors.values()))})


def links(query: str, title: str) -> dict[str, str]:
    """The permalink and the embed code of a chart's query string."""
    embed = f"{tk.h.url_for('issy_chart.embed', _external=True)}?{query}"
    return {
        "permalink": f"{tk.h.url_for('issy_theme.create', _external=True)}?{query}",
        "embed_url": embed,
        "embed_code": (f'<iframe src="{escape(embed)}" title="{escape(title)}" width="100%" '
                       f'height="{EMBED_HEIGHT}" loading="lazy" style="border:0"></iframe>'),
    }


def can_save(package: dict[str, Any]) -> bool:
    """Whether the visitor may save a chart as a view of this dataset's resources."""
    return bool(tk.h.check_access("package_update", {"id": package["id"]}))


def chartable_datasets(query: str) -> tuple[list[dict[str, Any]], str]:
    """Datasets matching ``query`` that have DataStore tables, each with
    just those resources; and an error message if the search failed."""
    try:
        found = tk.get_action("package_search")(context(), {
            "q": query, "rows": SEARCHED, "include_private": True})["results"]
    except (tk.ValidationError, tk.NotAuthorized, tk.ObjectNotFound):
        return [], tk._("The search could not be understood; try other words.")
    datasets = []
    for dataset in found:
        tables = [r for r in dataset.get("resources", []) if tk.asbool(r.get("datastore_active"))]
        if tables:
            datasets.append({**dataset, "resources": tables})
    return datasets[:LISTED], ""
