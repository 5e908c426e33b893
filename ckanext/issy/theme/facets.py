"""The search facets of the "Data" section, in the order a citizen looks
for data: theme first (CKAN's groups are the city's themes)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    titles = {
        "groups": tk._("Themes"),
        "organization": tk._("Publishers"),
        "res_format": tk._("Formats"),
        "license_id": tk._("Licences"),
        "tags": tk._("Keywords"),
    }
    ordered = {name: title for name, title in titles.items()}
    # Facets added by other plugins keep their place after ours.
    ordered.update({name: title for name, title in facets.items() if name not in titles})
    return ordered
