"""The map data's GET endpoints (blueprint ``issy_geo``): the actions
``issy_points`` and ``issy_geojson`` at addresses a map can fetch and a
permalink can hold, answered as ``/api/issy/aggregate`` is (its
``answer``: JSON, a 4xx with a sentence for whatever a visitor sends)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from ckanext.issy.aggregate.endpoint import answer
from ckanext.issy.geo import geojson as geojson_request
from ckanext.issy.geo import points as points_request

blueprint = Blueprint("issy_geo", __name__)


def points() -> Any:
    return answer("issy_points", points_request.STRUCTURED)


def geojson() -> Any:
    return answer("issy_geojson", geojson_request.STRUCTURED)


blueprint.add_url_rule("/api/issy/points", view_func=points, methods=["GET"])
blueprint.add_url_rule("/api/issy/geojson", view_func=geojson, methods=["GET"])
