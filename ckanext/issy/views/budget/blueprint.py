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
    resource_id = tk.request.args.get("resource_id", "").strip()
    try:
        resource = tk.get_action("resource_show")(builder.context(), {"id": resource_id})
        package = tk.get_action("package_show")(builder.context(), {"id": resource["package_id"]})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("This resource does not exist."))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You are not allowed to read this resource's data."))
    variables = page.variables(resource, tk.request.args.get("comparer", ""))
    return builder.embed_response("issy_budget/embed.html", {
        **variables, "resource": resource, "package": package, "resource_view": {}})


blueprint.add_url_rule("/api/issy/budget", view_func=data, methods=["GET"])
blueprint.add_url_rule("/rapport-financier/integrer", view_func=embed, endpoint="embed")
