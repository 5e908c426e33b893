"""The pagination of result pages with a name for every link, in the page's
language (``h.issy_pager``, used by the theme's ``page_pagination`` blocks).

CKAN 2.12's pager draws the previous and next links as bare icons, links
without an accessible name (Lighthouse and axe-core flag them); CKAN 2.11's
as "«" and "»", which screen readers read as symbols. Here each is an icon
hidden from screen readers and a visually hidden "Previous page" / "Next
page", and the links are a navigation landmark of their own. The current
page's link says so (``aria-current``), and the gap between distant page
numbers, a link to "#" in CKAN's pager, is text."""
from __future__ import annotations

import re
from typing import Any

from dominate import tags  # the HTML builder of CKAN's own pager
from markupsafe import Markup

import ckan.plugins.toolkit as tk


def _symbol(icon: str, name: str) -> Any:
    return tags.span(tags.i(cls=icon, **{"aria-hidden": "true"}), tags.span(name, cls="visually-hidden"))


# What CKAN's pager (ckan.lib.pagination.Page, 2.11 and 2.12) writes for the
# gap and for the current page.
_GAP = re.compile(r'<li class="disabled">\s*<a href="#">\.\.\.</a>\s*</li>')
_CURRENT = re.compile(r'(<li class="page-item active">\s*<a class="page-link")')


def issy_pager(page: Any, **params: Any) -> Markup:
    """``page.pager(**params)`` (CKAN's ``h.Page``) with named previous and
    next links, in a ``<nav>``; nothing when there is one page."""
    links = page.pager(symbol_previous=_symbol("fa-solid fa-chevron-left", tk._("Previous page")),
                       symbol_next=_symbol("fa-solid fa-chevron-right", tk._("Next page")), **params)
    if not links:
        return Markup("")
    links = _GAP.sub('<li class="page-item disabled"><span class="page-link">…</span></li>', str(links))
    links = _CURRENT.sub(r'\1 aria-current="page"', links)
    return Markup('<nav aria-label="{label}">{links}</nav>').format(label=tk._("Pages of results"),
                                                                    links=Markup(links))
