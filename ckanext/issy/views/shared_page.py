"""Pages that are the same for every visitor without a session, which nginx
may keep for a few seconds (deploy/nginx/issy-ckan.conf, docs/production.md).

On election night most visitors arrive on the results page from a link,
without a session: one rendering every few seconds can serve them all. A
view marks its page with ``share()``; when the visitor is anonymous, sent
no session cookie, no remember-me cookie and no API token, and the page
left nothing in the session but the CSRF token every CKAN page writes,
the answer gets ``X-Accel-Expires`` and no session (so no ``Set-Cookie``,
which nginx would refuse to cache, and no token to leak: the token in such
a page belongs to no session, and the visitor's first form page gives them
one). Any other answer is left as CKAN made it.
"""
from __future__ import annotations

import flask

import ckan.plugins.toolkit as tk

SECONDS_OPTION = "ckanext.issy.shared_page_seconds"
HEADER = "X-Accel-Expires"  # nginx's own: read by it, never passed to the browser
# What a session of an anonymous visitor's first page may hold besides the
# CSRF token (WTF_CSRF_FIELD_NAME): the cookie backend's marker.
_BACKEND_KEYS = {"_permanent"}


def share() -> None:
    """Marks the page being rendered as the same for every visitor without a session."""
    tk.g.issy_shared_page = True


def install(app: flask.Flask) -> None:
    app.after_request(_unshared_session)


def _unshared_session(response: flask.Response) -> flask.Response:
    if not tk.g.get("issy_shared_page"):  # every other request: one lookup
        return response
    seconds = tk.config.get(SECONDS_OPTION)
    if seconds > 0 and _shareable(response):
        flask.session.clear()
        flask.session.modified = False  # nothing to save, so no cookie to set or delete
        response.headers[HEADER] = str(seconds)
    return response


def _shareable(response: flask.Response) -> bool:
    request, settings = flask.request, flask.current_app.config  # CKAN declares the three names
    cookies = (settings["SESSION_COOKIE_NAME"], settings["REMEMBER_COOKIE_NAME"])
    page_only = _BACKEND_KEYS | {settings["WTF_CSRF_FIELD_NAME"]}
    return (request.method in ("GET", "HEAD") and response.status_code == 200
            and not tk.current_user.is_authenticated
            and not any(name in request.cookies for name in cookies)
            and not request.headers.get("Authorization") and not request.headers.get("X-CKAN-API-Key")
            and set(flask.session.keys()) <= page_only
            and "Set-Cookie" not in response.headers)
