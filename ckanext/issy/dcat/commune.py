"""The commune the portal covers: name, INSEE code, URI and boundary.

Datasets cover the whole commune unless their editors say otherwise: the
form offers it first, the harvesters write its boundary into the ``spatial``
extra (which ``issy_search``'s map search indexes) and the DCAT profile
names it by its URI. The boundary shipped with the extension is Issy-les-
Moulineaux's (``data/issy-les-moulineaux.geojson``: IGN GEOFLA 2.2, 2016,
Licence Ouverte, simplified to 32 points); another town gives its own file.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.dcat import DATA_DIR
from ckanext.issy.logic.validators import area_geometry

SHIPPED_BOUNDARY = DATA_DIR / "issy-les-moulineaux.geojson"
INSEE_COMMUNE_URI = "http://id.insee.fr/geo/commune/{code}"


def name() -> str:
    return tk.config.get("ckanext.issy.dcat.commune_name")


def insee_code() -> str:
    return tk.config.get("ckanext.issy.dcat.insee_code")


def uri() -> str:
    """The commune's URI: the setting, else INSEE's URI built from the code."""
    return tk.config.get("ckanext.issy.dcat.commune_uri") or INSEE_COMMUNE_URI.format(code=insee_code())


def _boundary_path() -> Path:
    # Read without the plugin's declared default too: the harvesters use the
    # boundary on sites that do not load ``issy_dcat``.
    configured = tk.config.get("ckanext.issy.dcat.commune_boundary")
    return Path(configured) if configured else SHIPPED_BOUNDARY


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> str:
    # Checked like a pasted area: a wrong file stops at its first use with
    # the reason, instead of publishing a broken boundary.
    return json.dumps(area_geometry(path.read_text(encoding="utf-8")), separators=(",", ":"))


def boundary_json() -> str:
    """The commune's boundary, a GeoJSON Polygon or MultiPolygon (compact)."""
    return _load(_boundary_path())


def boundary() -> dict[str, Any]:
    return json.loads(boundary_json())


def is_commune(spatial: Any) -> bool:
    """Whether a ``spatial`` value (GeoJSON text or object) is the commune's boundary."""
    try:
        geometry = json.loads(spatial) if isinstance(spatial, str) else spatial
    except ValueError:
        return False
    return geometry == boundary()
