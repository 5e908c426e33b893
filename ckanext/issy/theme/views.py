"""The pages of the four sections and the legal pages (blueprint ``issy_theme``).

URLs are French, like the city's; CKAN adds ``/en`` for English pages. Every
page is public; the two forms are for sysadmins (``issy_theme_edit``) and go
through CSRF protection (``ckanext.issy.csrf.require_token``)."""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy import csrf
from ckanext.issy.theme import catalogue, settings
from ckanext.issy.views import builder
from ckanext.issy.views.chart import pages as chart_pages
from ckanext.issy.views.map import pages as map_pages

issy_theme = Blueprint("issy_theme", __name__)


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _require_editor() -> dict[str, Any]:
    if tk.request.method == "POST":
        csrf.require_token()
    context = _context()
    try:
        tk.check_access("issy_theme_edit", context)
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only site administrators can edit this page."))
    return context


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


# The builders of the Créer page, by the ``kind`` of its query string
# (the first one when it names none): each there once its plugin is loaded.
BUILDERS = {"chart": chart_pages, "map": map_pages}


def _kind_links(kinds: list[str], resource: dict[str, Any] | None, query: str) -> list[dict[str, Any]]:
    """The choice between the builders: the same resource when the other
    builder can use it, else the same search."""
    links = []
    for kind in kinds:
        keep = {"resource_id": resource["id"]} if resource and BUILDERS[kind].usable(resource) else (
            {"q": query} if query else {})
        links.append({"kind": kind, "url": tk.h.url_for(
            "issy_theme.create", **({"kind": kind} if kind != kinds[0] else {}), **keep)})
    return links


def create() -> str:
    """Créer: search a dataset, pick one of its resources, build a chart or
    a map. The configuration lives in the query string (the permalink);
    without the builders' plugins the page only says what is coming."""
    kinds = [kind for kind, pages in BUILDERS.items() if p.plugin_loaded(pages.VIEW_TYPE)]
    if not kinds:
        return tk.render("issy/create.html", extra_vars={"builder": False})
    asked = tk.request.args.get("kind", "")
    kind = asked if asked in kinds else kinds[0]
    pages = BUILDERS[kind]
    resource_id = tk.request.args.get("resource_id", "").strip()
    extra: dict[str, Any] = {"builder": True, "kind": kind}
    if resource_id:
        extra.update(pages.builder_page(tk.request.args))
    else:
        extra["q"] = tk.request.args.get("q", "").strip()[:200]
        extra["datasets"], extra["search_error"] = builder.datasets(extra["q"], pages.usable)
    extra["kinds"] = _kind_links(kinds, extra.get("resource"), extra.get("q", "")) if len(kinds) > 1 else []
    return tk.render("issy/create.html", extra_vars=extra)


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


def tracking_beacon() -> tuple[str, int]:
    """The page-view beacon of the ``tracking`` plugin posts here; that
    plugin records it after any request but has no route of its own, so
    every page logged a 405 error in the browser's console."""
    return "", 204


issy_theme.add_url_rule("/_tracking", view_func=tracking_beacon, methods=["POST"])
issy_theme.add_url_rule("/visualisations", view_func=visualisations)
issy_theme.add_url_rule("/visualisations/vedettes", view_func=visualisations_edit,
                        methods=["POST"])
issy_theme.add_url_rule("/creer", view_func=create)
issy_theme.add_url_rule("/a-propos/demarche", view_func=approach)
issy_theme.add_url_rule("/a-propos/demarche/modifier", view_func=approach_edit,
                        methods=["GET", "POST"])
for _endpoint, _url in [
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
