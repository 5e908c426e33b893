"""The report's data and its embed page:

- ``GET /api/issy/budget?resource_id=…[&compare=…]``: the action
  ``issy_budget``, with the aggregation API's JSON errors (never a 500);
- ``/rapport-financier/integrer?resource_id=…[&comparer=…]``: the report
  alone, for other sites to frame (``frame-ancestors *``)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from ckanext.issy.aggregate.endpoint import answer
from ckanext.issy.views import builder
from ckanext.issy.views.budget import page

blueprint = Blueprint("issy_budget", __name__)


def data() -> Any:
    return answer("issy_budget", ())


def embed() -> Any:
    return builder.report_embed("issy_budget/embed.html",
                                lambda resource, _package, comparer: page.variables(resource, comparer), "comparer")


blueprint.add_url_rule("/api/issy/budget", view_func=data, methods=["GET"])
blueprint.add_url_rule("/rapport-financier/integrer", view_func=embed, endpoint="embed")
