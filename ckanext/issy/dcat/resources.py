"""Resources as udata's CKAN harvester needs them: an absolute URL, a format
and a media type.

udata fails a whole dataset on a resource whose URL is empty or relative,
so a linked resource (one that is neither uploaded, now or before, nor
in the DataStore: CKAN builds those URLs itself) is saved only with an
http(s) URL. The
format and the media type, when missing, are derived from each other or
from the URL's extension each time a resource is shown (``package_show``,
whose output the search index and the DCAT catalogue reuse).
"""
from __future__ import annotations

import mimetypes
import posixpath
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _


# What ckanext-datastore's datastore_create writes as the URL of a table
# without a file (CKAN 2.11 then sets its url_type, 2.12 at once).
DATASTORE_ONLY = "_datastore_only_resource"


def _has_address(resource: dict[str, Any]) -> bool:
    url = (resource.get("url") or "").strip()
    if resource.get("url_type") or resource.get("upload") or url == DATASTORE_ONLY:
        return True  # CKAN builds the URL
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def url_errors(resources: list[dict[str, Any]]) -> list[dict[str, list[str]]]:
    """One error dict per resource (CKAN's shape), empty when its URL is fine."""
    return [
        {} if _has_address(resource)
        else {"url": [_("Give the full address of the data, starting with https:// or http://, or upload a file")]}
        for resource in resources
    ]


def check_urls(data_dict: dict[str, Any]) -> None:
    errors = url_errors(data_dict.get("resources") or [])
    if any(errors):
        raise tk.ValidationError({"resources": errors})


def _known(key: str) -> list[str] | None:
    """CKAN's resource formats: [media type, format, description] by any of their names."""
    return tk.h.resource_formats().get(key.strip().lower()) if key else None


def _media_type(entry: list[str] | None) -> str:
    return entry[0] if entry and "/" in entry[0] else ""


def complete(resource: dict[str, Any]) -> dict[str, Any]:
    """Fill a shown resource's missing format and media type."""
    extension = posixpath.splitext(urlsplit(resource.get("url") or "").path)[1]
    if not resource.get("format"):
        entry = _known(resource.get("mimetype") or "") or _known(extension.lstrip("."))
        resource["format"] = entry[1] if entry else ""
    if not resource.get("mimetype"):
        resource["mimetype"] = (_media_type(_known(resource.get("format") or ""))
                                or mimetypes.guess_type(f"file{extension}")[0] or None)
    return resource
