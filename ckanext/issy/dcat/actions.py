"""``package_create`` and ``package_update`` chained for datasets: the form's
coverage fields into extras, and resources with absolute URLs. Creating or
updating a resource goes through ``package_update`` too. ``package_list``
chained to list datasets only, as data.gouv.fr's CKAN harvester expects."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

from ckanext.issy.dcat import coverage, resources

Action = Callable[[dict[str, Any], dict[str, Any]], Any]


def _is_dataset(context: dict[str, Any], data_dict: dict[str, Any]) -> bool:
    """Datasets only: a harvest source (type ``harvest``) has a ``frequency``
    of its own, its harvesting schedule."""
    dataset_type = data_dict.get("type")
    reference = data_dict.get("id") or data_dict.get("name")
    if not dataset_type and reference:
        stored = context["model"].Package.get(reference)
        dataset_type = stored.type if stored else None
    return (dataset_type or "dataset") == "dataset"


def _prepare(context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    if _is_dataset(context, data_dict):
        coverage.move_to_extras(context, data_dict)
        resources.check_urls(data_dict)


@tk.chained_action
def package_create(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    _prepare(context, data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def package_update(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    _prepare(context, data_dict)
    return up_func(context, data_dict)


def _other_types(context: dict[str, Any]) -> set[str]:
    """Names and ids of the active packages that are not datasets."""
    model = context["model"]
    rows = model.Session.query(model.Package.id, model.Package.name).filter(
        model.Package.type != "dataset", model.Package.state == "active")
    return {value for row in rows for value in row}


@tk.chained_action
@tk.side_effect_free
def package_list(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    """Datasets only. CKAN lists every package, harvest sources (type
    ``harvest``) included; data.gouv.fr's CKAN harvester reads this list
    and counts each package that is not of type ``dataset`` as a failed item."""
    schema = {key: [tk.get_validator("ignore_missing"), tk.get_validator("natural_number_validator")]
              for key in ("limit", "offset")}
    page, errors = tk.navl_validate(data_dict, schema, context)
    if errors:
        raise tk.ValidationError(errors)
    hidden = _other_types(context)
    listed = [key for key in up_func(context, {}) if key not in hidden]
    start = page.get("offset") or 0
    return listed[start:start + page["limit"] if page.get("limit") else None]


def get_actions() -> dict[str, Any]:
    return {"package_create": package_create, "package_update": package_update, "package_list": package_list}
