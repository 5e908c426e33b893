"""CSRF protection that holds on CKAN 2.11 and 2.12.

Two gaps of CKAN's own protection are closed here:

- CKAN 2.11 exempts every extension's blueprint from its CSRF check unless a
  site sets ``ckan.csrf_protection.ignore_extensions = false``: the POST
  views of this extension call :func:`require_token` themselves.
- CKAN skips its CSRF check for requests that carry no session cookie (an API
token, or an anonymous visitor): a cross-site form cannot forge those.
CKAN 2.11.6 marks only the request in hand as exempt. CKAN 2.12.0 instead
adds the view to Flask-WTF's list of exempt views, for the rest of the
process: after one anonymous request to, say, the dataset edit page, a
logged-in browser may post to that page without the form's token. This
module makes such additions last for their own request only
(:func:`install`).

It is the only place in the project that touches Flask-WTF's and CKAN's CSRF
internals (``CSRFProtect._exempt_views`` of the ``csrf`` object of
``ckan.config.middleware.flask_app``); it changes nothing on CKAN 2.11.
"""
from __future__ import annotations

from typing import Any

import flask
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

import ckan.plugins.toolkit as tk

_REQUEST_EXEMPTIONS = "_issy_csrf_exempt_views"


class RequestScopedExemptions(set):
    """Flask-WTF's set of exempt views. Views exempted while the application
    starts (``@csrf.exempt``, blueprints) stay exempt; a view exempted while
    a request is being handled is exempt for that request only."""

    def add(self, view: Any) -> None:
        if flask.has_request_context():
            exempt = flask.g.setdefault(_REQUEST_EXEMPTIONS, set())
            exempt.add(view)
        else:
            super().add(view)

    def __contains__(self, view: object) -> bool:
        if super().__contains__(view):
            return True
        return flask.has_request_context() and view in flask.g.get(
            _REQUEST_EXEMPTIONS, ())


def install() -> None:
    """Scope CKAN's CSRF exemptions to their request; idempotent."""
    from ckan.config.middleware.flask_app import csrf

    if not isinstance(csrf._exempt_views, RequestScopedExemptions):
        csrf._exempt_views = RequestScopedExemptions(csrf._exempt_views)


def require_token() -> None:
    """Abort with 400 unless the POST carries the session's CSRF token or is
    signed with an API token (a header browsers never add on their own, so
    no other site can forge it)."""
    if _signed_with_api_token():
        return
    try:
        validate_csrf(tk.request.form.get(tk.config.get("WTF_CSRF_FIELD_NAME")))
    except ValidationError:
        tk.abort(400, tk._("The form has expired or did not come from this site; please try again."))


def _signed_with_api_token() -> bool:
    token = tk.request.headers.get(tk.config.get("apitoken_header_name"), "")
    return bool(token) and tk.current_user.is_authenticated and tk.g.get("login_via_auth_header", False)
