"""The base map city IT declares and the commune's outline (docs/maps.md).

The map pages call ``tiles()`` and ``boundary()``; the privacy page calls
``provider()`` (template helper ``issy_base_map_provider``) to name whoever
sees visitors' addresses.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from ckanext.issy.geo.geojson import is_geojson

TILE_URL = "ckanext.issy.map.tile_url"
# The relay's route ends with the three integers; url_for only builds it with
# numbers, which are swapped for the placeholders the map library fills in.
_SAMPLE_TILE = "0/0/0"
_PLACEHOLDERS = "{z}/{x}/{y}"


def tile_url() -> str:
    """The provider's URL template; empty: no base map."""
    return (tk.config.get(TILE_URL) or "").strip()


def relayed() -> bool:
    return bool(tile_url()) and tk.asbool(tk.config.get("ckanext.issy.map.tile_relay"))


def max_zoom() -> int:
    return int(tk.config.get("ckanext.issy.map.max_zoom"))


def subdomains() -> str:
    return tk.config.get("ckanext.issy.map.tile_subdomains") or ""


def _relay_template() -> str:
    # locale="default": a tile is the same in every language, and one URL
    # lets browsers and proxies cache it once.
    url = tk.h.url_for("issy_map_tiles.tile", z=0, x=0, y=0, locale="default")
    return url[: -len(_SAMPLE_TILE)] + _PLACEHOLDERS


def tiles() -> dict[str, Any] | None:
    """What a map's tile layer needs, or None without a base map."""
    if not tile_url():
        return None
    return {
        "url": _relay_template() if relayed() else tile_url(),
        "attribution": tk.config.get("ckanext.issy.map.tile_attribution") or "",
        "max_zoom": max_zoom(),
        "subdomains": subdomains(),
    }


def provider() -> dict[str, Any] | None:
    """Who serves the base map, as the privacy page names it."""
    url = tile_url()
    if not url:
        return None
    # "{s}.tile.example.org" names several hosts: the domain they share.
    host = (urlsplit(url).hostname or url).replace("{s}.", "")
    return {
        "name": tk.config.get("ckanext.issy.map.tile_provider") or host,
        "host": host,
        "relayed": relayed(),
    }


def _is_uploaded_geojson(resource: dict[str, Any]) -> bool:
    # Uploaded: issy_geojson reads files kept on the portal, never a URL.
    return resource.get("url_type") == "upload" and is_geojson(resource)


def boundary() -> dict[str, Any] | None:
    """How a map fetches the commune's outline, if this visitor may read it."""
    name = (tk.config.get("ckanext.issy.map.boundary") or "").strip()
    if not name:
        return None
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    try:
        dataset = tk.get_action("package_show")({"user": user}, {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    resource = next(filter(_is_uploaded_geojson, dataset.get("resources", [])), None)
    if resource is None:
        return None
    return {
        "api": tk.h.url_for("issy_geo.geojson", locale="default"),
        "params": {"resource_id": resource["id"]},
    }


def get_helpers() -> dict[str, Any]:
    return {"issy_base_map_provider": provider}
