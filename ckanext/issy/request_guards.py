"""Requests that CKAN itself would answer with a 500, refused with a 400 and
a clear message before its view runs.

- ``/datastore/dump/<id>?format=...`` with an unknown format: the
  DataStore's dump schema checks it with ``one_of(DUMP_FORMATS)``, whose
  message formats a tuple with ``%`` (``TypeError``) on CKAN 2.11 and 2.12.
"""
from __future__ import annotations

from typing import Any

import flask
from werkzeug.exceptions import BadRequest

from ckanext.issy.language import _

DUMP_ENDPOINT = "datastore.dump"


def install(app: flask.Flask) -> None:
    app.before_request(_check_dump_format)


def _check_dump_format() -> Any:
    if flask.request.endpoint != DUMP_ENDPOINT:
        return None
    from ckanext.datastore.blueprint import DUMP_FORMATS

    wanted = flask.request.args.get("format", "")
    if wanted in ("", *DUMP_FORMATS):
        return None
    message = _("format: the format must be one of {formats}").format(formats=", ".join(DUMP_FORMATS))
    # CKAN's own error page, in the site's theme, as its view would abort.
    return flask.current_app.handle_http_exception(BadRequest(message))


