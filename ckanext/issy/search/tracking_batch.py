"""Page views of a page of search results, or of one dataset, in two queries
instead of one per dataset and one per resource: the only module of the
project that touches ckanext-tracking's internals.

CKAN's ``tracking`` plugin (the site needs it for "Les plus consultées")
adds ``tracking_summary`` to every result of ``package_search`` in its
``after_dataset_search``, and to every ``package_show`` in its
``after_dataset_show``, through ``TrackingSummary.get_for_package`` and
``get_for_resource``: one SQL query each, about 60 for a page of 20, and
one more per resource for each dataset shown (a resource page shows its
dataset twice). Both are wrapped here: the wrapper reads the summaries of
the datasets and resource URLs in one query each, then runs CKAN's own
code, whose per-row calls are answered from what was read. The values
are CKAN's (the row of the latest ``tracking_date``, zeros without one);
they are kept only during that call, so nothing else reads them stale, and
the order of the plugins does not matter.

CKAN has no plugin-unload hook: the wrappers check on each call that
``issy_search`` is loaded, and otherwise runs CKAN's code alone.
"""
from __future__ import annotations

import contextvars
import dataclasses
import functools
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.issy.search.ckan_hooks import active

try:
    from ckanext.tracking.model import TrackingSummary
    from ckanext.tracking.plugin import TrackingPlugin
except ImportError:  # CKAN without its tracking plugin: nothing to batch
    TrackingSummary = TrackingPlugin = None

Summary = dict[str, int]


@dataclasses.dataclass(frozen=True)
class PageSummaries:
    """The summaries of one page of results, by package id and by URL."""

    packages: dict[str, Summary]
    urls: dict[str, Summary]


_page: contextvars.ContextVar[Optional[PageSummaries]] = contextvars.ContextVar(
    "issy_tracking_page", default=None
)

if TrackingPlugin is not None:
    _ckan_after_dataset_search = TrackingPlugin.after_dataset_search
    _ckan_after_dataset_show = TrackingPlugin.after_dataset_show
    _ckan_get_for_package = TrackingSummary.get_for_package
    _ckan_get_for_resource = TrackingSummary.get_for_resource


def install() -> None:
    """Put the wrappers in place; idempotent."""
    if TrackingPlugin is None:
        return
    TrackingPlugin.after_dataset_search = after_dataset_search
    TrackingPlugin.after_dataset_show = after_dataset_show
    TrackingSummary.get_for_package = classmethod(
        _from_page(lambda page: page.packages, _ckan_get_for_package)
    )
    TrackingSummary.get_for_resource = classmethod(
        _from_page(lambda page: page.urls, _ckan_get_for_resource)
    )


def after_dataset_search(self: Any, search_results: dict[str, Any],
                         search_params: dict[str, Any]) -> dict[str, Any]:
    return _batched(search_results.get("results") or [],
                    lambda: _ckan_after_dataset_search(self, search_results, search_params))


def after_dataset_show(self: Any, context: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
    return _batched([pkg_dict], lambda: _ckan_after_dataset_show(self, context, pkg_dict))


def _batched(results: list[dict[str, Any]], ckan_code: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """CKAN's ``ckan_code``, its summaries of ``results`` read beforehand."""
    if not active():
        return ckan_code()
    token = _page.set(read_page(results))
    try:
        return ckan_code()
    finally:
        _page.reset(token)


def read_page(results: Iterable[dict[str, Any]]) -> PageSummaries:
    """The summaries CKAN's ``after_dataset_search`` will ask for."""
    results = list(results)
    package_ids = {result["id"] for result in results if "id" in result}
    urls = {
        resource["url"]
        for result in results if "id" in result
        for resource in result.get("resources") or [] if "url" in resource
    }
    table = TrackingSummary.__table__
    return PageSummaries(
        packages=_latest(table.c.package_id, package_ids),
        urls=_latest(table.c.url, urls),
    )


def _latest(key: sa.Column, values: set[str]) -> dict[str, Summary]:
    """Each value's summary of its latest ``tracking_date``, as
    ``TrackingSummary.get_for_*`` reads it; zeros when it has none."""
    summaries = {value: {"total": 0, "recent": 0} for value in values}
    if not values:
        return summaries
    table = key.table
    statement = (
        sa.select(key, table.c.running_total, table.c.recent_views)
        .distinct(key)
        .where(key.in_(values))
        .order_by(key, table.c.tracking_date.desc())
    )
    with model.Session.no_autoflush:
        for value, total, recent in model.Session.execute(statement):
            summaries[value] = {"total": total, "recent": recent}
    return summaries


def _from_page(select: Callable[[PageSummaries], dict[str, Summary]],
               ckan_method: Callable[[str], Summary]) -> Callable[..., Summary]:
    """``TrackingSummary.get_for_*``, answered from the page being decorated
    when it holds the key, by CKAN's query otherwise."""

    @functools.wraps(ckan_method)
    def get_for(cls: Any, key: str) -> Summary:
        page = _page.get()
        if page is not None and key in select(page):
            return dict(select(page)[key])
        return ckan_method(key)

    return get_for
