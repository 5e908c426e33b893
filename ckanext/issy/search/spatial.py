"""Map search: ckanext-spatial's ``ext_bbox`` answered from PostgreSQL.

ckanext-spatial's ``spatial_query`` plugin turns ``ext_bbox`` into a Solr
function query; with ``issy_search`` it stays off. Instead, the bounding
box of each dataset's ``spatial`` extra (GeoJSON, validated on save by
``spatial_metadata``) is indexed in the ``bbox`` column (a built-in
``box``, GiST-indexed), and ``ext_bbox=minx,miny,maxx,maxy`` becomes the
filter ``+spatial_bbox:"minx,miny,maxx,maxy"``: datasets whose box
intersects the given one (touching counts). Datasets without a spatial
extent never match it.
"""
from __future__ import annotations

import json
import logging
import math
from typing import Any, Mapping, Optional

import shapely.geometry
import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery

log = logging.getLogger(__name__)

BBOX_FIELD = "spatial_bbox"
BBOX_PARAMETER = "ext_bbox"
# Where CKAN's index document holds the GeoJSON: a free extra, or a
# top-level field of a scheming schema.
SPATIAL_KEYS = ("extras_spatial", "spatial")

Bounds = tuple[float, float, float, float]


def envelope(document: Mapping[str, Any]) -> Optional[Bounds]:
    """(minx, miny, maxx, maxy) of the document's spatial extent, or None
    when it has none or it is not GeoJSON (the dataset is still indexed)."""
    value = next((document[key] for key in SPATIAL_KEYS if document.get(key)), None)
    if value is None:
        return None
    try:
        geometry = shapely.geometry.shape(
            json.loads(value) if isinstance(value, str) else value
        )
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        log.warning("Dataset %s: spatial extent ignored, not GeoJSON: %s",
                    document.get("name"), error)
        return None
    if geometry.is_empty or not all(map(math.isfinite, geometry.bounds)):
        return None
    return geometry.bounds


def box(bounds: Bounds) -> ColumnElement:
    minx, miny, maxx, maxy = bounds
    return sa.func.box(sa.func.point(minx, miny), sa.func.point(maxx, maxy))


def parse_bbox(value: str) -> Bounds:
    """``minx,miny,maxx,maxy`` (ckanext-spatial's order), or InvalidQuery."""
    parts = value.split(",")
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not all(map(math.isfinite, numbers)):
        raise InvalidQuery(
            _('Invalid bounding box "{box}": use four numbers '
              '"minx,miny,maxx,maxy" (west, south, east, north)').format(box=value)
        )
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise InvalidQuery(
            _('Invalid bounding box "{box}": minx must not exceed maxx, '
              "nor miny maxy").format(box=value)
        )
    return minx, miny, maxx, maxy


def intersects(column: ColumnElement, value: str) -> ColumnElement:
    return column.op("&&")(box(parse_bbox(value)))


def with_bbox_filter(search_params: dict[str, Any]) -> dict[str, Any]:
    """``package_search`` parameters with ``ext_bbox`` (which CKAN keeps
    away from the search backend, in ``extras``) added to ``fq``."""
    value = (search_params.get("extras") or {}).get(BBOX_PARAMETER)
    if not value:
        return search_params
    literal = str(value).strip().replace("\\", "\\\\").replace('"', '\\"')
    fq = search_params.get("fq") or ""
    search_params["fq"] = f'{fq} +{BBOX_FIELD}:"{literal}"'.strip()
    return search_params
