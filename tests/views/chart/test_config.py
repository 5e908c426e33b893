"""A chart's configuration (ckanext/issy/views/chart/config.py): what it
reads from a query string, a form or a saved view, what it refuses and why,
and what it writes back (the permalink, the view), and the aggregation
request it makes (request.py)."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from ckanext.issy.views import configuration as shared
from ckanext.issy.views.chart import config as c
from ckanext.issy.views.chart import request as r

KINDS = {"secteur": "text", "année": "date", "montant": "number", "quartier": "text",
         "gratuit": "bool"}


def _parse(query: str) -> tuple[c.ChartConfig, dict[str, str]]:
    return c.parse(MultiDict(parse_qsl(query, keep_blank_values=True)))


def test_a_full_query_string_is_read() -> None:
    config, errors = _parse(
        "type=bar_stacked&x=ann%C3%A9e&x_unit=month&y=sum:montant&series=quartier"
        "&filter_column=secteur&filter_op=in&filter_value=Sant%C3%A9%3B+%C3%89ducation"
        "&filter_column=montant&filter_op=between&filter_value=0%3B1+000"
        "&sort=measure_desc&limit=5&others=0&title=D%C3%A9penses&unit=%E2%82%AC")

    assert errors == {}
    assert config == c.ChartConfig(
        chart_type="bar_stacked", x=c.Group("année", "month"), measures=(c.Measure("sum", "montant"),),
        series=c.Group("quartier"),
        filters=(c.Filter("secteur", "in", "Santé; Éducation"), c.Filter("montant", "between", "0;1 000")),
        sort="measure_desc", limit=5, others=False, title="Dépenses", unit="€")
    assert config.complete


@pytest.mark.parametrize("query", [
    "type=line&x=ann%C3%A9e&x_unit=year&y=sum:montant&y=count",
    "type=bar&x=secteur&y=mean:montant&filter_column=quartier&filter_op=eq&filter_value=Les+Epinettes"
    "&sort=group_desc&limit=10&title=Un+titre+%26+des+%C2%AB+guillemets+%C2%BB&unit=%25",
    "type=pie&x=secteur&y=count&limit=3&others=0",
    "type=scatter&x=quartier&y=sum:montant&y=max:montant",
])
def test_the_permalink_reads_back_as_the_same_configuration(query: str) -> None:
    config, errors = _parse(query)
    assert errors == {}

    again, errors_again = _parse(c.to_query(config))

    assert errors_again == {} and again == config
    assert c.to_query(again) == c.to_query(config)


def test_the_permalink_names_the_resource_first_and_leaves_defaults_out() -> None:
    config, _errors = _parse("type=bar&x=secteur&y=count&others=1&sort=&limit=")

    assert c.to_query(config, "abc") == "resource_id=abc&type=bar&x=secteur&y=count"


def test_a_saved_view_reads_back_as_the_same_configuration() -> None:
    config, _errors = _parse("type=area&x=ann%C3%A9e&x_unit=day&y=min:montant&limit=4&others=0"
                             "&filter_column=gratuit&filter_op=eq&filter_value=true&title=T")
    # What CKAN's validators give back: lists, an int, a bool, the view's title.
    view = {**c.to_view(config), "limit": 4, "others": False, "title": "T", "id": "x",
            "view_type": "issy_chart"}

    assert "title" not in c.to_view(config)
    assert c.parse(view) == (config, {})
    assert c.parse({**view, "y": "min:montant"})[0] == config  # one value, not a list


def test_the_aggregation_request_types_french_numbers_and_splits_lists() -> None:
    config, _errors = _parse("type=bar_stacked&x=ann%C3%A9e&x_unit=year&y=sum:montant&y=count"
                             "&filter_column=montant&filter_op=between&filter_value=1+000,5%3B2%E2%80%AF000"
                             "&filter_column=secteur&filter_op=in&filter_value=A%3BB"
                             "&filter_column=secteur&filter_op=ne&filter_value=a%3Bb"
                             "&sort=measure_desc&limit=3")

    request = r.to_request(config, "rid", KINDS)

    assert request == {
        "resource_id": "rid",
        "group_by": [{"column": "année", "unit": "year"}],
        "measures": [{"function": "sum", "column": "montant"}, {"function": "count"}],
        "filters": [{"column": "montant", "op": "between", "value": ["1000,5", "2000"]},
                    {"column": "secteur", "op": "in", "value": ["A", "B"]},
                    {"column": "secteur", "op": "ne", "value": "a;b"}],
        "sort": {"by": "measure", "index": 0, "order": "desc"},
        "limit": 3, "others": True,
    }
    params = shared.to_api_params(request)
    assert json.loads(params["group_by"]) == request["group_by"]
    assert params["limit"] == "3" and params["others"] == "true" and params["resource_id"] == "rid"


@pytest.mark.parametrize("query, field", [
    ("type=radar&x=secteur&y=count", "type"),
    ("type=bar&x=secteur&y=median:montant", "y"),
    ("type=bar&x=secteur&y=sum", "y"),
    ("type=bar&x=secteur&y=count&x_unit=week", "x_unit"),
    ("type=bar&y=count", "x"),
    ("type=bar&x=secteur", "y"),
    ("type=bar&x=secteur&y=count&limit=0", "limit"),
    ("type=bar&x=secteur&y=count&limit=101", "limit"),
    ("type=bar&x=secteur&y=count&limit=-3", "limit"),
    ("type=bar&x=secteur&y=count&limit=2.5", "limit"),
    ("type=bar&x=secteur&y=count&others=peut-%C3%AAtre", "others"),
    ("type=bar&x=secteur&y=count&sort=random", "sort"),
    ("type=bar&x=secteur&y=count&filter_column=secteur&filter_op=like&filter_value=a", "filter_op"),
    ("type=bar&x=secteur&y=count&filter_column=secteur&filter_op=eq&filter_value=", "filter_value"),
    ("type=bar&x=secteur&y=count&filter_column=montant&filter_op=between&filter_value=1", "filter_value"),
    ("type=bar&x=secteur&y=count&title=" + "t" * 201, "title"),
    ("type=bar&x=secteur&y=count&unit=" + "u" * 21, "unit"),
    ("type=bar&x=" + "c" * 64 + "&y=count", "x"),
    ("type=bar&x=a%00b&y=count", "x"),
    ("type=pie&x=secteur&y=count&y=sum:montant", "y"),
    ("type=pie&x=secteur&y=count&series=quartier", "series"),
    ("type=bar&x=secteur&y=count&y=sum:montant&series=quartier", "y"),
    ("type=bar&x=secteur&y=count&series=secteur", "series"),
    ("type=scatter&x=secteur&y=count&y=sum:montant&y=max:montant", "y"),
])
def test_what_is_wrong_is_left_out_and_said(query: str, field: str) -> None:
    config, errors = _parse(query)

    assert field in errors and errors[field].strip()
    # What is left is still a configuration that writes and reads back.
    assert _parse(c.to_query(config))[0] == config


def test_bounds_of_the_repeated_keys() -> None:
    config, errors = _parse("type=bar&x=secteur" + "".join(f"&y=sum:m{i}" for i in range(7))
                            + "".join(f"&filter_column=f{i}&filter_op=eq&filter_value={i}" for i in range(12))
                            + "&filter_column=s&filter_op=in&filter_value=" + "%3B".join("v" * 101))

    assert len(config.measures) == c.MAX_MEASURES and "y" in errors
    assert len(config.filters) == shared.MAX_FILTERS and "filter_column" in errors
    assert "filter_value" in errors


def test_the_form_s_empty_rows_are_not_errors() -> None:
    config, errors = _parse("type=bar&x=secteur&y=count&y=&y=&filter_column=&filter_op=eq&filter_value="
                            "&x_unit=&series=&series_unit=&sort=&limit=&title=&unit=")

    assert errors == {}
    assert config == c.ChartConfig(x=c.Group("secteur"), measures=(c.Measure("count"),))


@pytest.mark.parametrize("query", ["", "a=b", "type=", "%ff%fe=%00", "y=%3A%3A%3A&x=%3A",
                                   "filter_op=between&filter_value=1", "limit=99999999999999999999"])
def test_junk_never_raises(query: str) -> None:
    config, _errors = _parse(query)
    assert isinstance(config, c.ChartConfig)
    r.to_request(config, "r", KINDS)


def test_columns_the_table_does_not_have_or_cannot_use_are_left_out() -> None:
    config, _errors = _parse("type=bar&x=secteur&x_unit=year&y=sum:secteur&y=count&y=max:ann%C3%A9e"
                             "&filter_column=secteur&filter_op=gt&filter_value=a"
                             "&filter_column=nulle&filter_op=eq&filter_value=1")

    checked, errors = c.check_columns(config, KINDS)

    assert checked.x == c.Group("secteur")
    assert checked.measures == (c.Measure("count"), c.Measure("max", "année"))
    assert checked.filters == ()
    assert set(errors) == {"x_unit", "y", "filter_op", "filter_column"}

    config, _errors = _parse("type=line&x=inconnue&y=count&series=autre")
    checked, errors = c.check_columns(config, KINDS)
    assert checked.x is None and checked.series is None and set(errors) == {"x", "series"}


@pytest.mark.parametrize("columns, expected", [
    ([{"id": "année", "type": "date"}, {"id": "secteur", "type": "text"}, {"id": "montant", "type": "number"}],
     "type=bar&x=secteur&y=sum%3Amontant&sort=measure_desc&limit=10"),
    ([{"id": "année", "type": "date"}, {"id": "montant", "type": "number"}],
     "type=line&x=ann%C3%A9e&x_unit=year&y=sum%3Amontant"),
    ([{"id": "n", "type": "number"}, {"id": "gratuit", "type": "bool"}], "type=bar&x=gratuit&y=count"),
    ([{"id": "Exer", "type": "number", "label": "Exercice"}, {"id": "Nature", "type": "text"},
      {"id": "code_insee", "type": "number"}, {"id": "MtReal", "type": "number", "label": "Montant réalisé"}],
     "type=bar&x=Nature&y=sum%3AMtReal&sort=measure_desc&limit=10"),
    ([], "type=bar"),
])
def test_a_first_chart_for_a_table(columns, expected: str) -> None:
    assert c.to_query(c.defaults(columns)) == expected
