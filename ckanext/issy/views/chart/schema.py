"""The ``issy_chart`` view's schema: what ``resource_view_create`` and
``resource_view_update`` accept, from CKAN's view form or from the Créer
page's save form.

Each field goes through CKAN's own validators (choices, integers,
booleans, repeated fields as lists); then the whole configuration is read
by ``config.py`` and checked against the table's columns, as the Créer page
reads it, and stored in its canonical form (empty rows of the form
dropped). CKAN refuses any other key (``__extras``)."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

from ckanext.issy.views.chart import config as chart_config
from ckanext.issy.views.configuration import Errors
from ckanext.issy.views.view_schema import whole_configuration



def _columns(resource_id: Any, context: dict[str, Any]) -> dict[str, str] | None:
    """The table's column kinds as the saving user sees them; None when
    they cannot be read (CKAN's own validators report a wrong resource,
    and the action its authorisation)."""
    if not isinstance(resource_id, str):
        return None
    try:
        found = tk.get_action("issy_aggregate_columns")(
            {"user": context.get("user", "")}, {"resource_id": resource_id})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
    return {column["id"]: column["type"] for column in found["columns"]}


def _read(source: dict[str, Any], resource_id: Any, context: dict[str, Any]) -> tuple[Any, Errors]:
    config, problems = chart_config.parse(source)
    kinds = _columns(resource_id, context)
    if kinds is not None:
        config, column_problems = chart_config.check_columns(config, kinds)
        problems = {**column_problems, **problems}
    return config, problems


def schema() -> dict[str, list[Callable[..., Any]]]:
    ignore_missing = tk.get_validator("ignore_missing")
    ignore_empty = tk.get_validator("ignore_empty")
    unicode_safe = tk.get_validator("unicode_safe")
    one_of = tk.get_validator("one_of")
    as_list = tk.get_validator("convert_to_list_if_string")
    int_validator = tk.get_validator("int_validator")
    boolean_validator = tk.get_validator("boolean_validator")
    return {
        "type": [ignore_missing, unicode_safe, one_of(list(chart_config.CHART_TYPES))],
        "x": [ignore_missing, unicode_safe],
        "x_unit": [ignore_empty, unicode_safe, one_of(list(chart_config.UNITS))],
        "y": [ignore_missing, as_list],
        "series": [ignore_empty, unicode_safe],
        "series_unit": [ignore_empty, unicode_safe, one_of(list(chart_config.UNITS))],
        "filter_column": [ignore_missing, as_list],
        "filter_op": [ignore_missing, as_list],
        "filter_value": [ignore_missing, as_list],
        "sort": [ignore_empty, unicode_safe, one_of(list(chart_config.SORTS))],
        "limit": [ignore_empty, int_validator],
        "others": [ignore_empty, boolean_validator],
        "unit": [ignore_empty, unicode_safe],
        "__after": [whole_configuration(chart_config.KEYS, _read, chart_config.to_view)],
    }
