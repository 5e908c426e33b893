"""The dataset form's coverage fields: update frequency, period covered and
area covered, validated with the editor's language and stored as the
extras data.gouv.fr's CKAN harvester reads."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories

from ckanext.issy.dcat import commune
from tests.dcat.conftest import FREQUENCY, HOTEL_DE_VILLE, ILE_SAINT_GERMAIN, show
from tests.support.browser_session import csrf_token, logged_in
from tests.theme.conftest import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def editor() -> dict[str, Any]:
    user = factories.UserWithToken()
    factories.Organization(name="ville-issy", title="Ville d'Issy-les-Moulineaux",
                           users=[{"name": user["name"], "capacity": "editor"}])
    return user


def fields(**coverage: str) -> dict[str, str]:
    """The first stage of the dataset form, as a browser posts it."""
    return {"name": "fetes-ile-saint-germain", "title": "Fêtes de l'Île Saint-Germain",
            "notes": "Programme des fêtes.", "owner_org": "ville-issy", "license_id": "lov2",
            "tag_string": "fêtes", "save": "continue", **coverage}


def extras(name: str) -> dict[str, str]:
    return {extra["key"]: extra["value"] for extra in show(name)["extras"]}


def exists(name: str) -> bool:
    try:
        show(name)
    except tk.ObjectNotFound:
        return False
    return True


def test_a_browser_creates_a_dataset_covering_the_town_by_default(app: Any, editor: dict[str, Any]) -> None:
    browser = logged_in(app, {**editor, "name": editor["name"]})
    form = browser.get("/dataset/new", status=200).body
    assert 'id="field-spatial-commune" name="spatial_coverage" value="commune" checked' in form

    response = browser.post("/dataset/new", data={
        **fields(frequency=FREQUENCY + "WEEKLY", temporal_start="2025-06-01", temporal_end="2025-06-30",
                 spatial_coverage="commune", spatial=""),
        "_csrf_token": csrf_token(form)}, follow_redirects=False)

    assert response.status_code == 302, response.body[-3000:]
    assert extras("fetes-ile-saint-germain") == {
        "frequency": FREQUENCY + "WEEKLY", "temporal_start": "2025-06-01", "temporal_end": "2025-06-30",
        "spatial": commune.boundary_json()}
    assert "frequency" not in show("fetes-ile-saint-germain")  # extras only: what udata reads


def test_a_pasted_feature_is_stored_as_its_polygon(app: Any, editor: dict[str, Any]) -> None:
    feature = {"type": "Feature", "properties": {"nom": "Île Saint-Germain"}, "geometry": ILE_SAINT_GERMAIN}

    response = app.post("/dataset/new", data=fields(frequency="", spatial_coverage="custom",
                                                    spatial=json.dumps(feature, ensure_ascii=False)),
                        headers=as_user(editor), follow_redirects=False)

    assert response.status_code == 302, response.body[-3000:]
    assert json.loads(extras("fetes-ile-saint-germain")["spatial"]) == ILE_SAINT_GERMAIN
    assert "frequency" not in extras("fetes-ile-saint-germain")


@pytest.mark.parametrize("coverage, field, message", [
    ({"spatial_coverage": "custom", "spatial": json.dumps(HOTEL_DE_VILLE)}, "spatial",
     "A point is not an area: paste a Polygon or MultiPolygon that outlines the area covered"),
    ({"spatial_coverage": "custom", "spatial": ""}, "spatial",
     "Paste the GeoJSON of the area, or choose the whole town"),
    ({"spatial_coverage": "custom", "spatial": "Île Saint-Germain"}, "spatial",
     "This is not GeoJSON: paste the text of a Polygon or MultiPolygon"),
    ({"temporal_start": "01/06/2025"}, "temporal_start",
     "&#34;01/06/2025&#34; is not a date: write it YYYY-MM-DD, e.g. 2024-12-31"),
    ({"temporal_start": "2025-06-30", "temporal_end": "2025-06-01"}, "temporal_end",
     "The period ends before it starts"),
    ({"frequency": "tous les jours"}, "frequency",
     "&#34;tous les jours&#34; is not an update frequency of the list"),
])
def test_invalid_coverage_is_refused_next_to_its_field(app: Any, editor: dict[str, Any], coverage: dict[str, str],
                                                       field: str, message: str) -> None:
    response = app.post("/en/dataset/new", data=fields(**{"spatial_coverage": "commune", **coverage}),
                        headers=as_user(editor), follow_redirects=False)

    assert response.status_code == 200
    assert f'<p class="error-block" id="field-{field}-error">{message}</p>' in response.body
    assert f'aria-describedby="field-{field}-error"' in response.body or \
        f'aria-describedby="field-{field}-help field-{field}-error"' in response.body
    assert not exists("fetes-ile-saint-germain")


def test_a_refused_form_shows_what_was_typed_and_names_the_fields_as_the_form_does(
        app: Any, editor: dict[str, Any]) -> None:
    response = app.post("/en/dataset/new", headers=as_user(editor), data=fields(
        frequency=FREQUENCY + "QUARTERLY", temporal_start="2025-06-30", temporal_end="2025-06-01",
        spatial_coverage="custom", spatial=json.dumps(ILE_SAINT_GERMAIN)))

    assert f'<option value="{FREQUENCY}QUARTERLY" selected>' in response.body
    assert 'value="2025-06-30"' in response.body and 'value="2025-06-01"' in response.body
    assert 'value="custom" checked' in response.body and "2.2445, 48.8225" in response.body
    assert "<li data-field-label=\"Period covered\">Period covered: The period ends before it starts</li>" \
        in response.body


def test_anonymous_visitors_can_neither_see_nor_post_the_form(app: Any, editor: dict[str, Any]) -> None:
    assert app.get("/dataset/new", follow_redirects=False).status_code in (302, 403)
    response = app.post("/dataset/new", data=fields(spatial_coverage="commune"), follow_redirects=False)

    assert response.status_code in (302, 400, 403)
    assert not exists("fetes-ile-saint-germain")


def test_the_edit_form_shows_the_stored_coverage_and_saves_changes(app: Any, editor: dict[str, Any]) -> None:
    tk.get_action("package_create")({"user": editor["name"]}, {
        **fields(frequency="MONTHLY", temporal_start="2024-01-01", spatial_coverage="custom",
                 spatial=ILE_SAINT_GERMAIN),
        "extras": [{"key": "source_capteur", "value": "AirParif"}]})

    form = app.get("/dataset/edit/fetes-ile-saint-germain", headers=as_user(editor), status=200).body

    assert f'<option value="{FREQUENCY}MONTHLY" selected>' in form
    assert 'value="2024-01-01"' in form
    assert 'value="custom" checked' in form and "[2.2445,48.8225],[2.2505,48.8247]" in form
    assert 'value="source_capteur"' in form and 'value="spatial"' not in form  # other extras stay free fields
    response = app.post("/dataset/edit/fetes-ile-saint-germain", headers=as_user(editor), follow_redirects=False,
                        data={**fields(frequency=FREQUENCY + "ANNUAL", temporal_start="2024-01-01",
                                       spatial_coverage="commune"),
                              "extras__0__key": "source_capteur", "extras__0__value": "AirParif", "save": ""})
    assert response.status_code == 302, response.body[-3000:]
    assert extras("fetes-ile-saint-germain") == {
        "frequency": FREQUENCY + "ANNUAL", "temporal_start": "2024-01-01", "spatial": commune.boundary_json(),
        "source_capteur": "AirParif"}


def test_the_api_takes_the_same_fields_and_keeps_extras_written_directly(editor: dict[str, Any]) -> None:
    context = {"user": editor["name"]}
    tk.get_action("package_create")(context, {
        **fields(frequency="annual", spatial_coverage="commune"),
        "extras": [{"key": "frequency", "value": "ancienne valeur"}]})

    assert extras("fetes-ile-saint-germain")["frequency"] == FREQUENCY + "ANNUAL"
    tk.get_action("package_patch")(context, {"id": "fetes-ile-saint-germain", "title": "Fêtes 2025"})
    assert extras("fetes-ile-saint-germain")["frequency"] == FREQUENCY + "ANNUAL"
    with pytest.raises(tk.ValidationError) as refused:
        tk.get_action("package_patch")(context, {"id": "fetes-ile-saint-germain", "spatial": HOTEL_DE_VILLE})
    assert list(refused.value.error_dict) == ["spatial"]
