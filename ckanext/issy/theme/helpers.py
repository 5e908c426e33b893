"""Template helpers of the theme (``h.issy_*``)."""
from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple, Optional

import ckan.plugins.toolkit as tk
from ckan.lib import formatters

from ckanext.issy.dcat import frequencies
from ckanext.issy.theme import catalogue, errors, pagination, settings


class Section(NamedTuple):
    endpoint: str
    label: str
    summary: str
    icon: str
    # Endpoint prefixes of the pages that belong to the section.
    matches: tuple[str, ...]


ABOUT_PAGES = ("about", "approach", "reuse", "contact", "accessibility", "legal", "privacy")


def issy_sections() -> list[Section]:
    """The four sections of the main navigation and of the home page tiles."""
    return [
        Section("dataset.search", tk._("Data"),
                tk._("Search the datasets of the City and download them."), "database",
                ("dataset.", "resource.", "dataset_resource.", "organization.", "group.")),
        Section("issy_theme.visualisations", tk._("Visualisations"),
                tk._("Charts and maps made from the data."), "chart-bar",
                ("issy_theme.visualisations",)),
        Section("issy_theme.create", tk._("Create"),
                tk._("Make your own chart or map from a dataset."), "paint-brush",
                ("issy_theme.create",)),
        Section("issy_theme.about", tk._("About"),
                tk._("Our approach, reusing the data, contact and legal notices."), "info-circle",
                ("home.about",) + tuple(f"issy_theme.{page}" for page in ABOUT_PAGES)),
    ]


def issy_section_current(section: Section) -> bool:
    from flask import request

    return (request.endpoint or "").startswith(section.matches)


def issy_theme_setting(name: str) -> Any:
    return settings.get(name)


def issy_social_links() -> list[tuple[str, str]]:
    return settings.social_links()


def issy_number(number: Optional[float]) -> str:
    """A number in the page's language: ``68 000`` in French, ``68,000`` in English."""
    return "" if number is None else formatters.localised_number(number)


def issy_filesize(size: Any) -> str:
    """A file size in the units people know: ``120,5 ko`` in French (CKAN's
    own helper says "kibi"), ``120.5 kB`` in English; decimal units."""
    try:
        number = int(size)
    except (TypeError, ValueError):
        return ""
    units = [tk._("{size} bytes"), tk._("{size} kB"), tk._("{size} MB"), tk._("{size} GB")]
    step = 0
    value = float(number)
    while value >= 1000 and step < len(units) - 1:
        value /= 1000
        step += 1
    return units[step].format(size=formatters.localised_number(round(value, 1)))


def issy_accessibility_status() -> str:
    # TRANSLATORS: the wording of the RGAA: « non conforme », « partiellement
    # conforme », « totalement conforme ».
    return {
        "full": tk._("fully compliant"),
        "partial": tk._("partially compliant"),
    }.get(settings.get("accessibility_status"), tk._("not compliant"))


def issy_extra(pkg: dict[str, Any], key: str) -> Any:
    """A field of the dataset, top level (scheming, DCAT) or in its extras."""
    if pkg.get(key):
        return pkg[key]
    return next((e.get("value") for e in pkg.get("extras") or [] if e.get("key") == key), None)


def issy_frequency(value: Any) -> str:
    """A frequency code or URI (``.../frequency/MONTHLY``) in words; any
    other value is shown as published."""
    return frequencies.label(value)


def _view_counts() -> dict[str, int]:
    # Per request: Flask's ``g`` lives as long as the request's app context.
    return tk.g.setdefault("issy_view_counts", {})


def issy_count_views(packages: list[dict[str, Any]]) -> None:
    """Count the views of a list of datasets in one query, before its cards
    ask ``issy_view_count`` one by one (snippets/package_list.html)."""
    counts = _view_counts()
    missing = [package["id"] for package in packages if package["id"] not in counts]
    counts.update(dict.fromkeys(missing, 0))
    counts.update(catalogue.view_counts(missing))


def issy_view_count(package: dict[str, Any]) -> int:
    """The number of views of the dataset; counted with the rest of its list
    when there is one."""
    if package["id"] not in _view_counts():
        issy_count_views([package])
    return _view_counts()[package["id"]]


def issy_can_edit_theme() -> bool:
    return tk.h.check_access("issy_theme_edit")


_SCRIPT_SOURCE = re.compile(r'<script [^>]*src="([^"]+)"')
_STYLESHEET = re.compile(r'<link [^>]*href="([^"]+)"')


def issy_deferred_assets() -> dict[str, list[str]]:
    """The addresses of the scripts and stylesheets CKAN has collected so far
    (taking them from CKAN's tags, which it then no longer writes), in its
    order: snippets/deferred_assets.html fetches them once the page has been
    painted, so that a phone shows the text before any of them."""
    return {
        "scripts": _SCRIPT_SOURCE.findall(str(tk.h.render_assets("script"))),
        "styles": _STYLESHEET.findall(str(tk.h.render_assets("style"))),
    }


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {
        "issy_sections": issy_sections,
        "issy_error_page": errors.issy_error_page,
        "issy_pager": pagination.issy_pager,
        "issy_section_current": issy_section_current,
        "issy_theme_setting": issy_theme_setting,
        "issy_social_links": issy_social_links,
        "issy_number": issy_number,
        "issy_deferred_assets": issy_deferred_assets,
        "issy_filesize": issy_filesize,
        "issy_accessibility_status": issy_accessibility_status,
        "issy_count_views": issy_count_views,
        "issy_view_count": issy_view_count,
        "issy_extra": issy_extra,
        "issy_frequency": issy_frequency,
        "issy_can_edit_theme": issy_can_edit_theme,
        "issy_popular": catalogue.popular,
        "issy_newest": catalogue.newest,
        "issy_key_figures": catalogue.key_figures,
        "issy_featured_views": catalogue.featured_views,
        "issy_raw_dataset": catalogue.raw_dataset,
        "issy_raw_resource": catalogue.raw_resource,
        "issy_publisher": catalogue.publisher,
        "issy_related_finance": catalogue.related_finance,
    }
