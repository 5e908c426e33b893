"""A report's HTML kept in Redis by everything it is made of.

On election night a crowd asks for the same few pages while the figures
change every few minutes: writing a round's results into HTML (a table
row per polling station, in the page's language) costs more than reading
their figures from the cache. The HTML of a snippet is therefore kept,
keyed by what the snippet receives (the figures, the visitor's choice, the
words of its refusals, its addresses), the page's language and the
extension's templates as installed: anything that would change the HTML
changes the key, so a kept HTML is never stale, and old entries expire
after ``KEPT_SECONDS`` (or the aggregation cache's
``ckanext.issy.aggregate.cache_ttl`` when shorter): an HTML is larger than
the figures it is written from, there is one per station asked and
language, and a new harvest makes them all useless.

Scripts and stylesheets are not part of a kept HTML: a page includes the
snippet's assets itself (webassets collects them while the page renders).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import ckan
import ckan.plugins.toolkit as tk
from markupsafe import Markup

from ckanext.issy.aggregate import cache


def _templates() -> str:
    """The installed templates' identity (CKAN's version, each file's size
    and time): an upgrade or an edited template is never served from the
    cache of the one before."""
    root = Path(__file__).resolve().parents[1]
    files = sorted((str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns)
                   for path in root.rglob("*.html"))
    return hashlib.sha256(json.dumps([ckan.__version__, files]).encode()).hexdigest()[:16]


TEMPLATES = _templates()
# A popular page is written again at most this often; election night's
# memory stays bounded by the harvests of this time.
KEPT_SECONDS = 600


def _plain(value: Any) -> Any:
    # A figure's configuration is a dataclass: its fields, not its address.
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else repr(value)


def remember(kind: str, resource_id: str, template: str, variables: dict[str, Any]) -> Markup:
    """``template`` rendered with ``variables``, from the cache when the same
    variables were rendered in the same language before. One request renders
    a missing HTML, the others wait for it; rendering counts towards no
    client's rate (it reads no data)."""
    canonical = json.dumps([tk.h.lang(), template, variables], sort_keys=True, default=_plain)
    entry = cache.key(kind, resource_id, TEMPLATES, canonical)
    kept, _cached = cache.remember(entry, "", lambda: {"html": tk.render_snippet(template, variables)},
                                   at_most=KEPT_SECONDS)
    return Markup(kept["html"])
