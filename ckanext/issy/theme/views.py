"""The pages of the four sections and the legal pages (blueprint ``issy_theme``).

URLs are French, like the city's; CKAN adds ``/en`` for English pages. Every
page is public; the two forms are for sysadmins (``issy_theme_edit``) and go
through CKAN's CSRF protection like every POST."""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

import ckan.plugins.toolkit as tk

from ckanext.issy.theme import catalogue, settings

issy_theme = Blueprint("issy_theme", __name__)


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _require_editor() -> dict[str, Any]:
    if tk.request.method == "POST":
        _check_csrf()
    context = _context()
    try:
        tk.check_access("issy_theme_edit", context)
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only site administrators can edit this page."))
    return context


def _check_csrf() -> None:
    """Check the CSRF token here too. CKAN (2.11, 2.12) turns CSRF off for
    anonymous requests by exempting the *view* for the rest of the process:
    after one anonymous POST, a sysadmin's POST would no longer be checked.
    A request signed with an API token needs no check: browsers never add
    that header on their own, so no other site can forge it."""
    if _signed_with_api_token():
        return
    field = tk.config.get("WTF_CSRF_FIELD_NAME")
    try:
        validate_csrf(tk.request.form.get(field))
    except ValidationError:
        tk.abort(400, tk._("The form has expired or did not come from this site; please try again."))


def _signed_with_api_token() -> bool:
    token = tk.request.headers.get(tk.config.get("apitoken_header_name"), "")
    return bool(token) and tk.current_user.is_authenticated and tk.g.get("login_via_auth_header", False)


def _page(template: str) -> Callable[[], str]:
    def view() -> str:
        return tk.render(f"issy/{template}.html")
    return view


def visualisations() -> str:
    extra: dict[str, Any] = {"featured": catalogue.featured_views()}
    if tk.h.check_access("issy_theme_edit"):
        featured = {view["id"] for view in extra["featured"]}
        extra["candidates"] = [v for v in catalogue.public_views() if v["id"] not in featured]
    return tk.render("issy/visualisations.html", extra_vars=extra)


def _reordered(ids: list[str], view_id: str, move: str) -> list[str]:
    """The featured list after one sysadmin action (add, remove, up, down)."""
    if move == "add":
        return ids if view_id in ids else ids + [view_id]
    if view_id not in ids:
        return ids
    if move == "remove":
        return [i for i in ids if i != view_id]
    index = ids.index(view_id)
    other = index - 1 if move == "up" else index + 1
    if move not in ("up", "down") or not 0 <= other < len(ids):
        return ids
    ids = list(ids)
    ids[index], ids[other] = ids[other], ids[index]
    return ids


def visualisations_edit() -> Any:
    context = _require_editor()
    view_id = tk.request.form.get("view_id", "")
    move = tk.request.form.get("move", "")
    if move == "add" and view_id not in {v["id"] for v in catalogue.public_views()}:
        tk.h.flash_error(tk._("This visualisation does not exist or is not public."))
    else:
        ids = _reordered(settings.featured_view_ids(), view_id, move)
        settings.save(context, settings.FEATURED_VIEWS, " ".join(ids))
        tk.h.flash_success(tk._("The featured visualisations were saved."))
    return tk.redirect_to("issy_theme.visualisations")


def approach() -> str:
    return tk.render("issy/approach.html", extra_vars={"text": tk.config.get(settings.APPROACH) or ""})


def approach_edit() -> Any:
    context = _require_editor()
    if tk.request.method == "POST":
        settings.save(context, settings.APPROACH, tk.request.form.get("text", "").strip())
        tk.h.flash_success(tk._("The page was saved."))
        return tk.redirect_to("issy_theme.approach")
    return tk.render("issy/approach_edit.html",
                     extra_vars={"text": tk.config.get(settings.APPROACH) or ""})


issy_theme.add_url_rule("/visualisations", view_func=visualisations)
issy_theme.add_url_rule("/visualisations/vedettes", view_func=visualisations_edit,
                        methods=["POST"])
issy_theme.add_url_rule("/a-propos/demarche", view_func=approach)
issy_theme.add_url_rule("/a-propos/demarche/modifier", view_func=approach_edit,
                        methods=["GET", "POST"])
for _endpoint, _url in [
    ("create", "/creer"),
    ("about", "/a-propos"),
    ("reuse", "/a-propos/reutiliser"),
    ("contact", "/a-propos/contact"),
    ("accessibility", "/accessibilite"),
    ("legal", "/mentions-legales"),
    ("privacy", "/confidentialite"),
]:
    issy_theme.add_url_rule(_url, endpoint=_endpoint, view_func=_page(_endpoint))


def get_blueprints() -> list[Blueprint]:
    return [issy_theme]
