"""The ``issy_map`` view's schema: what ``resource_view_create`` and
``resource_view_update`` accept, from CKAN's view form or from the Créer
page's save form.

Each field goes through CKAN's own validators (booleans, repeated fields
as lists); then the whole configuration is read by ``config.py`` and
checked against the resource's columns or properties (and the joined
table's), as the Créer page reads it, and stored in its canonical form
(``views/view_schema.py``). CKAN refuses any other key (``__extras``)."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

from ckanext.issy.views.configuration import Errors
from ckanext.issy.views.map import config as map_config
from ckanext.issy.views.map import pages
from ckanext.issy.views.map.config import MapConfig
from ckanext.issy.views.view_schema import whole_configuration


def _data(resource_id: Any, user: dict[str, Any]) -> pages.MapData | None:
    """The resource's data as the saving user sees it; None when it cannot
    be read (CKAN's own validators report a wrong resource, and the action
    its authorisation)."""
    if not isinstance(resource_id, str):
        return None
    try:
        return pages.describe(tk.get_action("resource_show")(dict(user), {"id": resource_id}), user)
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None


def _read(source: dict[str, Any], resource_id: Any, context: dict[str, Any]) -> tuple[MapConfig, Errors]:
    user = {"user": context.get("user", "")}
    data = _data(resource_id, user)
    if data is None:
        return map_config.parse(source)
    config, errors, _join_table = pages.read(source, data, user)
    return config, errors


def schema() -> dict[str, list[Callable[..., Any]]]:
    ignore_missing = tk.get_validator("ignore_missing")
    ignore_empty = tk.get_validator("ignore_empty")
    unicode_safe = tk.get_validator("unicode_safe")
    as_list = tk.get_validator("convert_to_list_if_string")
    boolean_validator = tk.get_validator("boolean_validator")
    text = [ignore_empty, unicode_safe]
    return {
        **{key: text for key in ("lat", "lon", "geo", "color", "size", *map_config.JOIN_KEYS)},
        **{key: [ignore_missing, as_list] for key in map_config.LIST_KEYS},
        "cluster": [ignore_empty, boolean_validator],
        "__after": [whole_configuration(map_config.KEYS, _read, map_config.to_view)],
    }
