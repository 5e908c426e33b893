"""The map's pages: Créer with kind=map (the choice between a chart and a
map, the resources that can be mapped, the builder of a table's points and
of a GeoJSON file's areas joined to a table), the embed page, the JSON the
builder asks for, saving as a view, and the issy_map view in the resource
page and in CKAN's view form."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.issy.views.map import config as map_config
from tests.support.browser_session import csrf_token, logged_in
from tests.theme.conftest import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
SAVE = "/creer/carte/enregistrer"
PAGES = ["/creer?kind=map&", "/creer/carte/integrer?", "/creer/carte/configuration?"]
POINTS = "lat=latitude&lon=longitude&color=quartier&size=places&popup=nom&title=Parkings+d%E2%80%99Issy"


def _join(map_data: dict[str, Any]) -> str:
    return (f"popup=nom&join_resource={map_data['results']['id']}&join_key=code_bv&join_column=code_bv"
            "&join_measure=sum%3Avotants&filter_column=tour&filter_op=eq&filter_value=1")


def _spec(body: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" data-role="spec">(.*?)</script>', body, re.S)
    assert found, "no map in the page"
    return json.loads(found.group(1))


def _builder(resource: dict[str, Any], query: str = "") -> str:
    return f"/creer?kind=map&resource_id={resource['id']}" + (f"&{query}" if query else "")


def _multidict(query: str) -> MultiDict:
    return MultiDict(parse_qsl(query, keep_blank_values=True))


def test_the_create_page_offers_a_chart_or_a_map_the_current_one_marked(app, map_data) -> None:
    charts = app.get("/en/creer", status=200).body
    maps = app.get("/en/creer?kind=map", status=200).body

    assert re.search(r'href="/en/creer"[^>]*aria-current="page">Chart<', charts)
    assert re.search(r'href="/en/creer\?kind=map">Map<', charts)
    assert re.search(r'href="/en/creer\?kind=map"[^>]*aria-current="page">Map<', maps)
    assert re.search(r'href="/creer"[^>]*aria-current="page">Graphique<', app.get("/creer").body)
    # Building a map of a table: the chart link keeps the same table.
    building = app.get(_builder(map_data["table"]), status=200).body
    assert f'href="/creer?resource_id={map_data["table"]["id"]}"' in building


def test_the_map_choice_lists_tables_and_uploaded_geojson_files_only(app, map_data) -> None:
    body = app.get("/creer?kind=map", status=200).body

    for resource in ("table", "areas", "results"):
        assert f"/creer?kind=map&amp;resource_id={map_data[resource]['id']}" in body, resource
    assert map_data["plain"]["id"] not in body
    # The chart's choice does not offer the GeoJSON file.
    assert map_data["areas"]["id"] not in app.get("/creer", status=200).body
    assert "Parkings publics" not in app.get("/creer?kind=map&q=%C3%A9lections", status=200).body


def test_a_table_s_map_starts_from_its_coordinates_and_its_permalink(app, map_data) -> None:
    table = map_data["table"]
    body = app.get(_builder(table), status=200).body

    spec = _spec(body)
    assert spec["ready"] and spec["source"] == "points" and spec["api"] == "/api/issy/points"
    assert spec["params"] == {"resource_id": table["id"], "lat": "latitude", "lon": "longitude"}
    assert spec["cluster"] is True and spec["color"] is None and spec["title"] == "Parkings et places"
    assert '<figure class="issy-map" id="issy-map" data-issy-map>' in body
    assert 'data-config-url="/creer/carte/configuration"' in body and 'data-figure="issy-map"' in body
    for name in ("kind", "lat", "lon", "geo", "color", "size", "popup", "cluster", "filter_column", "title"):
        assert f'name="{name}"' in body, name
    for field in re.findall(r'<(?:select|input) class="form-[a-z]+"[^>]* id="([^"]+)"', body):
        assert f'for="{field}"' in body, field
    permalink = unescape(re.search(r'<code id="map-permalink">(.*?)</code>', body).group(1))
    assert permalink == f"http://test.ckan.net/creer?resource_id={table['id']}&kind=map&lat=latitude&lon=longitude"
    embed = unescape(re.search(r'<code id="map-embed">(.*?)</code>', body).group(1))
    assert embed.startswith(f'<iframe src="http://test.ckan.net/creer/carte/integrer?resource_id={table["id"]}')


def test_the_points_the_page_asks_for_are_the_ones_the_endpoint_answers(app, map_data) -> None:
    spec = _spec(app.get(_builder(map_data["table"], POINTS + "&filter_column=places&filter_op=gte"
                                  "&filter_value=100"), status=200).body)

    assert spec["title"] == "Parkings d’Issy" and spec["notes"] == []
    assert spec["color"] == {"id": "quartier", "label": "Quartier", "kind": "text"}
    assert spec["size"] == {"id": "places", "label": "Places"}
    assert spec["popup"] == [{"id": "nom", "label": "Nom du parking"}]
    answer = app.get(spec["api"], query_string=spec["params"], status=200).json["result"]
    assert answer["total"] == 2 and len(answer["points"]) == 2  # 95 places is filtered out


def test_an_area_map_joined_to_a_table_colours_each_area_by_its_rows(app, map_data) -> None:
    areas, results = map_data["areas"], map_data["results"]
    body = app.get(_builder(areas, _join(map_data)), status=200).body

    spec = _spec(body)
    assert spec["ready"] and spec["source"] == "geojson" and spec["api"] == "/api/issy/geojson"
    assert spec["notes"] == [] and spec["color"] == {"id": "_value", "label": "Somme de Votants", "kind": "number"}
    assert json.loads(spec["params"]["join"]) == {
        "resource_id": results["id"], "key": "code_bv", "column": "code_bv",
        "measure": {"function": "sum", "column": "votants"},
        "filters": [{"column": "tour", "op": "eq", "value": "1"}]}
    assert json.loads(spec["params"]["properties"]) == ["nom"]
    # The form: the file's properties, the dataset's tables to join, the joined table's columns.
    assert f'<option value="{results["id"]}" selected>Résultats par bureau</option>' in body
    assert '<option value="sum:votants" selected>' in body and 'name="lat"' not in body
    answer = app.get(spec["api"], query_string=spec["params"], status=200).json["result"]
    assert sorted(f["properties"]["_value"] for f in answer["features"]) == [377, 512]


def test_a_geojson_file_alone_draws_its_areas(app, map_data) -> None:
    spec = _spec(app.get(_builder(map_data["areas"]), status=200).body)

    assert spec["ready"] and spec["params"] == {"resource_id": map_data["areas"]["id"]}
    assert spec["title"] == "Périmètres des bureaux de vote" and spec["notes"] == []


def test_what_is_wrong_in_the_address_is_said_on_the_page_in_french(app, map_data) -> None:
    body = app.get(_builder(map_data["table"], "lat=latitude&lon=longitude&color=inconnue"
                            "&filter_column=nom&filter_op=gt&filter_value=A"), status=200).body

    spec = _spec(body)
    assert spec["ready"]
    assert "La table n’a pas de colonne « inconnue »." in spec["notes"] or any(
        "inconnue" in note and "table" in note.lower() for note in spec["notes"]), spec["notes"]
    assert 'aria-invalid="true" aria-describedby="map-color-error"' in body
    assert 'id="map-color-error"' in body and 'role="alert"' in body
    assert any("comparé" in note or "comparer" in note for note in spec["notes"]), spec["notes"]


JUNK = [
    "lat=%00&lon=%ff&geo=%3A", "popup=" + "&popup=".join("abcdefg"), "cluster=%F0%9F%98%80&size=%25s",
    "join_resource=%00&join_key=x&join_column=y&join_measure=sum%3Asum%3Asum",
    "join_resource=nope&join_key=code_bv&join_column=code_bv&join_measure=count",
    "filter_column=%00&filter_op=%00&filter_value=%00&filter_value=x&title=" + "x" * 5000,
    "filter_column=places&filter_op=between&filter_value=a%3Bb&lat=latitude&lon=longitude",
]


def test_junk_in_the_address_never_gives_an_error_page(app, map_data) -> None:
    for resource in (map_data["table"], map_data["areas"]):
        for query in JUNK:
            for path in PAGES:
                url = f"{path}resource_id={resource['id']}&{query}"
                assert app.get(url).status_code == 200, url


def test_resources_that_cannot_be_mapped_are_not_found_and_say_why(app, map_data) -> None:
    for resource_id in ("nope", "%00", "x" * 300, map_data["plain"]["id"]):
        for path in PAGES:
            assert app.get(f"{path}resource_id={resource_id}").status_code == 404, (path, resource_id)
    body = app.get(f"/en/creer?kind=map&resource_id={map_data['plain']['id']}", status=404).body
    assert "This resource cannot be mapped" in body


def test_the_builder_s_json_reads_the_form_as_the_page_does(app, map_data) -> None:
    areas = map_data["areas"]
    answer = app.get(f"/creer/carte/configuration?resource_id={areas['id']}&{_join(map_data)}&color=nom",
                     status=200).json

    assert answer["query"].startswith(f"resource_id={areas['id']}&kind=map&popup=nom&join_resource=")
    assert answer["permalink"] == f"http://test.ckan.net/creer?{answer['query']}"
    assert answer["embed_url"] == f"http://test.ckan.net/creer/carte/integrer?{answer['query']}"
    assert set(answer["errors"]) == {"color"} and answer["spec"]["ready"]
    assert answer["title"] == "Somme de Votants"


def test_the_embed_page_may_be_framed_by_any_site_and_only_it(app, map_data) -> None:
    table = map_data["table"]
    response = app.get(f"/creer/carte/integrer?resource_id={table['id']}&{POINTS}", status=200)

    assert response.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers
    body = response.body
    assert _spec(body)["title"] == "Parkings d’Issy" and "<footer" not in body
    assert f"/dataset/parkings/resource/{table['id']}" in body
    assert "Content-Security-Policy" not in app.get(_builder(table)).headers


def _views(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return call_action("resource_view_list", id=resource["id"])


def test_visitors_and_other_users_see_no_save_form_editors_do(app, map_data) -> None:
    url = _builder(map_data["table"], POINTS)

    assert SAVE not in app.get(url).body
    assert SAVE not in app.get(url, headers=as_user(map_data["stranger"])).body
    assert SAVE in app.get(url, headers=as_user(map_data["editor"])).body


def test_an_editor_saves_the_map_as_a_view_with_the_form_s_csrf_token(app, map_data) -> None:
    areas = map_data["areas"]
    browser = logged_in(app, map_data["editor"])
    page = browser.get(_builder(areas, _join(map_data)), status=200).body
    query = unescape(re.search(r'name="query" value="([^"]*)"', page).group(1))

    refused = browser.post(SAVE, data={"resource_id": areas["id"], "query": query}, follow_redirects=False)
    assert refused.status_code == 400 and _views(areas) == []

    saved = browser.post(SAVE, data={"resource_id": areas["id"], "query": query,
                                     "_csrf_token": csrf_token(page)}, follow_redirects=False)
    assert saved.status_code == 302, saved.body[-2000:]
    [view] = _views(areas)
    assert view["view_type"] == "issy_map" and view["title"] == "Somme de Votants"
    assert urlsplit(saved.headers["Location"]).path == f"/dataset/elections-municipales/resource/{areas['id']}"
    assert map_config.parse(view)[0] == replace(map_config.parse(_multidict(query))[0], title=view["title"])


def test_visitors_and_other_users_cannot_save(app, map_data) -> None:
    table = map_data["table"]
    data = {"resource_id": table["id"], "query": POINTS}

    assert app.post(SAVE, data=data, follow_redirects=False).status_code == 400
    assert app.post(SAVE, data=data, headers=as_user(map_data["stranger"]),
                    follow_redirects=False).status_code == 403
    browser = logged_in(app, map_data["stranger"])
    token = csrf_token(browser.get(_builder(table)).body)
    assert browser.post(SAVE, data={**data, "_csrf_token": token}, follow_redirects=False).status_code == 403
    anonymous = app.post(SAVE, data={**data, "_csrf_token": token}, follow_redirects=False)
    assert anonymous.status_code in (400, 403)
    assert _views(table) == []


def test_a_map_without_coordinates_is_not_saved(app, map_data) -> None:
    table = map_data["table"]
    response = app.post(SAVE, data={"resource_id": table["id"], "query": "color=quartier"},
                        headers=as_user(map_data["editor"]), follow_redirects=False)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/creer"
    assert "kind=map" in response.headers["Location"] and _views(table) == []


def _view(map_data: dict[str, Any], **config: Any) -> dict[str, Any]:
    return call_action("resource_view_create", {"user": map_data["sysadmin"]["name"]},
                       resource_id=map_data["table"]["id"], view_type="issy_map",
                       title="Parkings", **config)


def test_the_view_is_drawn_in_the_resource_page_without_an_iframe(app, map_data) -> None:
    view = _view(map_data, geo="geo_point_2d", popup=["nom", "places"], cluster="false")
    table = map_data["table"]

    body = app.get(f"/dataset/parkings/resource/{table['id']}?view_id={view['id']}", status=200).body

    spec = _spec(body)
    assert spec["title"] == "Parkings" and spec["params"]["geo"] == "geo_point_2d"
    assert spec["cluster"] is False and [p["id"] for p in spec["popup"]] == ["nom", "places"]
    assert f'id="issy-map-{view["id"]}"' in body and "<iframe" not in body


def test_the_view_schema_checks_the_whole_map_and_stores_its_canonical_form(map_data) -> None:
    view = _view(map_data, lat="latitude", lon="longitude", popup=["", "nom"], cluster="yes",
                 filter_column=["", "quartier"], filter_op=["eq", "ne"], filter_value=["", "Centre-ville"])

    assert {k: view[k] for k in map_config.KEYS if k in view} == {
        "lat": "latitude", "lon": "longitude", "popup": ["nom"], "filter_column": ["quartier"],
        "filter_op": ["ne"], "filter_value": ["Centre-ville"], "title": "Parkings"}
    for bad, field in [({"lat": "inconnue"}, "lat"), ({"size": "nom"}, "size"), ({"geo": "nom"}, "geo"),
                       ({"popup": list("abcdef")}, "popup"), ({"zoom": "12"}, "__extras")]:
        with pytest.raises(tk.ValidationError) as refused:
            _view(map_data, **{"lat": "latitude", "lon": "longitude", **bad})
        assert field in refused.value.error_dict, (bad, refused.value.error_dict)


def test_the_view_form_offers_the_data_s_fields(app, map_data) -> None:
    areas = map_data["areas"]
    url = f"/dataset/elections-municipales/resource/{areas['id']}/new_view?view_type=issy_map"
    body = app.get(url, headers=as_user(map_data["sysadmin"]), status=200).body

    assert '<option value="code_bv" data-kind="text"' in body and 'name="join_resource"' in body
    assert f'<option value="{map_data["results"]["id"]}">Résultats par bureau</option>' in body
    assert 'id="map-title"' not in body
