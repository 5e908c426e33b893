"""The results' data and their embed page:

- ``GET /api/issy/elections?resource_id=…[&station=…]``: the action
  ``issy_elections``, with the aggregation API's JSON errors (never a 500);
- ``GET /api/issy/elections/carte?resource_id=…``: the action
  ``issy_elections_map`` (the polling stations' map), likewise;
- ``/resultats-electoraux/integrer?resource_id=…[&bureau=…]``: the results
  alone, for other sites to frame (``frame-ancestors *``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint

from ckanext.issy.aggregate.endpoint import answer
from ckanext.issy.views import builder
from ckanext.issy.views.elections import page

blueprint = Blueprint("issy_elections", __name__)


def data() -> Any:
    return answer("issy_elections", ())


def places() -> Any:
    return answer("issy_elections_map", ())


def _embedded(resource: dict[str, Any], package: dict[str, Any], station: str) -> dict[str, Any]:
    return page.shown(resource, package, station, key="embed", level=1, embed_url=None,
                      form_action=tk.url_for("issy_elections.embed"), form_hidden={"resource_id": resource["id"]})


def embed() -> Any:
    return builder.report_embed("issy_elections/embed.html", _embedded, page.STATION_PARAMETER)


blueprint.add_url_rule("/api/issy/elections", view_func=data, methods=["GET"])
blueprint.add_url_rule("/api/issy/elections/carte", view_func=places, endpoint="places", methods=["GET"])
blueprint.add_url_rule("/resultats-electoraux/integrer", view_func=embed, endpoint="embed")
