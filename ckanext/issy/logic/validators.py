"""Validators of the dataset form's coverage fields (update frequency,
temporal and spatial coverage), as CKAN validators: ``(value, context)``,
raising ``tk.Invalid`` with a message for the editor."""
from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any, Callable

import ckan.plugins.toolkit as tk
import shapely.geometry
import shapely.validation

from ckanext.issy.dcat import frequencies
from ckanext.issy.language import _

AREA_TYPES = ("Polygon", "MultiPolygon")
POINT_TYPES = ("Point", "MultiPoint")


def frequency_uri(value: Any, context: dict[str, Any]) -> str:
    """A frequency of the EU vocabulary, given as its URI or its code, as its URI."""
    if not value:
        return ""
    known = frequencies.uri(value)
    if known is None:
        raise tk.Invalid(_('"{value}" is not an update frequency of the list').format(value=value))
    return known


def iso_date(value: Any, context: dict[str, Any]) -> str:
    """A day, written YYYY-MM-DD (what a date field of a browser sends)."""
    if not value:
        return ""
    text = str(value).strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise tk.Invalid(_('"{value}" is not a date: write it YYYY-MM-DD, e.g. 2024-12-31').format(value=text))


def _geometry(value: Any) -> Any:
    """The geometry of a GeoJSON Feature, or of a FeatureCollection of one
    Feature (what map tools such as geojson.io give); any other value as is."""
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1:
            raise tk.Invalid(_("Paste one area: this collection holds {count} features").format(count=len(features)))
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        return value.get("geometry")
    return value


def _in_degrees(bounds: tuple[float, ...]) -> bool:
    minx, miny, maxx, maxy = bounds
    return all(map(math.isfinite, bounds)) and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def area_geometry(text: str) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon from its text, as {type, coordinates}.

    udata refuses a dataset whose ``spatial`` extra is anything else (a
    point fails the whole dataset), so the reasons are spelled out."""
    try:
        geometry = _geometry(json.loads(text))
    except ValueError:
        raise tk.Invalid(_("This is not GeoJSON: paste the text of a Polygon or MultiPolygon"))
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in POINT_TYPES:
        raise tk.Invalid(_("A point is not an area: paste a Polygon or MultiPolygon that outlines the area covered"))
    if kind not in AREA_TYPES:
        raise tk.Invalid(_("This GeoJSON is not a Polygon or MultiPolygon"))
    try:
        shape = shapely.geometry.shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        shape = None
    if shape is None or shape.is_empty:
        raise tk.Invalid(_("The coordinates of this {type} are not valid GeoJSON").format(type=kind))
    if not _in_degrees(shape.bounds):
        raise tk.Invalid(_("The coordinates must be longitude then latitude, in degrees (WGS 84, as on geojson.io)"))
    if not shape.is_valid:
        raise tk.Invalid(_("The outline crosses itself or is not closed ({reason})").format(
            reason=shapely.validation.explain_validity(shape)))
    return {"type": kind, "coordinates": geometry["coordinates"]}


def area(value: Any, context: dict[str, Any]) -> str:
    """A GeoJSON area (Polygon or MultiPolygon, or a Feature holding one), as compact GeoJSON text."""
    if not value:
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    return json.dumps(area_geometry(text), separators=(",", ":"))


def get_validators() -> dict[str, Callable[..., Any]]:
    return {"issy_frequency_uri": frequency_uri, "issy_iso_date": iso_date, "issy_area": area}
