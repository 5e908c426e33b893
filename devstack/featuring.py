"""The demo features its sample visualisations (the Visualisations page and
the home page, ``ckanext.issy.theme.featured_views``) once the first
harvest has published them: the financial report of the sample budget
and the results of the sample election.

``python -m devstack feature-views INI`` runs every minute (periodic.py)
until each is featured, then remembers it beside the ini (one stamp per
view), so that a sysadmin's later choice stands. It appends to what
sysadmins featured and never removes anything."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.sample_data import ELECTION_SOURCE, FINANCE_SOURCE, in_ckan

NOT_YET = 75  # EX_TEMPFAIL: the exit status of feature-views while something is left to feature


def _extra(package: dict[str, Any], key: str) -> str:
    return next((e["value"] for e in package.get("extras", []) if e["key"] == key), "")


def _budget_order(package: dict[str, Any]) -> tuple[Any, ...]:
    """Comptes administratifs first (actual figures), the latest year first."""
    return (_extra(package, "scdl_document") != "compte administratif",
            -int(_extra(package, "temporal_start")[:4] or 0), package["title"])


def _election_order(package: dict[str, Any]) -> tuple[Any, ...]:
    """The latest election first, its last round first."""
    from ckanext.issy.harvesters.election_formats.model import election_parts

    try:
        year, _kind, number = election_parts(_extra(package, "election_id"))
    except ValueError:
        year, number = 0, 0
    return (-year, -number, package["title"])


@dataclass(frozen=True)
class Featured:
    """A view the demo features: the first of its sample source's tables."""
    view_type: str
    source: dict[str, Any]  # the sample harvest source (sample_data.py)
    role: str  # the issy_role of the tables that show it
    order: Callable[[dict[str, Any]], tuple[Any, ...]]
    stamp: str  # beside the ini, once featured
    what: str  # in messages


FEATURES = (
    Featured("issy_budget_view", FINANCE_SOURCE, "data", _budget_order, "budget-view-featured", "budget view"),
    Featured("issy_elections_view", ELECTION_SOURCE, "results", _election_order, "elections-view-featured",
             "election results view"),
)
Feature = Callable[[str, Featured], tuple[bool, str]]


def _views_of(resource: dict[str, Any], view_type: str, admin: str) -> list[str]:
    """The views of ``view_type`` of a harvested table; the site's default
    views are added first if it has none (a table harvested before the view
    existed: a demo started with an earlier version)."""
    from ckan.plugins import toolkit

    def listed() -> list[str]:
        views = toolkit.get_action("resource_view_list")({"user": admin}, {"id": resource["id"]})
        return [view["id"] for view in views if view["view_type"] == view_type]

    if not listed():
        shown = toolkit.get_action("resource_show")({"user": admin}, {"id": resource["id"]})
        toolkit.get_action("resource_create_default_resource_views")(
            {"user": admin}, {"resource": shown, "create_datastore_views": True})
    return listed()


def candidate_views(admin: str, featured: Featured) -> list[str]:
    """The views of ``featured`` on the tables its sample source published, best first."""
    from ckan.plugins import toolkit

    action = toolkit.get_action
    source = action("harvest_source_show")({"user": admin}, {"id": featured.source["name"]})
    found = action("package_search")({"user": admin}, {
        "fq": f'harvest_source_id:"{source["id"]}"', "rows": 100})["results"]
    views = []
    for package in sorted(found, key=featured.order):
        for resource in package["resources"]:
            if resource.get("issy_role") == featured.role:
                views += _views_of(resource, featured.view_type, admin)
    return views


def feature_view(admin: str, featured: Featured) -> tuple[bool, str]:
    """Feature the best view of ``featured``, unless one of its type is
    featured already: (done, what was done)."""
    from ckanext.issy.theme import catalogue, settings

    if any(view["view_type"] == featured.view_type for view in catalogue.featured_views()):
        return True, f"one {featured.what} is featured already"
    views = candidate_views(admin, featured)
    if not views:
        return False, f"no {featured.what} yet (the sample data is not harvested yet)"
    settings.save({"user": admin}, settings.FEATURED_VIEWS, " ".join([*settings.featured_view_ids(), views[0]]))
    return True, f"featured the {featured.what} {views[0]}"


def feature_views(ini: Path, admin: str, feature: Feature | None = None) -> int:
    """``python -m devstack feature-views``: 0 once every view is featured
    (now or by an earlier run: the demo stops asking), NOT_YET while one is
    left to feature. ``feature`` replaces ``feature_view`` in CKAN (tests)."""
    pending = []
    for featured in FEATURES:
        if (ini.parent / featured.stamp).exists():
            print(f"feature-views: {featured.what}: done by an earlier run", flush=True)
        else:
            pending.append(featured)

    def each() -> list[tuple[bool, str]]:
        return [(feature or feature_view)(admin, featured) for featured in pending]

    answers = (each() if feature else in_ckan(ini, each)) if pending else []
    for featured, (done, what) in zip(pending, answers):
        print(f"feature-views: {what}", flush=True)
        if done:
            (ini.parent / featured.stamp).write_text(what + "\n")
    return NOT_YET if any(not done for done, _what in answers) else 0
