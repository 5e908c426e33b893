"""Actions of ckanext-issy: CKAN's own, chained with the extension's checks."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

Action = Callable[[dict[str, Any], dict[str, Any]], Any]


def _check_harvest_source(action: str, context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    """A harvest source of the extension's types is saved only with a URL the
    harvesters would fetch (the configuration's URLs are checked by
    ``validate_config``). Every way of saving a source ends here: the web
    form, ``harvest_source_create``/``_update``/``_patch`` and the CLI."""
    if data_dict.get("type", "harvest") != "harvest":
        return
    # Only sites that harvest load ckanext-harvest's model (harvest sources).
    from ckanext.issy.harvesters.core.base import issy_harvester, url_problems

    if issy_harvester(data_dict.get("source_type")) is None:
        return
    tk.check_access(action, context, data_dict)
    problems = url_problems([data_dict.get("url") or ""])
    if problems:
        raise tk.ValidationError({"url": problems})


@tk.chained_action
def package_create(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    _check_harvest_source("package_create", context, data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def package_update(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    _check_harvest_source("package_update", context, data_dict)
    return up_func(context, data_dict)


def get_actions() -> dict[str, Any]:
    return {"package_create": package_create, "package_update": package_update}
