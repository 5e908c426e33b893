"""``issy_points`` and ``GET /api/issy/points`` against a real DataStore
table: coordinates as numbers, as text with a French decimal comma and as
Opendatasoft's geo_point_2d; rows without valid coordinates counted, never
returned; counts and bounds checked against independent SQL; permissions,
errors and the cache of the aggregation API."""
from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests.helpers import call_action

from tests.aggregate.conftest import query
from tests.geo.conftest import PLACE_COLUMNS, PLACES, Portal, place_rows, table

pytestmark = pytest.mark.usefixtures("with_plugins")
LAT_LON = {"lat": "latitude", "lon": "longitude"}


def points(resource_id: str, context: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    return tk.get_action("issy_points")(context or {"ignore_auth": True}, {"resource_id": resource_id, **data})


def url(resource_id: str, **params: Any) -> str:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return "/api/issy/points?" + urlencode({"resource_id": resource_id, **encoded})


# Longitude first, as GeoJSON and the map want; 2.2641123 rounded to 6 decimals.
EXPECTED = [[round(float(lon), 6), round(float(lat), 6)] for _name, _district, _spaces, lat, lon in PLACES]


def test_points_from_number_columns_in_table_order_with_bounds(places: str) -> None:
    result = points(places, **LAT_LON)
    assert result["points"] == EXPECTED
    assert (result["total"], result["skipped"], result["truncated"]) == (6, 2, False)
    assert result["bounds"] == [[48.8185, 2.251], [48.8303, 2.2731]]
    assert result["fields"] == [] and result["resource_id"] == places and result["cached"] is False
    assert query(f'SELECT count(*) FROM "{places}" WHERE abs(latitude) <= 90 AND abs(longitude) <= 180') == [[6]]


def test_text_columns_with_a_decimal_comma_give_the_same_points_and_skip_junk(places: str) -> None:
    result = points(places, lat="lat_texte", lon="lon_texte")
    assert result["points"] == EXPECTED
    # "inconnu" and an empty longitude, and a latitude of 148: counted, not returned.
    assert (result["total"], result["skipped"]) == (6, 2)


def test_a_geo_point_2d_column_gives_the_same_points(places: str) -> None:
    result = points(places, geo="geo_point_2d")
    assert result["points"] == EXPECTED and (result["total"], result["skipped"]) == (6, 2)
    assert result["bounds"] == points(places, **LAT_LON)["bounds"]


def test_colour_size_and_popup_fields_come_after_the_coordinates_each_once(places: str) -> None:
    result = points(places, **LAT_LON, color="quartier", size="places", popup=["nom", "quartier"])
    assert [(f["id"], f["type"], f["label"]) for f in result["fields"]] == [
        ("quartier", "text", "Quartier"), ("places", "number", "Places"), ("nom", "text", "Nom")]
    assert result["points"][0] == [2.27, 48.824, "Centre-ville", 12, "Hôtel de Ville"]
    assert [p[2:] for p in result["points"]] == [[d, s, n] for n, d, s, _lat, _lon in PLACES]


def test_filters_are_the_aggregation_filters_and_counts_equal_sql(places: str) -> None:
    filters = [{"column": "quartier", "op": "in", "value": ["Centre-ville", "Fort"]},
               {"column": "places", "op": "gte", "value": "3"}]
    result = points(places, **LAT_LON, filters=filters, popup=["nom"])
    assert [p[2] for p in result["points"]] == ["Hôtel de Ville", "Médiathèque centrale", "Fort d’Issy"]
    where = f"""FROM "{places}" WHERE quartier IN ('Centre-ville', 'Fort') AND places >= 3"""
    assert [result["total"], result["skipped"]] == query(
        f"SELECT count(*) FILTER (WHERE abs(latitude) <= 90), count(*) FILTER (WHERE latitude IS NULL"
        f" OR abs(latitude) > 90) {where}")[0] == [3, 1]  # the kiosk; 148 has only 2 spaces
    assert result["bounds"] == [[48.8185, 2.2585], [48.824, 2.2731]]


def test_limit_cuts_the_points_but_not_the_total_or_the_bounds(places: str) -> None:
    result = points(places, **LAT_LON, limit="2")
    assert result["points"] == EXPECTED[:2] and result["truncated"] is True
    assert result["total"] == 6 and result["bounds"] == points(places, **LAT_LON)["bounds"]
    assert points(places, **LAT_LON, limit=6)["truncated"] is False


@pytest.mark.ckan_config("ckanext.issy.map.max_points", "3")
def test_the_setting_bounds_the_default_and_the_largest_limit(places: str) -> None:
    assert len(points(places, **LAT_LON)["points"]) == 3
    with pytest.raises(tk.ValidationError) as refused:
        points(places, **LAT_LON, limit=4)
    assert list(refused.value.error_dict) == ["limit"]


def test_no_matching_row_has_no_bounds(places: str) -> None:
    result = points(places, **LAT_LON, filters=[{"column": "nom", "op": "eq", "value": "Kiosque à musique"}])
    assert (result["points"], result["total"], result["skipped"], result["bounds"]) == ([], 0, 1, None)


BAD = [
    ({}, "lat"),
    ({"lat": "latitude"}, "lon"),
    ({"geo": "geo_point_2d", "lat": "latitude"}, "geo"),
    ({"geo": "latitude"}, "geo"),
    ({"lat": "altitude", "lon": "longitude"}, "lat"),
    ({"lat": "latitude", "lon": 'longitude" FROM pg_user --'}, "lon"),
    ({**LAT_LON, "size": "nom"}, "size"),
    ({**LAT_LON, "color": "couleur"}, "color"),
    ({**LAT_LON, "popup": ["nom", "quartier", "places", "latitude", "longitude", "lat_texte"]}, "popup"),
    ({**LAT_LON, "popup": "[\"nom\""}, "popup"),
    ({**LAT_LON, "filters": [{"column": "places", "op": "~", "value": 1}]}, "filters"),
    ({**LAT_LON, "filters": [{"column": "places", "op": "eq", "value": "beaucoup"}]}, "filters"),
    ({**LAT_LON, "limit": "0"}, "limit"),
    ({**LAT_LON, "limit": "dix"}, "limit"),
]


def test_bad_requests_are_400_naming_the_parameter(app: Any, places: str) -> None:
    for params, field in BAD:
        body = app.get(url(places, **params), status=400).json
        assert body["success"] is False
        assert (body["error"]["field"], bool(body["error"]["message"])) == (field, True), params


def test_get_answers_the_action_result_and_unknown_resources_are_404(app: Any, places: str) -> None:
    body = app.get(url(places, geo="geo_point_2d", color="quartier", limit="1"), status=200).json
    assert body["success"] is True and body["result"]["points"] == [[2.27, 48.824, "Centre-ville"]]
    assert app.get(url("inconnue", **LAT_LON), status=404).json["success"] is False
    assert app.get("/api/issy/points", status=400).json["error"]["field"] == "resource_id"


def test_a_private_table_is_refused_to_visitors_and_read_by_its_editor(app: Any, portal: Portal) -> None:
    private = table(portal, "Stationnements en projet", PLACE_COLUMNS, place_rows(), private=True)
    body = app.get(url(private, **LAT_LON), status=403).json
    assert body["error"]["message"] and "48.82" not in json.dumps(body)
    with pytest.raises(tk.NotAuthorized):
        points(private, {"user": ""}, **LAT_LON)
    answer = app.get(url(private, **LAT_LON), headers={"Authorization": portal.editor["token"]}, status=200)
    assert answer.json["result"]["total"] == 6


def test_a_repeat_is_cached_and_a_write_to_the_table_is_seen_at_once(places: str) -> None:
    first = points(places, **LAT_LON, popup=["nom"])
    again = points(places, popup=["nom"], lon="longitude", lat="latitude")
    assert (first["cached"], again["cached"]) == (False, True)
    assert {**again, "cached": False} == first
    # The aggregation API never answers a points request from its cache, nor the reverse.
    assert tk.get_action("issy_aggregate")({"ignore_auth": True}, {
        "resource_id": places, "measures": [{"function": "count"}]})["cached"] is False
    call_action("datastore_upsert", resource_id=places, method="insert", force=True, records=[
        {"nom": "Lycée Ionesco", "quartier": "Les Épinettes", "places": 24, "latitude": "48.8261",
         "longitude": "2.2668"}])
    changed = points(places, **LAT_LON, popup=["nom"])
    assert changed["cached"] is False and changed["version"] != first["version"]
    assert changed["points"][-1] == [2.2668, 48.8261, "Lycée Ionesco"] and changed["total"] == 7


def test_five_thousand_points_with_a_colour_stay_well_under_300_kb(app: Any, portal: Portal) -> None:
    draw = random.Random(92040)
    districts = ["Centre-ville", "Les Épinettes", "Île Saint-Germain", "Fort", "Val de Seine", "Corentin-Celton"]
    rows = [[f"Point {i}", draw.choice(districts), i % 9, Decimal(f"{48.815 + draw.random() * 0.02:.6f}"),
             Decimal(f"{2.245 + draw.random() * 0.035:.6f}"), None, None, None] for i in range(5000)]
    big = table(portal, "Mobilier urbain", PLACE_COLUMNS, rows)
    answer = app.get(url(big, **LAT_LON, color="quartier"), status=200)
    assert len(answer.json["result"]["points"]) == 5000
    assert len(answer.body) < 250_000, len(answer.body)
