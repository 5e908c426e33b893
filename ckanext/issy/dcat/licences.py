"""The licence list of the portal: data.gouv.fr's ids, titles and URLs.

CKAN knows neither ``lov2`` (Licence Ouverte 2.0) nor ``fr-lo``, and gives
ODbL, ODC-BY and PDDL opendefinition.org URLs that udata does not
recognise. ``data/licences.json`` lists data.gouv.fr's licences with the
URLs udata matches (``ckanext/issy/harvesters/core/licences.py`` maps free
texts to the same ids). CKAN reads a list from ``licenses_group_url``; the
plugin points it at this file unless the site names another.

Titles are English, as CKAN's own: CKAN's catalogue translates most of
them, ``h.license_options`` translates them in the dataset form and the
theme's templates on the pages. The two Licence Ouverte titles are the
licence's bilingual name.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.dcat import DATA_DIR, ckan_licence_register

SHIPPED_LIST = DATA_DIR / "licences.json"
# Licences udata cannot tell from another by their title alone; no
# dct:license is better than a wrong one (udata then says "not specified").
UNPUBLISHED = frozenset({"notspecified", "other-closed"})


def use_shipped_list(config: Any) -> None:
    """Make CKAN read the shipped list, unless the site set its own."""
    if not config.get("licenses_group_url"):
        # CKAN opens what follows "file://" as a path: no percent-encoding.
        config["licenses_group_url"] = f"file://{SHIPPED_LIST}"
    ckan_licence_register.forget()


def default_licence() -> str:
    """The licence the form proposes for a new dataset."""
    return tk.config.get("ckanext.issy.dcat.default_licence")
