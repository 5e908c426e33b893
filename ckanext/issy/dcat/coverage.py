"""The coverage fields of the dataset form, stored as extras.

udata's CKAN harvester reads the update frequency, the temporal coverage
and the spatial coverage from a dataset's *extras* only (``frequency``,
``temporal_start``, ``temporal_end``, ``spatial``), never from top-level
fields. The form therefore posts them as top-level fields, which are
validated here and moved into the extras before CKAN saves the dataset.
The API accepts the same fields; extras written directly (the harvesters)
are stored as they are.

``spatial_coverage`` says which area: ``commune`` (the default of the form:
the commune's boundary) or ``custom`` (the GeoJSON pasted in ``spatial``).
"""
from __future__ import annotations

from typing import Any, NoReturn

import ckan.plugins.toolkit as tk

from ckanext.issy.dcat import commune
from ckanext.issy.language import _

FIELDS = ("frequency", "temporal_start", "temporal_end", "spatial")
CHOICE = "spatial_coverage"
COMMUNE, CUSTOM = "commune", "custom"


def _schema() -> dict[str, list[Any]]:
    optional = tk.get_validator("ignore_missing")
    return {
        "frequency": [optional, tk.get_validator("issy_frequency_uri")],
        "temporal_start": [optional, tk.get_validator("issy_iso_date")],
        "temporal_end": [optional, tk.get_validator("issy_iso_date")],
        "spatial": [optional, tk.get_validator("issy_area")],
    }


def _labels() -> dict[str, str]:
    # The form's error summary names the fields as the form does (CKAN would
    # write their keys: "Temporal end").
    period = _("Period covered")
    return {"frequency": _("Update frequency"), "temporal_start": period, "temporal_end": period,
            "spatial": _("Area covered")}


def _refuse(errors: dict[str, list[str]]) -> NoReturn:
    labels = _labels()
    raise tk.ValidationError(errors, error_summary={labels[key]: " ".join(messages)
                                                    for key, messages in errors.items()})


def _posted(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The coverage fields sent at the top level, with the chosen area resolved."""
    posted = {key: data_dict[key] for key in FIELDS if key in data_dict}
    choice = data_dict.get(CHOICE)
    if choice == COMMUNE:
        posted["spatial"] = commune.boundary_json()
    elif choice == CUSTOM and not posted.get("spatial"):
        _refuse({"spatial": [_("Paste the GeoJSON of the area, or choose the whole town")]})
    return posted


def move_to_extras(context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    """Validate the top-level coverage fields of ``data_dict`` and store them
    in its extras, replacing the extras of the same keys; an empty field
    removes its extra. Refused, ``data_dict`` is left as it was posted (the
    form shows it again)."""
    posted = _posted(data_dict)
    if not posted:
        return
    values, errors = tk.navl_validate(posted, _schema(), context)
    start, end = values.get("temporal_start"), values.get("temporal_end")
    if not errors and start and end and end < start:
        errors = {"temporal_end": [_("The period ends before it starts")]}
    if errors:
        _refuse(errors)
    for key in (*FIELDS, CHOICE):
        data_dict.pop(key, None)
    extras = [extra for extra in data_dict.get("extras") or [] if extra.get("key") not in values]
    data_dict["extras"] = extras + [{"key": key, "value": value} for key, value in values.items() if value]


def form_values(data: dict[str, Any]) -> dict[str, Any]:
    """The coverage fields as the form shows them: what was posted (the form
    is shown again after an error), else the dataset's extras; a new
    dataset covers the commune."""
    extras = {extra.get("key"): extra.get("value") for extra in data.get("extras") or []}
    values = {key: data[key] if key in data else extras.get(key, "") for key in FIELDS}
    choice = data.get(CHOICE)
    if choice is None:
        stored = values["spatial"]
        choice = COMMUNE if not stored or commune.is_commune(stored) else CUSTOM
    if choice == COMMUNE:
        values["spatial"] = ""
    return {**values, CHOICE: choice}
