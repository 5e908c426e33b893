"""The map builder's routes besides the Créer page itself (``/creer?kind=map``,
``issy_theme.create``), as the chart's (``views/chart/blueprint.py``):

- ``/creer/carte/integrer?<configuration>``: the map alone, for other sites
  to frame (``frame-ancestors *``);
- ``/creer/carte/configuration?<configuration>``: the JSON the builder's
  script asks for after each change;
- ``/creer/carte/enregistrer`` (POST): an editor saves the map as an
  ``issy_map`` view of the resource (CSRF token, their own rights).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.map import pages

blueprint = Blueprint("issy_map", __name__)


def embed() -> Any:
    resource, package, data = pages.resource_or_abort(tk.request.args.get("resource_id", ""))
    figure = pages.build(tk.request.args, resource, data, first_map=True)
    return builder.embed_response("issy_map/embed.html", {
        "map": figure, "resource": resource, "package": package})


def configuration() -> Any:
    return builder.configuration_answer(pages.KIND)


def save() -> Any:
    return builder.save(pages.KIND)


blueprint.add_url_rule("/creer/carte/integrer", view_func=embed, endpoint="embed")
blueprint.add_url_rule("/creer/carte/configuration", view_func=configuration, endpoint="configuration")
blueprint.add_url_rule("/creer/carte/enregistrer", view_func=save, endpoint="save", methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [blueprint]
