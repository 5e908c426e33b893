"""The chart builder's routes besides the Créer page itself (which stays
``issy_theme.create``, ``/creer``):

- ``/creer/integrer?<configuration>``: the chart alone, for other sites to
  frame (``frame-ancestors *``);
- ``/creer/configuration?<configuration>``: the JSON the builder's script
  asks for after each change (the configuration as the server reads it,
  its permalink, embed code and figure), so that only ``config.py`` reads
  configurations;
- ``/creer/enregistrer`` (POST): an editor saves the chart as an
  ``issy_chart`` view of the resource, through ``resource_view_create``
  with their own context (CKAN checks their rights) and the CSRF token.

The map builder's routes work the same way (``views/builder.py``).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.chart import pages

blueprint = Blueprint("issy_chart", __name__)


def embed() -> Any:
    resource, package, table = pages.resource_or_abort(tk.request.args.get("resource_id", ""))
    chart = pages.chart(tk.request.args, resource["id"], table, first_chart=True)
    return builder.embed_response("issy_chart/embed.html", {
        "chart": chart, "resource": resource, "package": package})


def configuration() -> Any:
    return builder.configuration_answer(pages.KIND)


def save() -> Any:
    return builder.save(pages.KIND)


blueprint.add_url_rule("/creer/integrer", view_func=embed, endpoint="embed")
blueprint.add_url_rule("/creer/configuration", view_func=configuration, endpoint="configuration")
blueprint.add_url_rule("/creer/enregistrer", view_func=save, endpoint="save", methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [blueprint]
