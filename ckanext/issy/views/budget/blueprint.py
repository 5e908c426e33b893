"""The report's data and its embed page:

- ``GET /api/issy/budget?resource_id=…[&compare=…]``: the action
  ``issy_budget``, with the aggregation API's JSON errors (never a 500);
- ``/rapport-financier/integrer?resource_id=…[&comparer=…]``: the report
  alone, for other sites to frame (``frame-ancestors *``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint

from ckanext.issy.aggregate.endpoint import answer
from ckanext.issy.views import builder
from ckanext.issy.views.budget import page

blueprint = Blueprint("issy_budget", __name__)


def data() -> Any:
    return answer("issy_budget", ())


def embed() -> Any:
    resource, package, _data = builder.resource_or_abort(tk.request.args.get("resource_id", "").strip(),
                                                         lambda resource: None)
    variables = page.variables(resource, tk.request.args.get("comparer", ""))
    return builder.embed_response("issy_budget/embed.html", {
        **variables, "resource": resource, "package": package, "resource_view": {}})


blueprint.add_url_rule("/api/issy/budget", view_func=data, methods=["GET"])
blueprint.add_url_rule("/rapport-financier/integrer", view_func=embed, endpoint="embed")
