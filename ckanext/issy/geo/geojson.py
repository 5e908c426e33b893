"""A GeoJSON file uploaded to the portal, read, checked and reduced for a
map: only the features' geometries (longitude and latitude rounded to 6
decimals, about 11 cm) and scalar properties, the ones asked for.

Only files kept on the portal are read, from the resource storage's own
path (``upload_path``, the one place that asks CKAN's uploader), and never
a URL: the server fetches nothing for a visitor. The file's size is checked
before it is read and its features counted before they are walked, so a
large file costs nothing. The reduced collection is cached like the
aggregations (``aggregate/cache.py``), keyed by the file's identity."""
from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate import cache
from ckanext.issy.aggregate.request import invalid, items
from ckanext.issy.language import _

# How deep the positions of each geometry type are nested in "coordinates".
GEOMETRIES = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
              "MultiPolygon": 3}
MAX_PROPERTIES = 10
# Parameters that arrive JSON-encoded on the GET endpoint.
STRUCTURED = ("properties", "join")
_SCALARS = (str, int, float, bool, type(None))


def is_geojson(resource: Mapping[str, Any]) -> bool:
    url = str(resource.get("url") or "").split("?")[0].split("#")[0]
    return str(resource.get("format") or "").strip().lower() == "geojson" or url.lower().endswith(".geojson")


def upload_path(resource: Mapping[str, Any]) -> str:
    """Where the resource's uploaded file lies: CKAN's uploader, the one
    internal of CKAN this package uses (docs/architecture.md)."""
    from ckan.lib.uploader import get_resource_uploader

    return str(get_resource_uploader(dict(resource)).get_path(resource["id"]))


def kept_properties(value: Any, join_key: str | None) -> tuple[str, ...] | None:
    """The ``properties`` parameter: the names of the properties to keep
    (with the join's key), or None for all of them."""
    if value in (None, "", []):
        return None
    names = items({"properties": value}, "properties", MAX_PROPERTIES)
    if not all(isinstance(name, str) and name for name in names):
        raise invalid("properties", _("Name each property by its text."))
    return tuple(dict.fromkeys(names + ([join_key] if join_key else [])))


def _file(resource: Mapping[str, Any]) -> tuple[str, os.stat_result]:
    if not is_geojson(resource):
        raise invalid("resource_id", _("This resource is not a GeoJSON file."))
    if resource.get("url_type") != "upload":
        raise tk.ObjectNotFound(_("Only files kept on the portal can be mapped; this resource links to a file "
                                  "elsewhere."))
    path = upload_path(resource)
    try:
        if not os.path.isabs(path):  # a storage that is not a local directory
            raise FileNotFoundError(path)
        found = os.stat(path)
    except OSError:
        raise tk.ObjectNotFound(_("The file of this resource is missing from the portal.")) from None
    most = tk.config.get("ckanext.issy.map.max_geojson_bytes")
    if found.st_size > most:
        raise _too_large(found.st_size, most)
    return path, found


def _too_large(size: int, most: int) -> tk.ValidationError:
    return invalid("resource_id", _(
        "The file is {size} bytes; at most {most} can be mapped (ckanext.issy.map.max_geojson_bytes).").format(
        size=size, most=most))


def collection(resource: Mapping[str, Any], properties: tuple[str, ...] | None,
               client: str) -> dict[str, Any]:
    """The resource's features reduced to ``properties`` (all: None), the
    count of those without a geometry and the bounds, cached."""
    path, found = _file(resource)
    identity = "|".join(map(str, (resource.get("last_modified"), resource.get("metadata_modified"),
                                  found.st_size, found.st_mtime_ns)))
    entry = cache.key("geojson", resource["id"], identity,
                      json.dumps(sorted(properties) if properties is not None else None))
    result, _cached = cache.remember(entry, client, lambda: reduce(_read(path), properties))
    return result


def _read(path: str) -> Any:
    most = tk.config.get("ckanext.issy.map.max_geojson_bytes")
    try:
        with open(path, "rb") as file:
            data = file.read(most + 1)
    except OSError:
        raise tk.ObjectNotFound(_("The file of this resource is missing from the portal.")) from None
    if len(data) > most:  # grown since it was measured
        raise _too_large(len(data), most)
    try:
        return json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # ValueError: also bytes that are no Unicode text
        raise invalid("resource_id", _("The file is not JSON, so it cannot be mapped.")) from None


def _no_constant(name: str) -> None:
    """NaN and Infinity, which Python reads but JSON does not allow."""
    raise ValueError(name)


def reduce(document: Any, properties: Sequence[str] | None) -> dict[str, Any]:
    """The document's features checked and reduced (see ``collection``), or
    ``tk.ValidationError`` naming the first feature that cannot be mapped."""
    features = _features(document)
    most = tk.config.get("ckanext.issy.map.max_features")
    if len(features) > most:
        raise invalid("resource_id", _(
            "The file has {count} features; at most {most} can be mapped (ckanext.issy.map.max_features).").format(
            count=len(features), most=most))
    bounds = [math.inf, math.inf, -math.inf, -math.inf]  # south, west, north, east
    kept, skipped = [], 0
    for rank, feature in enumerate(features, start=1):
        if not isinstance(feature, Mapping) or feature.get("type", "Feature") != "Feature":
            raise _bad(rank)
        if feature.get("geometry") is None:
            skipped += 1
            continue
        reduced = {"type": "Feature", "geometry": _geometry(feature["geometry"], rank, bounds),
                   "properties": _properties(feature.get("properties"), properties)}
        if isinstance(feature.get("id"), (str, int)) and not isinstance(feature["id"], bool):
            reduced["id"] = feature["id"]
        kept.append(reduced)
    return {"features": kept, "skipped": skipped,
            "bounds": [bounds[:2], bounds[2:]] if kept else None}


def _features(document: Any) -> list[Any]:
    if isinstance(document, Mapping) and document.get("type") == "Feature":
        return [document]
    if (not isinstance(document, Mapping) or document.get("type") != "FeatureCollection"
            or not isinstance(document.get("features"), list)):
        raise invalid("resource_id", _("The file is not a GeoJSON FeatureCollection."))
    return document["features"]


def _bad(rank: int) -> tk.ValidationError:
    return invalid("resource_id", _("Feature {rank} of the file is not a valid GeoJSON feature.").format(rank=rank))


def _geometry(geometry: Any, rank: int, bounds: list[float]) -> dict[str, Any]:
    if not isinstance(geometry, Mapping):
        raise _bad(rank)
    kind = geometry.get("type")
    if kind not in GEOMETRIES:
        raise invalid("resource_id", _(
            "Feature {rank} of the file is a {kind}: only points, lines and polygons can be mapped.").format(
            rank=rank, kind=str(kind)[:40]))
    return {"type": kind, "coordinates": _positions(geometry.get("coordinates"), GEOMETRIES[kind], rank, bounds)}


def _positions(value: Any, depth: int, rank: int, bounds: list[float]) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(rank)
    if depth:
        return [_positions(item, depth - 1, rank, bounds) for item in value]
    if len(value) < 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value[:2]):
        raise _bad(rank)
    lon, lat = _degrees(value[0], 180, rank, _("longitude")), _degrees(value[1], 90, rank, _("latitude"))
    bounds[:] = [min(bounds[0], lat), min(bounds[1], lon), max(bounds[2], lat), max(bounds[3], lon)]
    return [lon, lat]  # an altitude is of no use on a flat map


def _degrees(value: float, bound: int, rank: int, name: str) -> float:
    if not math.isfinite(value) or abs(value) > bound:
        raise invalid("resource_id", _(
            "Feature {rank} of the file has a {name} of {value}, beyond ±{bound}: coordinates must be longitude "
            "and latitude in degrees (WGS 84).").format(rank=rank, name=name, value=value, bound=bound))
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def _properties(value: Any, names: Sequence[str] | None) -> dict[str, Any]:
    """The scalar properties (of ``names``, all: None): objects and lists
    have no place in a popup or a legend."""
    properties = value if isinstance(value, Mapping) else {}
    return {name: _scalar(v) for name, v in properties.items()
            if isinstance(v, _SCALARS) and (names is None or name in names)}


def _scalar(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def summary(layer: Mapping[str, Any]) -> dict[str, Any]:
    """What the map builder offers for a layer: its geometry types and its
    properties, a number where every value given is one."""
    kinds: dict[str, str] = {}
    for feature in layer["features"]:
        for name, value in feature["properties"].items():
            if value is None:
                kinds.setdefault(name, "")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                kinds[name] = kinds.get(name) or "number"
            else:
                kinds[name] = "text"
    return {"features": len(layer["features"]), "bounds": layer["bounds"],
            "geometry_types": sorted({f["geometry"]["type"] for f in layer["features"]}),
            "properties": [{"id": name, "type": kind or "text"} for name, kind in kinds.items()]}
