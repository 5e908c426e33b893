"""Map search: ckanext-spatial's ext_bbox parameter keeps the datasets whose
spatial extent intersects the box (inside or crossing), never those outside
or without an extent; a malformed box is a bad request."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.search.support import dataset, names, patch, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

ISSY = {"type": "Polygon", "coordinates": [[
    [2.24, 48.81], [2.29, 48.81], [2.29, 48.835], [2.24, 48.835], [2.24, 48.81]]]}
PARIS_CENTRE = {"type": "Point", "coordinates": [2.35, 48.86]}
LYON = {"type": "MultiPolygon", "coordinates": [[[
    [4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.7]]]]}


def spatial(geometry: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": "spatial", "value": json.dumps(geometry)}]


@pytest.fixture
def places(issy: dict[str, Any]) -> None:
    dataset("plan-issy", "Plan de la ville", issy, extras=spatial(ISSY))
    dataset("notre-dame", "Parvis", issy, extras=spatial(PARIS_CENTRE),
            notes="Plan du parvis.")
    dataset("lyon", "Plan de Lyon", issy, extras=spatial(LYON))
    dataset("sans-emprise", "Plan sans emprise", issy)


def found_in(bbox: str, **params: Any) -> set[str]:
    return set(names(search(ext_bbox=bbox, rows=100, **params)))


def test_inside_crossing_and_outside(places: None) -> None:
    # Issy's extent lies inside the box.
    assert found_in("2.2,48.8,2.3,48.85") == {"plan-issy"}
    # The box crosses Issy's extent and holds the point.
    assert found_in("2.28,48.82,2.4,48.9") == {"plan-issy", "notre-dame"}
    # A box inside Issy's extent.
    assert found_in("2.25,48.815,2.26,48.82") == {"plan-issy"}
    assert found_in("4.7,45.6,5.0,45.9") == {"lyon"}
    assert found_in("-5,40,-4,41") == set()
    # Without ext_bbox, datasets without an extent are found as usual.
    assert "sans-emprise" in names(search(rows=100))


def test_with_text_and_filters(places: None) -> None:
    assert found_in("2,48,5,49", q="plan") == {"plan-issy", "notre-dame"}
    assert found_in("0,40,10,50", fq="name:lyon") == {"lyon"}


def test_a_changed_extent_is_reindexed(places: None) -> None:
    patch("lyon", extras=spatial(PARIS_CENTRE))
    assert found_in("2.3,48.85,2.4,48.9") == {"notre-dame", "lyon"}


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "3,0,1,1", "1,2,3,4,5",
                                  "nan,0,1,1", '1,2,3,4" OR *:*'])
def test_an_invalid_box_is_a_bad_request(app: Any, places: None, bbox: str) -> None:
    response = app.get("/api/3/action/package_search",
                       query_string={"ext_bbox": bbox})
    assert response.status_code == 400
    assert "Emprise invalide" in response.json["error"]["message"]


def test_the_dataset_page_filters_by_box(app: Any, places: None) -> None:
    response = app.get("/dataset/", query_string={"ext_bbox": "4.7,45.6,5.0,45.9"})
    assert response.status_code == 200
    assert "/dataset/lyon" in response.body
    assert "/dataset/plan-issy" not in response.body
    response = app.get("/dataset/", query_string={"ext_bbox": "nord"})
    assert response.status_code == 400
    assert "Emprise invalide" in response.body
