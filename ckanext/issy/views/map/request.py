"""A map's configuration (``config.py``) as a request of the map data
endpoints (``geo/``, docs/api.md): the parameters of ``GET /api/issy/points``
for the points of a table, of ``GET /api/issy/geojson`` for the areas of a
GeoJSON file (joined to a table when asked), as ``map.js`` fetches them."""
from __future__ import annotations

from typing import Any, Mapping

from ckanext.issy.views.configuration import filter_requests
from ckanext.issy.views.map.config import MapConfig


def points_request(config: MapConfig, resource_id: str, kinds: Mapping[str, str]) -> dict[str, Any]:
    """The ``data_dict`` of ``issy_points``."""
    request: dict[str, Any] = {"resource_id": resource_id}
    request.update({key: getattr(config, key) for key in ("lat", "lon", "geo", "color", "size")
                    if getattr(config, key)})
    if config.popup:
        request["popup"] = list(config.popup)
    if config.filters:
        request["filters"] = filter_requests(config.filters, kinds)
    return request


def geojson_request(config: MapConfig, resource_id: str,
                    join_kinds: Mapping[str, str] | None) -> dict[str, Any]:
    """The ``data_dict`` of ``issy_geojson``: only the properties the map
    shows (all of them when it shows none, for the table of features)."""
    request: dict[str, Any] = {"resource_id": resource_id}
    shown = list(dict.fromkeys(([config.color] if config.color else []) + list(config.popup)))
    if shown:
        request["properties"] = shown
    if config.join:
        request["join"] = {
            "resource_id": config.join.resource_id, "key": config.join.key, "column": config.join.column,
            "measure": config.join.measure.request(),
            "filters": filter_requests(config.filters, join_kinds or {})}
    return request

