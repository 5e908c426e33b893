"""A map's configuration: read, checked, written back.

One flat set of keys serves everywhere, as the chart's (``views/chart/``),
so that a configuration moves unchanged between the Créer page's query
string (the permalink), its GET form, the embed page, the save form and a
saved ``issy_map`` view:

- points of a DataStore table: ``lat`` and ``lon`` (two columns) or ``geo``
  (one text column "lat, lon"), ``color`` and ``size`` (columns), ``popup``
  (repeated, at most five columns), ``cluster`` (yes or no; yes by default);
- areas of an uploaded GeoJSON file: ``color`` and ``popup`` (the features'
  properties), and a join to a DataStore table: ``join_resource``,
  ``join_key`` (a property), ``join_column`` (the table's column holding the
  same key) and ``join_measure`` (``function:column`` or ``count``, like the
  chart's ``y``);
- both: ``filter_column``/``filter_op``/``filter_value`` (repeated, as the
  chart's; they filter the table of the points, or the joined table) and
  ``title``.

``kind=map`` opens the permalink on the map builder of the Créer page.
Reading never fails: what is wrong is left out and reported in plain words,
keyed by the field at fault. Nothing here touches the database: a table's
columns and a file's properties come in as ``{name: kind}`` mappings.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Mapping

import ckan.plugins.toolkit as tk

from ckanext.issy.views import configuration as shared
from ckanext.issy.views.configuration import Errors, Filter, Measure

KIND = "map"
MAX_POPUP, MAX_TITLE, MAX_RESOURCE_ID = 5, 200, 100
COORDINATES = ("lat", "lon", "geo")
JOIN_KEYS = ("join_resource", "join_key", "join_column", "join_measure")
KEYS = ("lat", "lon", "geo", "color", "size", "popup", "cluster", *JOIN_KEYS,
        *shared.FILTER_KEYS, "title")
LIST_KEYS = ("popup", *shared.FILTER_KEYS)
# Column names that say what they hold, compared without accents or case.
_LATITUDES = ("latitude", "lat", "y")
_LONGITUDES = ("longitude", "lon", "lng", "long", "x")
_POINTS = ("geo", "geo_point", "geo_point_2d", "coordonnees", "coordinates", "geolocalisation")
_RESOURCE_ID = re.compile(r"^[\w-]+$")


@dataclass(frozen=True)
class Join:
    resource_id: str  # a DataStore table
    key: str  # the features' property
    column: str  # the table's column holding the same values
    measure: Measure


@dataclass(frozen=True)
class MapConfig:
    lat: str = ""
    lon: str = ""
    geo: str = ""
    color: str = ""
    size: str = ""
    popup: tuple[str, ...] = ()
    cluster: bool = True
    join: Join | None = None
    filters: tuple[Filter, ...] = ()
    title: str = ""

    @property
    def has_coordinates(self) -> bool:
        return bool(self.geo or (self.lat and self.lon))


# Reading --------------------------------------------------------------------

def has_configuration(source: Any) -> bool:
    """Whether ``source`` says anything about a map (else: the defaults)."""
    return shared.has_configuration(source, KEYS)


def _popup(source: Any, errors: Errors) -> tuple[str, ...]:
    names = [name.strip() for name in shared.values(source, "popup") if name.strip()]
    if not all(shared.column_name(name) for name in names):
        errors.setdefault("popup", tk._("This is not the name of a column."))
    kept = tuple(dict.fromkeys(name for name in names if shared.column_name(name)))
    if len(kept) > MAX_POPUP:
        errors.setdefault("popup", tk._("A popup shows at most {number} fields.").format(number=MAX_POPUP))
    return kept[:MAX_POPUP]


def join_resource(source: Any) -> str:
    """The joined table ``source`` names, "" when it names none (or not an
    identifier); the builder's form offers its columns before the join is
    complete."""
    resource_id = shared.value(source, "join_resource")
    return resource_id if len(resource_id) <= MAX_RESOURCE_ID and _RESOURCE_ID.match(resource_id) else ""


def _join(source: Any, errors: Errors) -> Join | None:
    texts = {key: shared.value(source, key) for key in JOIN_KEYS}
    if not any(texts.values()):
        return None
    missing = [key for key, text in texts.items() if not text]
    if missing:
        errors.setdefault(missing[0], tk._(
            "A join needs four choices: the table, the areas' property, the table's column and the value."))
        return None
    resource_id = join_resource(source)
    if not resource_id:
        errors.setdefault("join_resource", tk._("This is not the identifier of a resource."))
        return None
    key = shared.column(source, "join_key", errors)
    column = shared.column(source, "join_column", errors)
    measure = shared.measure(texts["join_measure"], "join_measure", errors)
    return Join(resource_id, key, column, measure) if key and column and measure else None


def _coordinates(source: Any, errors: Errors) -> dict[str, str]:
    found = {key: shared.column(source, key, errors) for key in COORDINATES}
    if found["geo"] and (found["lat"] or found["lon"]):
        errors.setdefault("geo", tk._("Give either a latitude and a longitude column, or one column with both."))
        return {**found, "lat": "", "lon": ""}
    if bool(found["lat"]) != bool(found["lon"]):
        errors.setdefault("lon" if found["lat"] else "lat", tk._(
            "Give either a latitude and a longitude column, or one column with both."))
        return {**found, "lat": "", "lon": ""}
    return found


def parse(source: Any) -> tuple[MapConfig, Errors]:
    """The configuration ``source`` holds, and what was left out of it and why."""
    errors: Errors = {}
    config = MapConfig(
        **_coordinates(source, errors),
        color=shared.column(source, "color", errors),
        size=shared.column(source, "size", errors),
        popup=_popup(source, errors),
        cluster=shared.boolean(shared.value(source, "cluster"), "cluster", errors),
        join=_join(source, errors),
        filters=shared.filters(source, errors, tk._("A map has at most {number} filters.")),
        title=shared.label(source, "title", MAX_TITLE, errors),
    )
    return config, errors


# Checking against the data ---------------------------------------------------

def _wrong_kind(field: str) -> str:
    if field == "geo":
        return tk._("The column “{column}” must hold text such as “48.8239, 2.2704”.")
    if field == "size":
        return tk._("The size of the points must come from a column of numbers.")
    return tk._("The column “{column}” cannot hold coordinates: choose a column of numbers or text.")


def check_table(config: MapConfig, kinds: Mapping[str, str]) -> tuple[MapConfig, Errors]:
    """``config`` for the points of a table (``{column id: kind}``): without
    what its columns cannot do, and why."""
    errors: Errors = {}

    def column(name: str, field: str, allowed: tuple[str, ...] = ()) -> str:
        if not name or not shared.known(name, field, kinds, errors):
            return ""
        if allowed and kinds[name] not in allowed:
            errors.setdefault(field, _wrong_kind(field).format(column=name))
            return ""
        return name

    if config.join:
        errors.setdefault("join_resource", tk._("Only the areas of a GeoJSON file can be joined to a table."))
    lat, lon = column(config.lat, "lat", ("number", "text")), column(config.lon, "lon", ("number", "text"))
    checked = replace(
        config, lat=lat if lat and lon else "", lon=lon if lat and lon else "",
        geo=column(config.geo, "geo", ("text",)), color=column(config.color, "color"),
        size=column(config.size, "size", ("number",)), join=None,
        popup=tuple(name for name in config.popup if column(name, "popup")),
        filters=tuple(f for f in config.filters if shared.filter_applies(f, kinds, errors)))
    if not checked.has_coordinates:
        errors.setdefault("lat", tk._(
            "Choose the columns of the coordinates: a latitude and a longitude, or one column with both."))
    return checked, errors


def _checked_join(join: Join | None, properties: Mapping[str, str], join_kinds: Mapping[str, str] | None,
                  errors: Errors) -> Join | None:
    """``join`` if the file has its key and the joined table (readable) its
    column and measure."""
    if join is None:
        return None
    if join_kinds is None:
        errors.setdefault("join_resource", tk._("The joined table must be a table of data you can read."))
        return None
    if join.key not in properties:
        errors.setdefault("join_key", tk._("The areas have no property “{name}”.").format(name=join.key))
        return None
    if not (shared.known(join.column, "join_column", join_kinds, errors)
            and shared.measure_applies(join.measure, "join_measure", join_kinds, errors)):
        return None
    return join


def check_areas(config: MapConfig, properties: Mapping[str, str],
                join_kinds: Mapping[str, str] | None) -> tuple[MapConfig, Errors]:
    """``config`` for the areas of a GeoJSON file (its ``properties``), and
    the columns of the joined table (None: it cannot be read)."""
    errors: Errors = {}

    def prop(name: str, field: str) -> str:
        if not name or name in properties:
            return name
        errors.setdefault(field, tk._("The areas have no property “{name}”.").format(name=name))
        return ""

    for field in ("lat", "lon", "geo", "size"):
        if getattr(config, field):
            errors.setdefault(field, tk._("The areas of a GeoJSON file take no coordinates or size."))
    join = _checked_join(config.join, properties, join_kinds, errors)
    if join and config.color:
        errors.setdefault("color", tk._("Joined areas are coloured by the table's value."))
    if config.filters and not join:
        errors.setdefault("filter_column", tk._("Filters apply to the joined table: choose a table to join first."))
    checked = replace(
        config, lat="", lon="", geo="", size="", join=join,
        color="" if join else prop(config.color, "color"),
        popup=tuple(name for name in config.popup if prop(name, "popup")),
        filters=tuple(f for f in config.filters if join and shared.filter_applies(f, join_kinds or {}, errors)))
    return checked, errors


def _plain(name: str) -> str:
    letters = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in letters if not unicodedata.combining(c))


def defaults(columns: list[dict[str, Any]]) -> MapConfig:
    """A first map of a table never mapped before: its coordinates guessed
    from the columns' names (latitude and longitude, or one column with
    both), nothing else."""
    by_name = {_plain(c["id"]): c for c in columns if c["type"] in ("number", "text")}

    def first(names: tuple[str, ...], kinds: tuple[str, ...] = ("number", "text")) -> str:
        found = [by_name[n]["id"] for n in names if n in by_name and by_name[n]["type"] in kinds]
        return found[0] if found else ""

    lat, lon = first(_LATITUDES), first(_LONGITUDES)
    if lat and lon:
        return MapConfig(lat=lat, lon=lon)
    return MapConfig(geo=first(_POINTS, ("text",)))


# Writing --------------------------------------------------------------------

def fields(config: MapConfig) -> list[tuple[str, str]]:
    """The configuration's keys and values, defaults left out, in a fixed
    order: two equal configurations give the same permalink."""
    pairs = [(key, getattr(config, key)) for key in ("lat", "lon", "geo", "color", "size")]
    pairs = [(key, text) for key, text in pairs if text] + [("popup", name) for name in config.popup]
    if not config.cluster:
        pairs.append(("cluster", "no"))
    if config.join:
        pairs += [("join_resource", config.join.resource_id), ("join_key", config.join.key),
                  ("join_column", config.join.column), ("join_measure", config.join.measure.key)]
    pairs += shared.filter_fields(config.filters)
    return pairs + ([("title", config.title)] if config.title else [])


def to_query(config: MapConfig, resource_id: str = "") -> str:
    """The query string of the permalink: ``resource_id`` first, then
    ``kind=map`` for the Créer page."""
    return shared.to_query([("kind", KIND), *fields(config)], resource_id)


def to_view(config: MapConfig) -> dict[str, Any]:
    """The fields of a saved view (lists for the repeated keys); the title
    is the view's own."""
    return shared.to_view(fields(config), LIST_KEYS)
