"""A map's configuration (ckanext/issy/views/map/config.py): what it reads
from a query string, a form or a saved view, what it refuses and why (in
the page's language, keyed by the field at fault), what it writes back (the
permalink, the view), and the requests of the map data endpoints it makes
(request.py)."""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from ckanext.issy.views.configuration import Filter, Measure
from ckanext.issy.views.map import config as c
from ckanext.issy.views.map import request as r

KINDS = {"nom": "text", "latitude": "number", "longitude": "number", "places": "number",
         "quartier": "text", "geo_point_2d": "text", "mise_en_service": "date"}
PROPERTIES = {"code_bv": "text", "nom": "text", "inscrits": "number"}
RESULTS = {"code_bv": "text", "votants": "number", "tour": "number"}
JOIN = "join_resource=resultats-2020&join_key=code_bv&join_column=code_bv&join_measure=sum%3Avotants"


def _parse(query: str) -> tuple[c.MapConfig, dict[str, str]]:
    return c.parse(MultiDict(parse_qsl(query, keep_blank_values=True)))


def _table(query: str) -> tuple[c.MapConfig, dict[str, str]]:
    config, errors = _parse(query)
    checked, problems = c.check_table(config, KINDS)
    return checked, {**problems, **errors}


def _areas(query: str, join_kinds: dict[str, str] | None = RESULTS) -> tuple[c.MapConfig, dict[str, str]]:
    config, errors = _parse(query)
    checked, problems = c.check_areas(config, PROPERTIES, join_kinds)
    return checked, {**problems, **errors}


def test_a_points_map_is_read_in_full() -> None:
    config, errors = _table("lat=latitude&lon=longitude&color=quartier&size=places&popup=nom&popup=places"
                            "&cluster=no&filter_column=places&filter_op=gte&filter_value=100&title=Parkings")

    assert errors == {}
    assert config == c.MapConfig(lat="latitude", lon="longitude", color="quartier", size="places",
                                 popup=("nom", "places"), cluster=False,
                                 filters=(Filter("places", "gte", "100"),), title="Parkings")
    assert config.has_coordinates


def test_an_areas_map_joined_to_a_table_is_read_in_full() -> None:
    config, errors = _areas(f"popup=nom&{JOIN}&filter_column=tour&filter_op=eq&filter_value=1")

    assert errors == {}
    assert config.join == c.Join("resultats-2020", "code_bv", "code_bv", Measure("sum", "votants"))
    assert config.popup == ("nom",) and config.filters == (Filter("tour", "eq", "1"),)


@pytest.mark.parametrize("query, field, message", [
    ("lat=latitude", "lon", "Give either a latitude and a longitude column, or one column with both."),
    ("lat=latitude&lon=longitude&geo=geo_point_2d", "geo",
     "Give either a latitude and a longitude column, or one column with both."),
    ("geo=inconnue", "geo", "The table has no column “inconnue”."),
    ("lat=latitude&lon=longitude&size=quartier", "size",
     "The size of the points must come from a column of numbers."),
    ("lat=latitude&lon=longitude&popup=nom&popup=places&popup=quartier&popup=latitude&popup=longitude"
     "&popup=geo_point_2d", "popup", "A popup shows at most 5 fields."),
    ("lat=latitude&lon=longitude&filter_column=places&filter_op=between&filter_value=10",
     "filter_value", "A range needs two values separated by “;”: the lowest and the highest."),
    ("lat=latitude&lon=longitude&filter_column=quartier&filter_op=gt&filter_value=A",
     "filter_op", "Only numbers and dates can be compared."),
    ("lat=mise_en_service&lon=longitude", "lat",
     "The column “mise_en_service” cannot hold coordinates: choose a column of numbers or text."),
    ("geo=places", "geo", "The column “places” must hold text such as “48.8239, 2.2704”."),
    ("lat=latitude&lon=longitude&cluster=peut-%C3%AAtre", "cluster", "Answer yes or no."),
    (f"lat=latitude&lon=longitude&{JOIN}", "join_resource",
     "Only the areas of a GeoJSON file can be joined to a table."),
    ("color=quartier", "lat",
     "Choose the columns of the coordinates: a latitude and a longitude, or one column with both."),
])
def test_a_wrong_points_map_is_said_wrong_by_field(query: str, field: str, message: str) -> None:
    config, errors = _table(query)

    assert errors.get(field) == message, errors
    assert config.join is None


@pytest.mark.parametrize("query, join_kinds, field, message", [
    ("join_resource=resultats-2020&join_key=code_bv", RESULTS, "join_column",
     "A join needs four choices: the table, the areas' property, the table's column and the value."),
    ("join_resource=resultats-2020&join_column=code_bv&join_measure=count", RESULTS, "join_key",
     "A join needs four choices: the table, the areas' property, the table's column and the value."),
    (JOIN, None, "join_resource", "The joined table must be a table of data you can read."),
    (JOIN.replace("join_key=code_bv", "join_key=code_insee"), RESULTS, "join_key",
     "The areas have no property “code_insee”."),
    (JOIN.replace("join_column=code_bv", "join_column=bureau"), RESULTS, "join_column",
     "The table has no column “bureau”."),
    (JOIN.replace("sum%3Avotants", "sum%3Acode_bv"), RESULTS, "join_measure",
     "This calculation does not apply to the column “code_bv”."),
    (JOIN.replace("sum%3Avotants", "median%3Avotants"), RESULTS, "join_measure",
     "“median:votants” is not a measure of the table."),
    ("join_resource=%27%3B+drop&join_key=a&join_column=b&join_measure=count", RESULTS, "join_resource",
     "This is not the identifier of a resource."),
    ("filter_column=tour&filter_op=eq&filter_value=1", RESULTS, "filter_column",
     "Filters apply to the joined table: choose a table to join first."),
    ("color=couleur", RESULTS, "color", "The areas have no property “couleur”."),
    ("lat=latitude&lon=longitude", RESULTS, "lat", "The areas of a GeoJSON file take no coordinates or size."),
    (f"{JOIN}&color=nom", RESULTS, "color", "Joined areas are coloured by the table's value."),
])
def test_a_wrong_areas_map_is_said_wrong_by_field(query: str, join_kinds: dict[str, str] | None,
                                                  field: str, message: str) -> None:
    config, errors = _areas(query, join_kinds)

    assert errors.get(field) == message, errors
    assert config.lat == config.lon == ""


def test_an_areas_map_with_a_wrong_join_draws_the_areas_without_it() -> None:
    config, errors = _areas(JOIN.replace("join_key=code_bv", "join_key=code_insee") + "&popup=nom")

    assert config.join is None and config.popup == ("nom",) and set(errors) == {"join_key"}


@pytest.mark.parametrize("query", [
    "lat=latitude&lon=longitude",
    "geo=geo_point_2d&color=quartier&size=places&popup=nom&cluster=no&title=Parkings+%C2%AB+publics+%C2%BB",
    "lat=latitude&lon=longitude&filter_column=quartier&filter_op=in&filter_value=Centre-ville%3B+Les+%C3%89pinettes",
    f"popup=nom&{JOIN}&filter_column=tour&filter_op=eq&filter_value=1",
])
def test_the_permalink_reads_back_as_the_same_configuration(query: str) -> None:
    config, errors = _parse(query)
    assert errors == {}

    again, errors_again = _parse(c.to_query(config))

    assert errors_again == {} and again == config
    assert c.to_query(again) == c.to_query(config)


def test_the_permalink_opens_the_map_builder_and_leaves_defaults_out() -> None:
    config, _errors = _parse("lat=latitude&lon=longitude&cluster=yes&popup=&color=")

    assert c.to_query(config, "abc") == "resource_id=abc&kind=map&lat=latitude&lon=longitude"


def test_a_saved_view_holds_lists_for_repeated_keys_and_reads_back() -> None:
    config, _errors = _parse(f"popup=nom&popup=inscrits&{JOIN}&filter_column=tour&filter_op=eq"
                             "&filter_value=1&title=Votants")

    view = c.to_view(config)

    assert view == {"popup": ["nom", "inscrits"], "join_resource": "resultats-2020", "join_key": "code_bv",
                    "join_column": "code_bv", "join_measure": "sum:votants", "filter_column": ["tour"],
                    "filter_op": ["eq"], "filter_value": ["1"]}
    assert c.parse(view)[0] == c.MapConfig(**{**config.__dict__, "title": ""})
    # What CKAN's boolean validator makes of "no".
    assert c.parse({"cluster": False})[0].cluster is False


@pytest.mark.parametrize("columns, expected", [
    ([{"id": "Latitude", "type": "number"}, {"id": "Longitude", "type": "number"}],
     c.MapConfig(lat="Latitude", lon="Longitude")),
    ([{"id": "y", "type": "text"}, {"id": "x", "type": "text"}, {"id": "nom", "type": "text"}],
     c.MapConfig(lat="y", lon="x")),
    ([{"id": "nom", "type": "text"}, {"id": "Coordonnées", "type": "text"}], c.MapConfig(geo="Coordonnées")),
    ([{"id": "geo_point_2d", "type": "text"}, {"id": "lat", "type": "date"}], c.MapConfig(geo="geo_point_2d")),
    ([{"id": "nom", "type": "text"}, {"id": "places", "type": "number"}], c.MapConfig()),
])
def test_a_first_map_guesses_the_coordinates_by_the_columns_names(columns, expected) -> None:
    assert c.defaults(columns) == expected


def test_junk_never_raises() -> None:
    for query in ["lat=%00&lon=%ff&geo=" + "x" * 300, "popup=%00&popup=" + "y" * 80, "cluster=%F0%9F%98%80",
                  "join_resource=x&join_key=%00&join_column=&join_measure=%3A",
                  "filter_column=%00&filter_op=%00&filter_value=%00&title=" + "t" * 5000]:
        config, errors = _parse(query)
        c.check_table(config, KINDS)
        c.check_areas(config, PROPERTIES, None)
        assert errors, query


def test_a_points_request_names_the_columns_and_the_filters() -> None:
    config, _errors = _table("lat=latitude&lon=longitude&color=quartier&size=places&popup=nom"
                             "&filter_column=places&filter_op=between&filter_value=1+000%3B2+000")

    assert r.points_request(config, "abc", KINDS) == {
        "resource_id": "abc", "lat": "latitude", "lon": "longitude", "color": "quartier", "size": "places",
        "popup": ["nom"], "filters": [{"column": "places", "op": "between", "value": ["1000", "2000"]}]}


def test_a_geojson_request_keeps_the_shown_properties_and_joins_the_table() -> None:
    config, _errors = _areas(f"popup=nom&{JOIN}&filter_column=tour&filter_op=eq&filter_value=1")

    assert r.geojson_request(config, "zones", RESULTS) == {
        "resource_id": "zones", "properties": ["nom"],
        "join": {"resource_id": "resultats-2020", "key": "code_bv", "column": "code_bv",
                 "measure": {"function": "sum", "column": "votants"},
                 "filters": [{"column": "tour", "op": "eq", "value": "1"}]}}
