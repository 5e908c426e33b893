"""The map data's actions and auth functions (registered by the core
``issy`` plugin): ``issy_points`` (the points of a DataStore table),
``issy_geojson`` and ``issy_geojson_properties`` (an uploaded GeoJSON file,
joined to a table when asked); docs/api.md.

Points are read by whoever may read the table (``datastore_search``, as
aggregations are); a GeoJSON file by whoever may see its resource
(``resource_show``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate import cache, sql
from ckanext.issy.aggregate.action import client, column_field, issy_aggregate_auth, resource_id_of, table
from ckanext.issy.geo import geojson, join, points
from ckanext.issy.language import _


@tk.side_effect_free
def issy_points(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The points of a DataStore table with coordinates (docs/api.md).

    :param resource_id: the resource
    :param lat: the latitude's column (numbers, or text holding numbers), with ``lon``
    :param lon: the longitude's column
    :param geo: instead of ``lat`` and ``lon``, a text column holding "latitude, longitude"
    :param color: a column whose value colours each point
    :param size: a column of numbers that sizes each point
    :param popup: up to 5 columns shown in a point's popup
    :param filters: up to 10 ``{"column", "op", "value"}``, as ``issy_aggregate``'s
    :param limit: most points returned (default and at most ``ckanext.issy.map.max_points``)
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_points", context, {"resource_id": resource_id})
    with table(resource_id) as (connection, columns, version):
        request = points.parse({**data_dict, "resource_id": resource_id}, columns,
                               tk.config.get("ckanext.issy.map.max_points"))

        def compute() -> dict[str, Any]:
            return {"resource_id": resource_id, "version": version,
                    "fields": [column_field(c) for c in request.fields], **sql.points(connection, request)}

        entry = cache.key("points", resource_id, version, request.cache_key())
        result, cached = cache.remember(entry, client(context), compute)
    return {**result, "cached": cached}


def _resource(context: dict[str, Any], data_dict: dict[str, Any], action: str) -> dict[str, Any]:
    resource_id = resource_id_of(data_dict)
    tk.check_access(action, context, {"resource_id": resource_id})
    return tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})


@tk.side_effect_free
def issy_geojson(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The features of a GeoJSON file uploaded to the portal (docs/api.md).

    :param resource_id: the resource
    :param properties: up to 10 properties to keep (default: all)
    :param join: ``{"resource_id", "key", "column", "measure": {"function", "column"}, "filters"}``:
        each feature's ``_value``, the measure of the table's rows whose ``column`` holds its ``key``
    """
    caller = dict(context)  # as the caller sent it, for the join's aggregation
    resource = _resource(context, data_dict, "issy_geojson")
    joined = join.parse(data_dict.get("join"))
    kept = geojson.kept_properties(data_dict.get("properties"), joined.key if joined else None)
    layer = geojson.collection(resource, kept, client(caller))
    return {"resource_id": resource["id"], "type": "FeatureCollection", **layer,
            "join": join.apply(caller, joined, layer["features"]) if joined else None}


@tk.side_effect_free
def issy_geojson_properties(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """What a GeoJSON file uploaded to the portal holds: its number of
    features, geometry types, bounds and properties (number or text).

    :param resource_id: the resource
    """
    resource = _resource(context, data_dict, "issy_geojson_properties")
    return {"resource_id": resource["id"], **geojson.summary(geojson.collection(resource, None, client(context)))}


@tk.auth_allow_anonymous_access
def issy_geojson_auth(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Whoever may see the resource (``resource_show``)."""
    try:
        tk.check_access("resource_show", context, {"id": data_dict.get("resource_id")})
    except tk.NotAuthorized:
        return {"success": False, "msg": _("You are not allowed to read this resource's data.")}
    return {"success": True}


def get_actions() -> dict[str, Any]:
    return {"issy_points": issy_points, "issy_geojson": issy_geojson,
            "issy_geojson_properties": issy_geojson_properties}


def get_auth_functions() -> dict[str, Any]:
    return {"issy_points": issy_aggregate_auth, "issy_geojson": issy_geojson_auth,
            "issy_geojson_properties": issy_geojson_auth}
