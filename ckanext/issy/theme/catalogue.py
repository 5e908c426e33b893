"""What the home page and the section pages show of the catalogue.

Everything goes through CKAN's actions with the visitor's context, so private
datasets stay hidden from those who may not see them; the resource-view
queries below only read public, active datasets."""
from __future__ import annotations

import datetime
from typing import Any, Callable, Collection, Optional

import sqlalchemy as sa
from flask import g, has_request_context, request

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchError

from ckanext.issy.theme import settings


# CKAN's home view asks for its four most viewed datasets sorted on
# ``view_recent``, a field that no dataset has: the search sorts the whole
# catalogue for them (120 ms at 20,000 datasets), and the theme's home page
# shows none of them, nor the facets asked with them.
CKAN_HOME_SORT = "view_recent desc"


def without_ckan_home_listing(search_params: dict[str, Any]) -> dict[str, Any]:
    """CKAN's home page search (``IPackageController.before_dataset_search``)
    reduced to the count of datasets, which CKAN's view keeps."""
    if (has_request_context() and request.endpoint == "home.index"
            and search_params.get("sort") == CKAN_HOME_SORT):
        search_params.update({"rows": 0, "facet.field": []})
        search_params.pop("sort")
    return search_params


def _search(**params: Any) -> dict[str, Any]:
    params.setdefault("include_private", False)
    return tk.get_action("package_search")({}, params)


def popular(limit: int = 5) -> dict[str, Any]:
    """The most viewed datasets of the last 14 days (CKAN's page-view
    tracking, summed by ``ckan tracking update``). While nobody has been
    counted yet, the newest datasets stand in and ``counted`` says so, so the
    page never presents a guess as a ranking."""
    if not _views_counted():
        return {"datasets": newest(limit), "counted": False}
    datasets = _search(sort="views_recent desc, metadata_modified desc", rows=limit)["results"]
    return {"datasets": datasets, "counted": True}


def _views_counted() -> bool:
    if not p.plugin_loaded("tracking"):
        return False
    from ckanext.tracking.model import TrackingSummary  # only with the plugin's table

    query = sa.select(TrackingSummary.package_id).where(
        TrackingSummary.package_id.isnot(None),
        TrackingSummary.package_id != "~~not~found~~",  # pages that are no dataset
        TrackingSummary.recent_views > 0).limit(1)
    return model.Session.execute(query).first() is not None


def _once_per_request(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, kept for the rest of the request under ``key``."""
    if not has_request_context():
        return compute()
    kept = g.setdefault("issy_catalogue", {})
    if key not in kept:
        kept[key] = compute()
    return kept[key]


def newest(limit: int = 5) -> list[dict[str, Any]]:
    """Searched once per request: the home page lists them, and shows them
    as the most viewed too while no visit is counted."""
    return _once_per_request(("newest", limit), lambda: _search(sort="metadata_created desc", rows=limit)["results"])


def _public_views() -> sa.sql.Select:
    view, res, pkg = model.ResourceView, model.Resource, model.Package
    return (
        sa.select(view.id, view.title, view.view_type, res.id.label("resource_id"),
                  res.name.label("resource_name"), pkg.name.label("package_name"),
                  pkg.title.label("package_title"), pkg.type.label("package_type"))
        .join(res, res.id == view.resource_id)
        .join(pkg, pkg.id == res.package_id)
        .where(res.state == "active", pkg.state == "active", pkg.private.is_(False))
    )


def public_views(limit: int = 500) -> list[dict[str, Any]]:
    """Resource views of public datasets, the candidates for featuring."""
    query = _public_views().order_by(model.Package.title, model.ResourceView.title).limit(limit)
    return [dict(row._mapping) for row in model.Session.execute(query)]


def featured_views() -> list[dict[str, Any]]:
    """The featured views in the sysadmins' order; views deleted since, or
    whose dataset went private, drop out silently."""
    ids = settings.featured_view_ids()
    if not ids:
        return []
    query = _public_views().where(model.ResourceView.id.in_(ids))
    found = {row.id: dict(row._mapping) for row in model.Session.execute(query)}
    return [found[view_id] for view_id in ids if view_id in found]


def view_counts(package_ids: Collection[str]) -> dict[str, int]:
    """The number of views of each dataset's active resources, in one query
    (datasets without any are left out)."""
    if not package_ids:
        return {}
    res, view = model.Resource, model.ResourceView
    query = (
        sa.select(res.package_id, sa.func.count(view.id))
        .join(res, res.id == view.resource_id)
        .where(res.package_id.in_(package_ids), res.state == "active")
        .group_by(res.package_id)
    )
    return {package_id: count for package_id, count in model.Session.execute(query)}


def _last_update() -> Optional[datetime.datetime]:
    results = _search(sort="metadata_modified desc", rows=1)["results"]
    if not results:
        return None
    return datetime.datetime.fromisoformat(results[0]["metadata_modified"])


def key_figures() -> dict[str, Any]:
    count_views = sa.select(sa.func.count()).select_from(_public_views().subquery())
    return {
        "datasets": _search(rows=0)["count"],
        "organizations": len(tk.get_action("organization_list")({}, {})),
        "visualisations": model.Session.execute(count_views).scalar() or 0,
        "last_update": _last_update(),
        "population": settings.get("population"),
    }


def raw_dataset(package_id: str) -> dict[str, Any]:
    """The dataset as the API gives it. The dict of CKAN's dataset pages is
    made "for view", and ckanext-dcat then renames fields to translated labels
    (``size`` becomes ``Taille``); the theme reads the real field names.

    Read once per request: a page's blocks each ask for it."""
    return _once_per_request(("dataset", package_id), lambda: tk.get_action("package_show")({}, {"id": package_id}))


def publisher(pkg: dict[str, Any]) -> dict[str, Any]:
    """The dataset's organisation as its page's publisher block shows it,
    read from the dataset: CKAN's block asks ``organization_show``, which
    counts the datasets of every organisation and group for a number the
    block does not show (twice a page, 20 ms each at 20,000 datasets).
    The logo's address is made as ``organization_show`` makes it."""
    organization = dict(pkg.get("organization") or {})
    image_url = organization.get("image_url")
    organization["image_display_url"] = image_url
    if image_url and not image_url.startswith("http"):
        organization["image_display_url"] = tk.h.url_for_static(f"uploads/group/{image_url}", qualified=True)
    return organization


def raw_resource(package_id: str, resource_id: str) -> dict[str, Any]:
    resources = raw_dataset(package_id).get("resources") or []
    return next((r for r in resources if r["id"] == resource_id), {})


def _phrase(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def related_finance(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """The datasets that go with a finance dataset: the capital expenditure
    projects of a budget document's year, or the budget document that the
    projects of a year belong to (``issy_finance`` sources link them by
    their extras, whichever was harvested first)."""
    extras = {e.get("key"): e.get("value") for e in pkg.get("extras") or []}
    start = extras.get("temporal_start")
    if not start:
        return []
    if extras.get("issy_budget_document"):  # projects: their budget document
        wanted = {"scdl_document": extras["issy_budget_document"], "scdl_siret": extras.get("issy_budget_siret")}
    elif extras.get("scdl_document"):  # a budget document: the projects of its year
        wanted = {"issy_budget_document": extras["scdl_document"]}
    else:
        return []
    filters = [f"extras_{key}:{_phrase(value)}" for key, value in {**wanted, "temporal_start": start}.items() if value]
    try:
        found = _search(fq=" AND ".join(filters), rows=5, sort="title_string asc")["results"]
    # A harvested value the search refuses (package_search raises the
    # search's own error, which the API turns into a 400): no link, not a broken page.
    except (tk.ValidationError, SearchError):
        return []
    return [package for package in found if package["id"] != pkg["id"]]
