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
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, jsonify, make_response
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk

from ckanext.issy import csrf
from ckanext.issy.views.chart import config as chart_config
from ckanext.issy.views.chart import pages

blueprint = Blueprint("issy_chart", __name__)
def embed() -> Any:
    resource_id = tk.request.args.get("resource_id", "")
    resource, package, table = pages.resource_or_abort(resource_id)
    chart = pages.chart(tk.request.args, resource_id, table, first_chart=True)
    response = make_response(tk.render("issy_chart/embed.html", extra_vars={
        "chart": chart, "resource": resource, "package": package}))
    # Other sites may frame this page, and only this one.
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    response.headers.pop("X-Frame-Options", None)
    return response


def configuration() -> Any:
    resource_id = tk.request.args.get("resource_id", "")
    _resource, _package, table = pages.resource_or_abort(resource_id)
    chart = pages.chart(tk.request.args, resource_id, table)
    query = chart_config.to_query(chart.config, resource_id)
    return jsonify({"query": query, "title": chart.title, "spec": chart.spec,
                    "errors": chart.errors, **pages.links(query, chart.title)})


def _back(query: str) -> Any:
    return tk.redirect_to(f"{tk.h.url_for('issy_theme.create')}?{query}")


def save() -> Any:
    csrf.require_token()
    if not tk.current_user.is_authenticated:
        tk.abort(403, tk._("Sign in to save a chart as a view."))
    resource_id = tk.request.form.get("resource_id", "")
    _resource, package, table = pages.resource_or_abort(resource_id)
    if not pages.can_save(package):
        tk.abort(403, tk._("Only the dataset's editors can save a chart as a view of it."))
    source = MultiDict(parse_qsl(tk.request.form.get("query", ""), keep_blank_values=True))
    chart = pages.chart(source, resource_id, table)
    query = chart_config.to_query(chart.config, resource_id)
    if chart.errors:
        tk.h.flash_error(tk._("The chart was not saved: {reasons}").format(reasons=" ".join(chart.messages)))
        return _back(query)
    try:
        view = tk.get_action("resource_view_create")(pages.context(), {
            "resource_id": resource_id, "view_type": pages.VIEW_TYPE, "title": chart.title,
            **chart_config.to_view(chart.config)})
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only the dataset's editors can save a chart as a view of it."))
    except tk.ValidationError as error:
        tk.h.flash_error(tk._("The chart was not saved: {reasons}").format(reasons=" ".join(map(str, error.error_summary.values()))))
        return _back(query)
    tk.h.flash_success(tk._("The chart was saved as a view of this resource."))
    return tk.redirect_to(f"{package['type']}_resource.read", id=package["name"],
                          resource_id=resource_id, view_id=view["id"])


blueprint.add_url_rule("/creer/integrer", view_func=embed, endpoint="embed")
blueprint.add_url_rule("/creer/configuration", view_func=configuration, endpoint="configuration")
blueprint.add_url_rule("/creer/enregistrer", view_func=save, endpoint="save", methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [blueprint]
