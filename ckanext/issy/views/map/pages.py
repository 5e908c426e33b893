"""What the map's pages need from CKAN: the resource (a DataStore table or a
GeoJSON file kept on the portal) and its columns or properties as the
visitor may see them, the map to draw and the figure's specification for
``assets/map.js``. Used by the Créer page (``theme/views.py``), the embed
page, the builder's JSON and the save form (``blueprint.py``) and the view
plugin; what the chart's pages share with them is in ``views/builder.py``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import ckan.plugins.toolkit as tk

from ckanext.issy.geo import basemap, geojson
from ckanext.issy.views import builder
from ckanext.issy.views.builder import Figure
from ckanext.issy.views.configuration import Errors, to_api_params
from ckanext.issy.views.map import config as map_config
from ckanext.issy.views.map import request as map_request
from ckanext.issy.views.map.config import MapConfig

VIEW_TYPE = "issy_map"
EMBED = "issy_map.embed"
POINTS, AREAS = "points", "geojson"


@dataclass(frozen=True)
class MapData:
    """What a map is drawn from: the points of a table (its columns) or the
    areas of a GeoJSON file (its properties); ``fields``: ``{"id", "type",
    "label"}`` each."""
    source: str
    fields: list[dict[str, Any]]

    @property
    def kinds(self) -> dict[str, str]:
        return builder.kinds(self.fields)


def is_areas(resource: Mapping[str, Any]) -> bool:
    """A GeoJSON file kept on the portal (the only files the server reads)."""
    return geojson.is_geojson(resource) and resource.get("url_type") == "upload"


def usable(resource: Mapping[str, Any]) -> bool:
    """Whether the resource can be mapped: a DataStore table, or a GeoJSON file."""
    return tk.asbool(resource.get("datastore_active")) or is_areas(resource)



def _properties(resource_id: str, user: dict[str, Any] | None) -> list[dict[str, Any]]:
    try:
        found = tk.get_action("issy_geojson_properties")(dict(user or builder.context()),
                                                         {"resource_id": resource_id})
    except tk.ValidationError as error:
        # A file that cannot be read: its reason, on a "not found" page.
        raise tk.ObjectNotFound(" ".join(map(str, error.error_summary.values()))) from None
    return [{**prop, "label": prop["id"]} for prop in found["properties"]]


def describe(resource: dict[str, Any], user: dict[str, Any] | None = None) -> MapData:
    """The resource's columns or properties as the visitor (or ``user``'s
    context) sees them; a resource that is neither is not found."""
    if tk.asbool(resource.get("datastore_active")):
        return MapData(POINTS, builder.columns(resource["id"], user))
    if is_areas(resource):
        return MapData(AREAS, _properties(resource["id"], user))
    raise tk.ObjectNotFound(tk._("This resource cannot be mapped: it is neither a table of data "
                                 "nor a GeoJSON file kept on the portal."))


def resource_or_abort(resource_id: str) -> tuple[dict[str, Any], dict[str, Any], MapData]:
    return builder.resource_or_abort(resource_id, describe)


def join_columns(resource_id: str, user: dict[str, Any] | None = None) -> list[dict[str, Any]] | None:
    """The joined table's columns, None when the visitor (or ``user``'s
    context) cannot read it as a table."""
    try:
        return builder.columns(resource_id, user)
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None


def _counted(form: Callable[[int], str]) -> dict[str, str]:
    """Both forms of a counted sentence (``form`` calls ``ungettext`` with
    literal msgids, for the extractor); ``map.js`` picks one by the count
    (``IssyFormat.plural``)."""
    return {"one": form(1), "other": form(2)}


def messages() -> dict[str, Any]:
    """The words ``map.js`` says, in the page's language."""
    return {
        "not_ready": tk._("Choose the columns of the coordinates to draw the map."),
        "error": tk._("The map could not be drawn. Please try again later."),
        "error_network": tk._("The map could not be loaded: check your connection and try again."),
        "error_403": tk._("You are not allowed to read this resource's data."),
        "error_404": tk._("This resource has no data to map."),
        "error_429": tk._("Too many maps were asked for in a short time; try again in a minute."),
        "summary_points": _counted(lambda n: tk.ungettext("{count} point.", "{count} points.", n)),
        "summary_truncated": tk._("Only the first {count} of {total} points are shown."),
        "summary_skipped": _counted(lambda n: tk.ungettext(
            "{count} row has no valid coordinates and is not shown.",
            "{count} rows have no valid coordinates and are not shown.", n)),
        "summary_features": _counted(lambda n: tk.ungettext("{count} feature.", "{count} features.", n)),
        "summary_skipped_features": _counted(lambda n: tk.ungettext(
            "{count} feature has no geometry and is not shown.",
            "{count} features have no geometry and are not shown.", n)),
        "summary_join": tk._("{matched} areas matched a row of the table; {unmatched} did not."),
        "legend": tk._("Legend"),
        "no_value": tk._("(no value)"),
        "others": tk._("Others"),
        "show_on_map": tk._("Show on the map"),
        "table_truncated": tk._("The table lists the first {count} features."),
        "zoom_in": tk._("Zoom in"),
        "zoom_out": tk._("Zoom out"),
        "fit": tk._("Show all the data"),
        "attribution": tk._("Base map: {attribution}"),
        "close": tk._("Close"),
        "yes": tk._("Yes"),
        "no": tk._("No"),
        "latitude": tk._("Latitude"),
        "longitude": tk._("Longitude"),
    }


def _field(name: str, labels: Mapping[str, str], kinds: Mapping[str, str] | None = None) -> dict[str, str] | None:
    if not name:
        return None
    return {"id": name, "label": labels.get(name, name), **({"kind": kinds.get(name, "")} if kinds else {})}


def _joined_value(config: MapConfig, join_table: list[dict[str, Any]]) -> dict[str, str] | None:
    """How the joined measure colours the areas (each feature's ``_value``)."""
    if not config.join:
        return None
    measure = config.join.measure
    kinds = builder.kinds(join_table)
    label = builder.measure_label(measure.function, measure.column, builder.labels(join_table))
    dated = measure.function in ("min", "max") and kinds.get(measure.column) == "date"
    return {"id": "_value", "label": label, "kind": "date" if dated else "number"}


def spec(config: MapConfig, resource_id: str, title: str, data: MapData,
         join_table: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure's specification, read by ``map.js``."""
    labels, kinds = builder.labels(data.fields), data.kinds
    if data.source == POINTS:
        request = map_request.points_request(config, resource_id, kinds)
        color = _field(config.color, labels, kinds)
    else:
        request = map_request.geojson_request(config, resource_id, builder.kinds(join_table))
        color = _joined_value(config, join_table) or _field(config.color, labels, kinds)
    return {
        "ready": data.source == AREAS or config.has_coordinates,
        "title": title,
        "source": data.source,
        "api": tk.h.url_for("issy_geo.points" if data.source == POINTS else "issy_geo.geojson"),
        "params": to_api_params(request),
        "cluster": config.cluster,
        "color": color,
        "size": _field(config.size, labels),
        "popup": [_field(name, labels) for name in config.popup],
        "boundary": basemap.boundary(),
        "tiles": basemap.tiles(),
        "text": messages(),
    }


def _checked(config: MapConfig, data: MapData,
             user: dict[str, Any] | None = None) -> tuple[MapConfig, Errors, list[dict[str, Any]]]:
    """``config`` checked against the data (and the joined table's columns)."""
    if data.source == POINTS:
        return (*map_config.check_table(config, data.kinds), [])
    join_table = join_columns(config.join.resource_id, user) if config.join else None
    checked, errors = map_config.check_areas(config, data.kinds,
                                             None if join_table is None else builder.kinds(join_table))
    return checked, errors, join_table or []


def read(source: Any, data: MapData,
         user: dict[str, Any] | None = None) -> tuple[MapConfig, Errors, list[dict[str, Any]]]:
    """The configuration ``source`` holds for this data, what was wrong with
    it, and the joined table's columns."""
    config, errors = map_config.parse(source)
    config, data_errors, join_table = _checked(config, data, user)
    return config, {**data_errors, **errors}, join_table


def auto_title(config: MapConfig, resource: Mapping[str, Any], join_table: list[dict[str, Any]]) -> str:
    """A title for a map its author did not name: the joined value, or the
    resource's name."""
    joined = _joined_value(config, join_table)
    return (joined or {}).get("label") or resource.get("name") or tk._("Map")


def build(source: Any, resource: dict[str, Any], data: MapData, title: str = "",
          first_map: bool = False) -> Figure:
    """The map ``source`` (query string, form, saved view) describes for
    this data; with ``first_map``, a table's source saying nothing gets the
    defaults (``config.defaults``)."""
    if first_map and not map_config.has_configuration(source):
        config = map_config.defaults(data.fields) if data.source == POINTS else MapConfig()
        config, errors, join_table = _checked(config, data)
    else:
        config, errors, join_table = read(source, data)
    title = title or config.title or auto_title(config, resource, join_table)
    return Figure(config, errors, title, {**spec(config, resource["id"], title, data, join_table),
                                          "notes": list(dict.fromkeys(errors.values()))})


def join_choices(package: dict[str, Any], chosen: str) -> list[tuple[str, str]]:
    """The tables an area map may join: the dataset's DataStore tables, and
    the one ``chosen`` by its identifier elsewhere."""
    tables = [(r["id"], r.get("name") or r["id"]) for r in package.get("resources", [])
              if tk.asbool(r.get("datastore_active"))]
    if chosen and chosen not in dict(tables):
        tables.append((chosen, chosen))
    return tables


def form_variables(figure: Figure, package: dict[str, Any], data: MapData,
                   source: Any) -> dict[str, Any]:
    """What the map's fields (``issy_map/snippets/fields.html``) show: the
    data's fields, the tables to join, and the joined (or filtered) table's
    columns and measures, as chosen even when the join is not complete."""
    join_id = map_config.join_resource(source) if data.source == AREAS else ""
    join_table = (join_columns(join_id) or []) if join_id else []
    filtered = data.fields if data.source == POINTS else join_table
    return {"map": figure, "map_data": data, "map_join_id": join_id,
            "map_join_tables": join_choices(package, join_id),
            "map_join_columns": join_table, "map_measures": builder.measure_options(join_table),
            "map_filter_columns": filtered}


def builder_page(args: Any) -> dict[str, Any]:
    """The Créer page's variables when it builds a map."""
    resource, package, data = resource_or_abort(args.get("resource_id", "").strip())
    figure = build(args, resource, data, first_map=True)
    query = map_config.to_query(figure.config, resource["id"])
    return {"resource": resource, "package": package, "query": query,
            "links": builder.links(query, figure.title, EMBED), "can_save": builder.can_save(package),
            **form_variables(figure, package, data, args)}


def save_words() -> builder.SaveWords:
    return builder.SaveWords(
        sign_in=tk._("Sign in to save a map as a view."),
        editors_only=tk._("Only the dataset's editors can save a map as a view of it."),
        not_saved=tk._("The map was not saved: {reasons}"),
        saved=tk._("The map was saved as a view of this resource."))


KIND = builder.Kind(
    view_type=VIEW_TYPE, embed_endpoint=EMBED, describe=describe,
    build=lambda source, resource, data: build(source, resource, data),
    to_query=map_config.to_query, to_view=map_config.to_view, save_words=save_words)
