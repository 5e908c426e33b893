"""``GET /api/issy/elections?resource_id=…[&station=…]``: the action
``issy_elections``, with the aggregation API's JSON errors (never a 500)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from ckanext.issy.aggregate.endpoint import answer

blueprint = Blueprint("issy_elections", __name__)


def data() -> Any:
    return answer("issy_elections", ())


blueprint.add_url_rule("/api/issy/elections", view_func=data, methods=["GET"])
