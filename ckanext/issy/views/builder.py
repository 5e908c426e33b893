"""What the builders of the Créer page (the chart's, the map's) share on the
server: the visitor's context, the resource or the page's 403/404, the
figure a page draws, the labels of measures, the permalink and embed code,
the search of usable datasets, the embed page's headers, the builder's JSON
and saving a figure as a resource view.

Each builder says what differs through a ``Kind``: its view type, its
embed page, how it reads a resource's data and builds its figure, how it
writes its configuration back, and its words."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, TypeVar
from urllib.parse import parse_qsl

from flask import jsonify, make_response
from markupsafe import escape
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk

from ckanext.issy import csrf
from ckanext.issy.views.configuration import Errors

# Datasets a search of the Créer page looks through, and how many it lists.
SEARCHED, LISTED = 50, 20
EMBED_HEIGHT = 480
Data = TypeVar("Data")


def context() -> dict[str, Any]:
    """The visitor's context: CKAN decides what they may see."""
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def report_view_info(name: str, title: str, default_title: str, icon: str) -> dict[str, Any]:
    """A view that reports on a harvested table (the financial report, the
    election results): drawn in the resource page itself, as the theme's
    other views, from the DataStore. ``default_title`` is in the site's
    language: the harvest creates the view outside any request."""
    return {"name": name, "title": title, "default_title": default_title, "icon": icon,
            "iframed": False, "requires_datastore": True, "preview_enabled": False}


# What a view's action may refuse a page with: the page then says why.
REFUSALS = (tk.ValidationError, tk.ObjectNotFound, tk.NotAuthorized)


def refusal(error: Exception, default: str) -> str:
    """The sentence a page shows for one of ``REFUSALS``."""
    if isinstance(error, tk.ValidationError):
        return " ".join(map(str, error.error_summary.values())) or default
    return str(getattr(error, "message", "") or "") or default


def columns(resource_id: str, user: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A DataStore table's columns (``issy_aggregate_columns``) as the
    visitor (or ``user``'s context) sees them; its errors (NotFound,
    NotAuthorized, ValidationError) go to the caller."""
    return tk.get_action("issy_aggregate_columns")(
        dict(user or context()), {"resource_id": resource_id})["columns"]


def kinds(table: list[dict[str, Any]]) -> dict[str, str]:
    return {column["id"]: column["type"] for column in table}


def labels(table: list[dict[str, Any]]) -> dict[str, str]:
    return {column["id"]: column.get("label") or column["id"] for column in table}


def resource_or_abort(resource_id: str, describe: Callable[[dict[str, Any]], Data]
                      ) -> tuple[dict[str, Any], dict[str, Any], Data]:
    """The resource, its dataset and what ``describe`` reads of its data, or
    the page's 403 or 404 (with the reason in plain words)."""
    if not resource_id or len(resource_id) > 100 or not resource_id.isprintable():
        # CKAN's own actions fail on a NUL character.
        tk.abort(404, tk._("This resource does not exist."))
    try:
        resource = tk.get_action("resource_show")(context(), {"id": resource_id})
        package = tk.get_action("package_show")(context(), {"id": resource["package_id"]})
        return resource, package, describe(resource)
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


def measure_label(function: str, column: str, names: Mapping[str, str]) -> str:
    if not column:
        return tk._("Number of rows")
    return function_label(function, names.get(column, column))


def measure_options(table: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The choices of a measure's select, grouped by column: the number of
    rows first, then each calculation a column allows."""
    groups = [(tk._("Rows"), [("count", tk._("Number of rows"))])]
    for column in table:
        functions = {"number": ("sum", "mean", "min", "max"), "date": ("min", "max")}.get(column["type"], ())
        if functions:
            label = column.get("label") or column["id"]
            groups.append((label, [(f"{f}:{column['id']}", function_label(f, label)) for f in functions]))
    return groups


@dataclass(frozen=True)
class Figure:
    """One chart or map as a page shows it: its configuration, what was
    wrong with it (by field), its title and the specification its script
    draws it from."""
    config: Any
    errors: Errors
    title: str
    spec: dict[str, Any]

    @property
    def messages(self) -> list[str]:
        return list(dict.fromkeys(self.errors.values()))


def read_for_view(describe: Callable[[dict[str, Any]], Data], resource: dict[str, Any],
                  empty: Data) -> tuple[Data, str]:
    """What a view reads of its resource's data, or ``empty`` and why it
    cannot (the view is drawn in the resource page: no error page)."""
    try:
        return describe(resource), ""
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError) as error:
        reason = str(getattr(error, "message", "") or "")
        return empty, reason or tk._("This resource has no table of data to draw.")


def unavailable(figure: Figure, problem: str) -> Figure:
    """``figure`` left undrawn, saying why."""
    return Figure(figure.config, {"resource_id": problem}, figure.title,
                  {**figure.spec, "ready": False, "notes": [],
                   "text": {**figure.spec["text"], "not_ready": problem}})


def links(query: str, title: str, embed_endpoint: str) -> dict[str, str]:
    """The permalink and the embed code of a figure's query string."""
    embed = f"{tk.h.url_for(embed_endpoint, _external=True)}?{query}"
    return {
        "permalink": f"{tk.h.url_for('issy_theme.create', _external=True)}?{query}",
        "embed_url": embed,
        "embed_code": (f'<iframe src="{escape(embed)}" title="{escape(title)}" width="100%" '
                       f'height="{EMBED_HEIGHT}" loading="lazy" style="border:0"></iframe>'),
    }


def can_save(package: dict[str, Any]) -> bool:
    """Whether the visitor may save a figure as a view of this dataset's resources."""
    return bool(tk.h.check_access("package_update", {"id": package["id"]}))


def datasets(query: str, usable: Callable[[dict[str, Any]], bool]) -> tuple[list[dict[str, Any]], str]:
    """Datasets matching ``query`` that have ``usable`` resources, each with
    just those; and an error message if the search failed."""
    try:
        found = tk.get_action("package_search")(context(), {
            "q": query, "rows": SEARCHED, "include_private": True})["results"]
    except (tk.ValidationError, tk.NotAuthorized, tk.ObjectNotFound):
        return [], tk._("The search could not be understood; try other words.")
    kept = []
    for dataset in found:
        resources = [r for r in dataset.get("resources", []) if usable(r)]
        if resources:
            kept.append({**dataset, "resources": resources})
    return kept[:LISTED], ""


def embed_response(template: str, extra_vars: dict[str, Any]) -> Any:
    """An embed page: other sites may frame it, and only it."""
    response = make_response(tk.render(template, extra_vars=extra_vars))
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    response.headers.pop("X-Frame-Options", None)
    return response


def report_embed(template: str, variables: Callable[[dict[str, Any], dict[str, Any], str], dict[str, Any]],
                 parameter: str) -> Any:
    """The embed page of a report view (the financial report, the election
    results): ``?resource_id=…`` and the view's own ``parameter`` (the
    document to compare with, the polling station), given to ``variables``
    with the resource and its dataset."""
    resource, package, _data = resource_or_abort(tk.request.args.get("resource_id", "").strip(), lambda r: None)
    return embed_response(template, {**variables(resource, package, tk.request.args.get(parameter, "")),
                                     "resource": resource, "package": package, "resource_view": {}})


@dataclass(frozen=True)
class SaveWords:
    """What the save form says (translated when the request comes)."""
    sign_in: str
    editors_only: str
    not_saved: str  # with {reasons}
    saved: str


@dataclass(frozen=True)
class Kind(Generic[Data]):
    """One builder: what the shared routes need to know of it."""
    view_type: str
    embed_endpoint: str
    describe: Callable[[dict[str, Any]], Data]
    build: Callable[[Any, dict[str, Any], Data], Figure]  # (source, resource, data)
    to_query: Callable[[Any, str], str]  # (config, resource_id)
    to_view: Callable[[Any], dict[str, Any]]
    save_words: Callable[[], SaveWords]


def configuration_answer(kind: Kind[Any]) -> Any:
    """The JSON the builder's script asks for after each change: the
    configuration as the server reads it, its permalink, embed code and figure."""
    resource_id = tk.request.args.get("resource_id", "")
    resource, _package, data = resource_or_abort(resource_id, kind.describe)
    figure = kind.build(tk.request.args, resource, data)
    query = kind.to_query(figure.config, resource_id)
    return jsonify({"query": query, "title": figure.title, "spec": figure.spec,
                    "errors": figure.errors, **links(query, figure.title, kind.embed_endpoint)})


def _back(query: str) -> Any:
    return tk.redirect_to(f"{tk.h.url_for('issy_theme.create')}?{query}")


def save(kind: Kind[Any]) -> Any:
    """The save form's POST: an editor saves the figure as a view of the
    resource, through ``resource_view_create`` with their own context (CKAN
    checks their rights), the CSRF token checked first."""
    csrf.require_token()
    words = kind.save_words()
    if not tk.current_user.is_authenticated:
        tk.abort(403, words.sign_in)
    resource_id = tk.request.form.get("resource_id", "")
    resource, package, data = resource_or_abort(resource_id, kind.describe)
    if not can_save(package):
        tk.abort(403, words.editors_only)
    source = MultiDict(parse_qsl(tk.request.form.get("query", ""), keep_blank_values=True))
    figure = kind.build(source, resource, data)
    query = kind.to_query(figure.config, resource_id)
    if figure.errors:
        tk.h.flash_error(words.not_saved.format(reasons=" ".join(figure.messages)))
        return _back(query)
    try:
        view = tk.get_action("resource_view_create")(context(), {
            "resource_id": resource_id, "view_type": kind.view_type, "title": figure.title,
            **kind.to_view(figure.config)})
    except tk.NotAuthorized:
        tk.abort(403, words.editors_only)
    except tk.ValidationError as error:
        reasons = " ".join(map(str, error.error_summary.values()))
        tk.h.flash_error(words.not_saved.format(reasons=reasons))
        return _back(query)
    tk.h.flash_success(words.saved)
    return tk.redirect_to(f"{package['type']}_resource.read", id=package["name"],
                          resource_id=resource_id, view_id=view["id"])
