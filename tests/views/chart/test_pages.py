"""The chart's pages: Créer (search, pick a table, build; the permalink;
the save form for editors), the embed page, the JSON the builder asks for,
and the issy_chart view in the resource page and in CKAN's view form."""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.issy.views.chart import config as chart_config
from tests.support.browser_session import csrf_token, logged_in
from tests.theme.conftest import as_user
from tests.theme.conftest import portal  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
SAVE = "/creer/enregistrer"
QUERY = ("type=line&x=ann%C3%A9e&x_unit=year&y=sum%3Amontant&filter_column=secteur&filter_op=in"
         "&filter_value=Sant%C3%A9%3B%C3%89ducation&title=D%C3%A9penses&unit=%E2%82%AC")


def _spec(body: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" data-role="spec">(.*?)</script>', body, re.S)
    assert found, "no chart in the page"
    return json.loads(found.group(1))


def _builder(resource: dict[str, Any], query: str = "") -> str:
    return f"/creer?resource_id={resource['id']}" + (f"&{query}" if query else "")


@pytest.mark.usefixtures("portal")
def test_cree_lists_datasets_with_tables_and_only_those_tables(app, chart_data) -> None:
    body = app.get("/creer", status=200).body

    assert "Dépenses par secteur d&#39;activité" in body
    assert f"/creer?resource_id={chart_data['resource']['id']}" in body
    assert chart_data["plain"]["id"] not in body            # a PDF is not a table
    assert "Budget primitif 2024" not in body               # no DataStore table
    assert "Brouillon interne" not in body                  # private, for a visitor
    assert "Brouillon interne" in app.get("/creer", headers=as_user(chart_data["editor"])).body

    assert "Dépenses par secteur" in app.get("/creer?q=d%C3%A9penses", status=200).body
    assert "Dépenses par secteur" not in app.get("/creer?q=stationnement", status=200).body


def test_a_table_s_builder_starts_with_a_first_chart_and_its_permalink(app, chart_data) -> None:
    resource = chart_data["resource"]
    body = app.get(_builder(resource), status=200).body

    spec = _spec(body)
    assert spec["ready"] and spec["type"] == "bar" and spec["api"] == "/api/issy/aggregate"
    assert json.loads(spec["params"]["group_by"]) == [{"column": "secteur"}]
    assert json.loads(spec["params"]["measures"]) == [{"function": "sum", "column": "montant"}]
    assert "Montant (€)" in spec["title"] and "Secteur d'activité" in spec["title"]
    # The form is a GET form to /creer with every field labelled.
    assert 'method="get" action="/creer"' in body
    for name in ("type", "x", "x_unit", "y", "series", "filter_column", "filter_op", "filter_value",
                 "sort", "limit", "others", "title", "unit"):
        assert f'name="{name}"' in body, name
    for field in re.findall(r'<(?:select|input) class="form-[a-z]+"[^>]* id="([^"]+)"', body):
        assert f'for="{field}"' in body, field
    permalink = f"http://test.ckan.net/creer?resource_id={resource['id']}&amp;type=bar&amp;x=secteur"
    assert permalink in body
    assert "&lt;iframe src=&#34;http://test.ckan.net/creer/integrer?resource_id=" in body \
        or "&lt;iframe src=&quot;http://test.ckan.net/creer/integrer?resource_id=" in body


def test_the_query_string_is_the_chart(app, chart_data) -> None:
    body = app.get(_builder(chart_data["resource"], QUERY), status=200).body

    spec = _spec(body)
    assert spec["type"] == "line" and spec["title"] == "Dépenses" and spec["unit"] == "€"
    assert json.loads(spec["params"]["filters"]) == [
        {"column": "secteur", "op": "in", "value": ["Santé", "Éducation"]}]
    assert spec["notes"] == []
    code = unescape(re.search(r'<code id="chart-permalink">(.*?)</code>', body).group(1))
    expected = chart_config.to_query(chart_config.parse(_multidict(QUERY))[0], chart_data["resource"]["id"])
    assert urlsplit(code).path == "/creer" and urlsplit(code).query == expected
    assert 'selected>Année' in body or '<option value="année" data-kind="date" selected>' in body


def _multidict_of(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict
    return MultiDict(pairs)


def _multidict(query: str) -> Any:
    return _multidict_of(parse_qsl(query, keep_blank_values=True))


def test_the_request_the_page_builds_is_one_the_aggregation_api_answers(app, chart_data) -> None:
    spec = _spec(app.get(_builder(chart_data["resource"], QUERY), status=200).body)

    answer = app.get(spec["api"], query_string=spec["params"], status=200).json["result"]

    assert [f["id"] for f in answer["fields"]] == ["année", "montant"]
    assert [row[0][:4] for row in answer["rows"]] == ["2021", "2022", "2023"]
    # Santé (2) and Éducation (1), two districts each: 2 × (1000 + 2000) + 2 × 100 in 2021.
    assert answer["rows"][0][1] == pytest.approx(6200)


def test_what_is_wrong_in_the_address_is_said_on_the_page(app, chart_data) -> None:
    body = app.get(_builder(chart_data["resource"], "type=pie&x=inconnue&y=sum%3Asecteur&limit=0"),
                   status=200).body

    spec = _spec(body)
    assert not spec["ready"]
    assert any("inconnue" in note for note in spec["notes"])
    assert 'role="alert"' in body and "inconnue" in body
    assert 'aria-invalid="true" aria-describedby="chart-x-error"' in body


JUNK = [
    "type=%00&x=%ff&y=%3A", "y=count&y=count&y=count&y=count&y=count&y=count&y=sum%3Asum%3Asum",
    "filter_column=montant&filter_op=between&filter_value=a%3Bb&x=secteur&y=count",
    "filter_column=ann%C3%A9e&filter_op=gt&filter_value=demain&x=secteur&y=count",
    "limit=999999999999999999999&others=%F0%9F%98%80", "title=" + "x" * 5000,
    "x=secteur&x_unit=month&series=secteur&series_unit=year&y=max%3Asecteur",
    "filter_column=%00&filter_op=%00&filter_value=%00&filter_value=x&sort=%25s%25s",
]
PAGES = ["/creer", "/creer/integrer", "/creer/configuration"]


def test_junk_in_the_address_never_gives_an_error_page(app, chart_data) -> None:
    resource = chart_data["resource"]
    for query in JUNK:
        for path in PAGES:
            assert app.get(f"{path}?resource_id={resource['id']}&{query}").status_code == 200, (path, query)
    # A search the search backend cannot read: its readable 400 page (issy_search).
    assert app.get("/creer?q=%22%28%5B&resource_id=").status_code == 400


def test_unknown_resources_or_resources_without_a_table_are_not_found(app, chart_data) -> None:
    for resource_id in ("nope", "%00", "%27%3B+drop+table+x", chart_data["plain"]["id"], "x" * 300):
        for path in PAGES:
            response = app.get(f"{path}?resource_id={resource_id}&x=secteur&y=count")
            assert response.status_code == 404, (path, resource_id)


def test_a_private_resource_is_refused_to_visitors_and_shown_to_its_editors(app, chart_data) -> None:
    for path in PAGES:
        url = f"{path}?resource_id={chart_data['private_resource']['id']}"
        assert app.get(url).status_code == 403, path
        assert app.get(url, headers=as_user(chart_data["stranger"])).status_code == 403, path
        assert app.get(url, headers=as_user(chart_data["editor"])).status_code == 200, path


def test_the_builder_s_json_reads_the_form_as_the_page_does(app, chart_data) -> None:
    resource = chart_data["resource"]
    answer = app.get(f"/creer/configuration?resource_id={resource['id']}&{QUERY}&limit=abc",
                     status=200).json

    assert answer["query"].startswith(f"resource_id={resource['id']}&type=line&x=ann%C3%A9e")
    assert answer["permalink"] == f"http://test.ckan.net/creer?{answer['query']}"
    assert answer["embed_code"].startswith('<iframe src="http://test.ckan.net/creer/integrer?resource_id=')
    assert 'title="Dépenses"' in answer["embed_code"]
    assert set(answer["errors"]) == {"limit"} and answer["spec"]["ready"]


def test_the_embed_page_may_be_framed_by_any_site_and_only_it(app, chart_data) -> None:
    resource = chart_data["resource"]
    response = app.get(f"/creer/integrer?resource_id={resource['id']}&{QUERY}", status=200)

    assert response.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers
    body = response.body
    assert '<html lang="fr"' in body and "issy_theme" in body  # the site's styles
    assert _spec(body)["title"] == "Dépenses"
    assert 'class="masthead' not in body and "<footer" not in body
    assert f"/dataset/depenses-par-secteur/resource/{resource['id']}" in body
    for page in ("/creer", _builder(resource), "/dataset/depenses-par-secteur"):
        assert "Content-Security-Policy" not in app.get(page).headers
    english = app.get(f"/en/creer/integrer?resource_id={resource['id']}", status=200).body
    assert '<html lang="en"' in english and _spec(english)["text"]["others"] == "Others"


def test_visitors_and_other_users_see_no_save_form_editors_do(app, chart_data) -> None:
    url = _builder(chart_data["resource"], QUERY)

    assert SAVE not in app.get(url).body
    assert SAVE not in app.get(url, headers=as_user(chart_data["stranger"])).body
    assert SAVE in app.get(url, headers=as_user(chart_data["editor"])).body
    assert SAVE in app.get(url, headers=as_user(chart_data["sysadmin"])).body


def _views(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return call_action("resource_view_list", id=resource["id"])


def test_saving_needs_the_form_s_csrf_token(app, chart_data) -> None:
    resource = chart_data["resource"]
    browser = logged_in(app, chart_data["editor"])
    page = browser.get(_builder(resource, QUERY), status=200).body
    query = unescape(re.search(r'name="query" value="([^"]*)"', page).group(1))

    refused = browser.post(SAVE, data={"resource_id": resource["id"], "query": query},
                           follow_redirects=False)
    assert refused.status_code == 400 and _views(resource) == []

    saved = browser.post(SAVE, data={"resource_id": resource["id"], "query": query,
                                     "_csrf_token": csrf_token(page)}, follow_redirects=False)
    assert saved.status_code == 302
    [view] = _views(resource)
    assert view["view_type"] == "issy_chart" and view["title"] == "Dépenses"
    assert urlsplit(saved.headers["Location"]).path == \
        f"/dataset/depenses-par-secteur/resource/{resource['id']}"
    assert f"view_id={view['id']}" in saved.headers["Location"]
    assert chart_config.parse(view)[0] == chart_config.parse(_multidict(query))[0]


def test_visitors_and_other_users_cannot_save(app, chart_data) -> None:
    resource = chart_data["resource"]
    data = {"resource_id": resource["id"], "query": QUERY}

    assert app.post(SAVE, data=data, follow_redirects=False).status_code == 400
    assert app.post(SAVE, data=data, headers=as_user(chart_data["stranger"]),
                    follow_redirects=False).status_code == 403
    browser = logged_in(app, chart_data["stranger"])
    token = csrf_token(browser.get(_builder(resource)).body)
    assert browser.post(SAVE, data={**data, "_csrf_token": token},
                        follow_redirects=False).status_code == 403
    assert _views(resource) == []


def test_an_incomplete_chart_is_not_saved(app, chart_data) -> None:
    resource = chart_data["resource"]
    response = app.post(SAVE, data={"resource_id": resource["id"], "query": "type=bar&x=inconnue"},
                        headers=as_user(chart_data["editor"]), follow_redirects=False)

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/creer"
    assert _views(resource) == []


def _view(chart_data: dict[str, Any], **config: Any) -> dict[str, Any]:
    return call_action("resource_view_create", {"user": chart_data["sysadmin"]["name"]},
                       resource_id=chart_data["resource"]["id"], view_type="issy_chart",
                       title="Dépenses par année", **config)


def test_the_view_is_drawn_in_the_resource_page_without_an_iframe(app, chart_data) -> None:
    view = _view(chart_data, type="bar_stacked", x="année", x_unit="year", y="sum:montant",
                 series="quartier", unit="€")
    resource = chart_data["resource"]

    body = app.get(f"/dataset/depenses-par-secteur/resource/{resource['id']}?view_id={view['id']}",
                   status=200).body

    spec = _spec(body)
    assert spec["title"] == "Dépenses par année" and spec["type"] == "bar_stacked"
    assert json.loads(spec["params"]["group_by"]) == [{"column": "année", "unit": "year"},
                                                      {"column": "quartier"}]
    assert '<figure class="issy-chart"' in body and "<figcaption>" in body
    assert "<iframe" not in body
    # CKAN's page of the view alone (its Fullscreen and Embed buttons).
    alone = app.get(f"/dataset/depenses-par-secteur/resource/{resource['id']}/view/{view['id']}",
                    status=200).body
    assert _spec(alone) == spec


def test_the_view_schema_checks_each_field_and_stores_the_canonical_form(chart_data) -> None:
    view = _view(chart_data, type="pie", x="secteur", y="count", filter_column=["", "quartier"],
                 filter_op=["eq", "ne"], filter_value=["", "Centre-ville"], limit="3", others="false")

    assert {k: view[k] for k in chart_config.KEYS if k in view} == {
        "type": "pie", "x": "secteur", "y": ["count"], "filter_column": ["quartier"],
        "filter_op": ["ne"], "filter_value": ["Centre-ville"], "limit": "3", "others": "0",
        "title": "Dépenses par année"}

    for bad, field in [({"type": "radar"}, "type"), ({"x_unit": "week"}, "x_unit"),
                       ({"y": "median:montant"}, "y"), ({"x": "inconnue"}, "x"),
                       ({"limit": "beaucoup"}, "limit"), ({"sort": "random"}, "sort"),
                       ({"y": "sum:secteur"}, "y"), ({"colour": "red"}, "__extras")]:
        with pytest.raises(tk.ValidationError) as refused:
            _view(chart_data, **{"type": "bar", "x": "secteur", "y": "count", **bad})
        assert field in refused.value.error_dict, (bad, refused.value.error_dict)


def test_the_view_form_offers_the_table_s_columns(app, chart_data) -> None:
    resource = chart_data["resource"]
    url = f"/dataset/depenses-par-secteur/resource/{resource['id']}/new_view?view_type=issy_chart"
    body = app.get(url, headers=as_user(chart_data["sysadmin"]), status=200).body

    assert '<option value="année" data-kind="date"' in body
    assert '<option value="sum:montant"' in body and 'name="filter_value"' in body
    assert 'id="chart-title"' not in body  # CKAN's form has the title field
    # A new view starts from the table's first chart (config.defaults).
    assert '<option value="secteur" data-kind="text" selected>' in body


def test_ckan_s_view_form_saves_the_builder_s_fields(app, chart_data) -> None:
    """The fields as CKAN's form posts them: repeated values, empty rows."""
    resource = chart_data["resource"]
    url = f"/dataset/depenses-par-secteur/resource/{resource['id']}/new_view?view_type=issy_chart"
    form = [("title", "Par quartier"), ("description", ""), ("view_type", "issy_chart"),
            ("type", "bar_stacked"), ("x", "année"), ("x_unit", "year"), ("y", "sum:montant"),
            ("y", ""), ("y", ""), ("series", "quartier"), ("series_unit", ""),
            ("filter_column", "gratuit"), ("filter_op", "eq"), ("filter_value", "oui"),
            ("filter_column", ""), ("filter_op", "eq"), ("filter_value", ""),
            ("sort", ""), ("limit", ""), ("others", "1"), ("unit", "€"), ("save", "")]

    response = app.post(url, data=_multidict_of(form), headers=as_user(chart_data["sysadmin"]),
                        follow_redirects=False)

    assert response.status_code == 302, response.body[-3000:]
    [view] = _views(resource)
    assert {k: view[k] for k in chart_config.KEYS if k in view} == {
        "type": "bar_stacked", "x": "année", "x_unit": "year", "y": ["sum:montant"],
        "series": "quartier", "filter_column": ["gratuit"], "filter_op": ["eq"],
        "filter_value": ["oui"], "unit": "€", "title": "Par quartier"}

    refused = app.post(url, data=_multidict_of([(k, "sum:secteur" if k == "y" and v else v) for k, v in form]),
                       headers=as_user(chart_data["sysadmin"]))
    assert refused.status_code == 200 and 'id="chart-y-error"' in refused.body
    assert len(_views(resource)) == 1


def test_a_saved_chart_is_a_candidate_for_the_visualisations_page(app, chart_data) -> None:
    view = _view(chart_data, type="bar", x="secteur", y="sum:montant")

    body = app.get("/visualisations", headers=as_user(chart_data["sysadmin"]), status=200).body

    assert f'<option value="{view["id"]}">' in body


def test_the_english_builder_speaks_english(app, chart_data) -> None:
    body = app.get("/en" + _builder(chart_data["resource"]), status=200).body

    assert '<html lang="en"' in body and "Kind of chart" in body
    assert _spec(body)["text"]["function_sum"] == "Sum of {label}"
