"""``issy_geojson``, ``issy_geojson_properties`` and ``GET /api/issy/geojson``
on GeoJSON files uploaded to the portal: reduction, limits, refusals that
name what is wrong, permissions, a linked file never fetched, and the join
to an election turnout table checked against independent SQL."""
from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.geo.join import key_text
from tests.aggregate.conftest import query
from tests.geo.conftest import TURNOUT, TURNOUT_COLUMNS, Portal, act, contours, dataset, table, upload

pytestmark = pytest.mark.usefixtures("with_plugins")
TURNOUT_JOIN = {"key": "codeBureauVote", "column": "id_brut_miom", "measure": {"function": "sum", "column": "votants"}}


def geojson(resource_id: str, context: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    return tk.get_action("issy_geojson")(context or {"ignore_auth": True}, {"resource_id": resource_id, **data})


def url(resource_id: str, **params: Any) -> str:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return "/api/issy/geojson?" + urlencode({"resource_id": resource_id, **encoded})


def test_an_uploaded_layer_comes_back_reduced_with_its_bounds(layer: str) -> None:
    result = geojson(layer)
    assert (result["resource_id"], result["type"], result["skipped"], result["join"]) == (
        layer, "FeatureCollection", 1, None)
    assert [f["id"] for f in result["features"]] == ["92040_0001", "92040_0002", "92040_0003", "92040_0004"]
    first = result["features"][0]
    assert first["geometry"] == {"type": "Polygon", "coordinates": [
        [[2.269, 48.823], [2.273, 48.823], [2.273, 48.827], [2.269, 48.827], [2.269, 48.823]]]}
    # Scalars only: the nested "source" object is dropped.
    assert first["properties"] == {"codeBureauVote": "92040_0001", "nomBureauVote": "Hôtel de Ville", "numero": 1,
                                   "codeCommune": "92040"}
    # The altitude is dropped; longitude and latitude rounded to 6 decimals.
    assert result["features"][3]["geometry"]["coordinates"][0][0][0] == [2.264, 48.829]
    assert result["features"][3]["geometry"]["coordinates"][0][0][1] == [2.268, 48.829]
    assert result["bounds"] == [[48.818, 2.26], [48.833, 2.277]]


def test_properties_keep_only_those_named(app: Any, layer: str) -> None:
    body = app.get(url(layer, properties=["nomBureauVote", "absente"]), status=200).json
    assert [f["properties"] for f in body["result"]["features"]][:2] == [
        {"nomBureauVote": "Hôtel de Ville"}, {"nomBureauVote": "École Anatole-France"}]
    refused = app.get(url(layer, properties=[f"p{i}" for i in range(11)]), status=400).json
    assert refused["error"]["field"] == "properties"


def test_the_properties_action_lists_what_the_builder_can_offer(layer: str) -> None:
    described = tk.get_action("issy_geojson_properties")({"ignore_auth": True}, {"resource_id": layer})
    assert described == {"resource_id": layer, "features": 4, "geometry_types": ["MultiPolygon", "Polygon"],
                         "bounds": [[48.818, 2.26], [48.833, 2.277]],
                         "properties": [{"id": "codeBureauVote", "type": "text"},
                                        {"id": "nomBureauVote", "type": "text"},
                                        {"id": "numero", "type": "number"}, {"id": "codeCommune", "type": "text"}]}


@pytest.mark.ckan_config("ckanext.issy.map.max_features", "3")
def test_too_many_features_are_refused_naming_the_count_and_the_setting(app: Any, layer: str) -> None:
    error = app.get(url(layer), status=400).json["error"]
    assert "5" in error["message"] and "ckanext.issy.map.max_features" in error["message"]


@pytest.mark.ckan_config("ckanext.issy.map.max_geojson_bytes", "200")
def test_too_large_a_file_is_refused_before_it_is_read(app: Any, portal: Portal) -> None:
    resource_id = upload(portal, "[" * 5000)  # not even JSON: the size is checked first
    error = app.get(url(resource_id), status=400).json["error"]
    assert error["field"] == "resource_id" and "ckanext.issy.map.max_geojson_bytes" in error["message"]


@pytest.mark.parametrize(("content", "says"), [
    ("Code;Bureau\n92040_0001;Hôtel de Ville\n", "JSON"),
    ("[" * 100_000, "JSON"),
    ('{"type": "Point", "coordinates": [2.27, NaN]}', "JSON"),
    ({"type": "Topology", "objects": {}}, "FeatureCollection"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                 "geometry": {"type": "Point", "coordinates": [2.27, 148]}}]},
     "148"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [2.27, 48.82]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [652000, 6859000]}}]},
     "2"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Polygon",
                                                                               "coordinates": [[2.27, 48.82]]}}]},
     "1"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "GeometryCollection", "geometries": []}}]}, "GeometryCollection"),
])
def test_a_file_that_cannot_be_mapped_is_a_400_saying_why(app: Any, portal: Portal, content: Any,
                                                          says: str) -> None:
    error = app.get(url(upload(portal, content)), status=400).json["error"]
    assert error["field"] == "resource_id" and says in error["message"], error


def test_a_latitude_of_148_is_named_with_its_feature_and_bound(portal: Portal) -> None:
    layer = contours()
    layer["features"][2]["geometry"]["coordinates"][0][1] = [2.264, 148]
    with pytest.raises(tk.ValidationError) as refused:
        geojson(upload(portal, layer))
    message = refused.value.error_dict["resource_id"][0]
    assert "3" in message and "148" in message and "90" in message


def test_a_single_feature_is_a_collection_of_one(portal: Portal) -> None:
    feature = contours()["features"][0]
    assert [f["id"] for f in geojson(upload(portal, feature))["features"]] == ["92040_0001"]


def test_a_linked_file_is_a_404_and_never_fetched(app: Any, portal: Portal) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        address = f"http://127.0.0.1:{listener.getsockname()[1]}/contours.geojson"
        linked = act(portal.sysadmin, "resource_create", package_id=dataset(portal, "Contours liés")["id"],
                     name="Contours", url=address, format="GeoJSON")
        error = app.get(url(linked["id"]), status=404).json["error"]
        # The site's default language is French.
        assert error["message"].startswith("Seuls les fichiers conservés sur le portail")
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_a_resource_that_is_no_geojson_or_does_not_exist(app: Any, portal: Portal) -> None:
    csv = upload(portal, "a;b\n1;2\n", name="bureaux.csv", format="CSV")
    assert app.get(url(csv), status=400).json["error"]["field"] == "resource_id"
    assert app.get(url("inconnue"), status=404).json["success"] is False
    assert app.get("/api/issy/geojson", status=400).json["error"]["field"] == "resource_id"
    # A file named .geojson is one, whatever its format says.
    assert geojson(upload(portal, contours(), format=""))["features"]


def test_a_private_layer_is_refused_to_visitors_and_read_by_its_editor(app: Any, portal: Portal) -> None:
    private = upload(portal, contours(), private=True)
    body = app.get(url(private), status=403).json
    assert body["error"]["message"] and "92040_0001" not in json.dumps(body)
    with pytest.raises(tk.NotAuthorized):
        tk.get_action("issy_geojson_properties")({"user": ""}, {"resource_id": private})
    answer = app.get(url(private), headers={"Authorization": portal.editor["token"]}, status=200)
    assert len(answer.json["result"]["features"]) == 4


def test_the_join_sets_each_feature_value_and_counts_what_matched(app: Any, layer: str, turnout: str) -> None:
    body = app.get(url(layer, properties=["nomBureauVote"], join={**TURNOUT_JOIN, "resource_id": turnout}),
                   status=200).json["result"]
    values = {f["properties"]["codeBureauVote"]: f["properties"]["_value"] for f in body["features"]}
    expected = dict(query(f'SELECT btrim(id_brut_miom), sum(votants) FROM "{turnout}" GROUP BY 1'))
    assert values == {"92040_0001": expected["92040_0001"], "92040_0002": expected["92040_0002"],
                      "92040_0003": expected["92040_0003"], "92040_0004": None}
    assert values["92040_0003"] == 512  # " 92040_0003 " in the table: trimmed
    assert body["features"][0]["properties"] == {"nomBureauVote": "Hôtel de Ville", "codeBureauVote": "92040_0001",
                                                 "_value": 702}
    assert body["join"] == {"field": {"id": "votants", "label": "Votants", "function": "sum", "type": "number"},
                            "matched": 3, "unmatched_features": 1, "unmatched_keys": ["92040_0005"],
                            "truncated": False}


def test_the_join_takes_the_aggregation_filters(layer: str, turnout: str) -> None:
    result = geojson(layer, join={**TURNOUT_JOIN, "resource_id": turnout, "measure": {"function": "mean",
                                                                                     "column": "inscrits"},
                                  "filters": [{"column": "inscrits", "op": "gt", "value": 1100}]})
    assert [f["properties"]["_value"] for f in result["features"]] == [1210, 1105, None, None]
    assert result["join"]["unmatched_keys"] == [] and result["join"]["field"]["function"] == "mean"


@pytest.mark.parametrize(("join", "field"), [
    ({"column": "bureau"}, "join.column"),
    ({"measure": {"function": "sum", "column": "libelle"}}, "join.measure"),
    ({"filters": [{"column": "votants", "op": "eq", "value": "beaucoup"}]}, "join.filters"),
    ({"key": "bureau"}, "join.key"),
    ({"key": ""}, "join.key"),
    ({"resource_id": ""}, "join.resource_id"),
])
def test_a_bad_join_is_a_400_naming_the_join_parameter(app: Any, layer: str, turnout: str,
                                                      join: dict[str, Any], field: str) -> None:
    spec = {**TURNOUT_JOIN, "resource_id": turnout, **join}
    error = app.get(url(layer, join=spec), status=400).json["error"]
    assert error["field"] == field and error["message"]


def test_the_join_reads_the_table_with_the_caller_permissions(app: Any, portal: Portal, layer: str) -> None:
    private = table(portal, "Participation (brouillon)", TURNOUT_COLUMNS, TURNOUT, private=True)
    spec = {**TURNOUT_JOIN, "resource_id": private}
    assert app.get(url(layer, join=spec), status=403).json["success"] is False
    assert app.get(url(layer, join={**spec, "resource_id": "inconnue"}), status=404).json["success"] is False
    answer = app.get(url(layer, join=spec), headers={"Authorization": portal.editor["token"]}, status=200)
    assert answer.json["result"]["join"]["matched"] == 3


@pytest.mark.parametrize(("value", "text"), [
    ("92040_0001", "92040_0001"), ("  92040_0001 ", "92040_0001"), (92040, "92040"), (92040.0, "92040"),
    (1.5, "1.5"), ("12.0", "12.0"), (None, None), ("", None), ({"code": 1}, None)])
def test_keys_compare_as_trimmed_text_and_numbers_without_a_trailing_zero(value: Any, text: str | None) -> None:
    assert key_text(value) == text
