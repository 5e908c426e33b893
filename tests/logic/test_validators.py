"""The validators of the dataset form's coverage fields: what they accept,
in which form they store it, and what they refuse (udata fails a dataset
whose ``spatial`` extra is not a Polygon or MultiPolygon)."""
from __future__ import annotations

import json
from typing import Any, Callable

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.logic import validators

FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
SQUARE = [[2.27, 48.82], [2.28, 48.82], [2.28, 48.83], [2.27, 48.83], [2.27, 48.82]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def refused(validator: Callable[[Any, dict[str, Any]], Any], value: Any) -> bool:
    with pytest.raises(tk.Invalid) as error:
        validator(value, {})
    return bool(error.value.error)


@pytest.mark.parametrize("value, stored", [
    (FREQUENCY + "MONTHLY", FREQUENCY + "MONTHLY"),
    ("annual", FREQUENCY + "ANNUAL"),
    ("UPDATE_CONT", FREQUENCY + "UPDATE_CONT"),
    ("", ""),
])
def test_frequencies_are_stored_as_eu_uris(value: str, stored: str) -> None:
    assert validators.frequency_uri(value, {}) == stored


@pytest.mark.parametrize("value", ["mensuelle", "tous les jours", FREQUENCY + "SOMETIMES"])
def test_frequencies_outside_the_eu_vocabulary_are_refused(value: str) -> None:
    assert refused(validators.frequency_uri, value)


def test_dates_are_days_written_yyyy_mm_dd() -> None:
    assert validators.iso_date("2024-02-29", {}) == "2024-02-29"
    assert validators.iso_date("", {}) == ""
    for value in ("2023-02-29", "2024-2-1", "29/02/2024", "20240229", "2024-W09-4"):
        assert refused(validators.iso_date, value), value


@pytest.mark.parametrize("value", [
    POLYGON,
    {"type": "MultiPolygon", "coordinates": [[SQUARE]]},
    {"type": "Feature", "properties": {"nom": "Île Saint-Germain"}, "geometry": POLYGON},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": POLYGON}]},
])
def test_areas_are_stored_as_their_polygon_in_compact_geojson(value: dict[str, Any]) -> None:
    stored = validators.area(json.dumps(value), {})

    assert " " not in stored
    geometry = json.loads(stored)
    assert geometry["type"] in ("Polygon", "MultiPolygon") and set(geometry) == {"type", "coordinates"}


@pytest.mark.parametrize("value", [
    {"type": "Point", "coordinates": [2.2737, 48.8244]},  # a point fails the dataset on data.gouv.fr
    {"type": "MultiPoint", "coordinates": [[2.2737, 48.8244]]},
    {"type": "LineString", "coordinates": SQUARE},
    {"type": "Polygon", "coordinates": [[[2.27, 48.82], [2.28, 48.83], [2.28, 48.82], [2.27, 48.83], [2.27, 48.82]]]},
    # a latitude beyond 90°: not WGS 84 degrees
    {"type": "Polygon", "coordinates": [[[2.27, 48.82], [2.28, 48.82], [2.28, 148.83], [2.27, 48.82]]]},
    {"type": "Polygon", "coordinates": [[2.27, 48.82]]},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": POLYGON}] * 2},
])
def test_anything_but_a_valid_area_is_refused(value: dict[str, Any]) -> None:
    assert refused(validators.area, json.dumps(value))


def test_text_that_is_not_json_is_refused() -> None:
    assert refused(validators.area, "Île Saint-Germain")
