"""Template helpers of the dataset form (``h.issy_dcat_*``)."""
from __future__ import annotations

from typing import Any, Callable

from ckanext.issy.dcat import commune, coverage, frequencies, licences


def issy_dcat_free_extras(extras: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The extras left to CKAN's "custom fields": the coverage fields have their own."""
    return [extra for extra in extras or [] if extra.get("key") not in coverage.FIELDS]


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {
        "issy_dcat_free_extras": issy_dcat_free_extras,
        "issy_dcat_coverage": coverage.form_values,
        "issy_dcat_frequency_options": frequencies.options,
        "issy_dcat_commune_name": commune.name,
        "issy_dcat_default_licence": licences.default_licence,
    }
