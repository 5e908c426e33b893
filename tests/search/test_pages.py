"""The pages and API calls that need Solr in a stock CKAN answer 200 with
only PostgreSQL and Redis running."""
from __future__ import annotations

import logging
import re
from typing import Any

import pytest

import ckan.plugins as plugins

from tests.search.support import act

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def test_home_page(app: Any, catalogue: Any) -> None:
    response = app.get("/")
    assert response.status_code == 200


@pytest.mark.ckan_config("ckan.datasets_per_page", 2)
def test_dataset_list_with_facets_and_pagination(app: Any, catalogue: Any) -> None:
    first = app.get("/dataset/", query_string={"sort": "name asc"})
    assert first.status_code == 200
    assert "Arbres remarquables" in first.body
    assert "Stationnement payant" not in first.body
    # Facet links of the templates, built from search_facets.
    assert "tags=budget" in first.body
    assert "res_format=CSV" in first.body
    assert "Ville d&#39;Issy-les-Moulineaux" in first.body
    last = app.get("/dataset/", query_string={"sort": "name asc", "page": 3})
    assert last.status_code == 200
    assert "Stationnement payant" in last.body
    assert "Arbres remarquables" not in last.body


def test_dataset_list_filtered_by_a_facet(app: Any, catalogue: Any) -> None:
    response = app.get("/dataset/", query_string={"tags": "stationnement"})
    assert response.status_code == 200
    assert "Occupation des parkings souterrains" in response.body
    assert "Budget primitif 2024" not in response.body


def test_organisation_page_with_its_dataset_count(app: Any, catalogue: Any) -> None:
    response = app.get("/organization/ville-d-issy-les-moulineaux")
    assert response.status_code == 200
    assert "Budget primitif 2024" in response.body
    assert "Stationnement payant" not in response.body
    assert re.search(r"\b3\b[^<]*(jeux de donn|datasets)", response.body)


def test_group_page(app: Any, catalogue: Any) -> None:
    response = app.get("/group/mobilite")
    assert response.status_code == 200
    assert "Occupation des parkings souterrains" in response.body
    assert "Budget primitif 2024" not in response.body


def test_package_search_api(app: Any, catalogue: Any) -> None:
    response = app.get("/api/3/action/package_search",
                       query_string={"q": "stationnement",
                                     "facet.field": '["organization"]'})
    assert response.status_code == 200
    result = response.json["result"]
    assert result["count"] == 2
    assert result["facets"] == {"organization": {"grand-paris-seine-ouest": 2}}


def test_organization_list_with_dataset_counts(app: Any, catalogue: Any) -> None:
    response = app.get("/api/3/action/organization_list",
                       query_string={"all_fields": True,
                                     "include_dataset_count": True})
    assert response.status_code == 200
    counts = {org["name"]: org["package_count"]
              for org in response.json["result"]}
    assert counts == {"ville-d-issy-les-moulineaux": 3,
                      "grand-paris-seine-ouest": 2}


def test_group_list_and_tag_show_counts(app: Any, catalogue: Any) -> None:
    groups = act("group_list", all_fields=True)
    assert {g["name"]: g["package_count"] for g in groups} == {
        "citoyennete": 1, "mobilite": 2}
    tag = act("tag_show", id="budget", include_datasets=True)
    assert sorted(d["name"] for d in tag["packages"]) == [
        "budget-primitif-2024", "stationnement-payant"]


def test_dataset_autocomplete(catalogue: Any) -> None:
    matches = act("package_autocomplete", q="parking")
    assert [m["name"] for m in matches] == ["parkings-souterrains"]
    matches = act("package_autocomplete", q="Élect")
    assert [m["name"] for m in matches] == ["elections-municipales-2020"]


def test_dcat_catalogue(app: Any, catalogue: Any) -> None:
    response = app.get("/catalog.xml")
    assert response.status_code == 200
    assert "Élections municipales 2020" in response.body
    assert "Arbres remarquables" in response.body


def test_dcat_catalogue_modified_since(app: Any, catalogue: Any) -> None:
    response = app.get("/catalog.xml",
                       query_string={"modified_since": "2000-01-01"})
    assert response.status_code == 200
    assert "Budget primitif 2024" in response.body


def test_harvest_source_list(app: Any, catalogue: Any) -> None:
    response = app.get("/harvest")
    assert response.status_code == 200


def test_start_up_logs_no_solr_error(make_app: Any,
                                     caplog: pytest.LogCaptureFixture) -> None:
    # A server process starts with no plugin loaded. (Unloading them makes
    # CKAN 2.12 check the Solr schema again, with Solr's code, as it should
    # once issy_search is gone: that is not part of the start-up.)
    plugins.unload_all()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        make_app()
    problems = [record.getMessage() for record in caplog.records
                if record.levelno >= logging.WARNING
                and ("solr" in record.getMessage().lower()
                     or record.name.startswith("ckan.lib.search"))]
    assert problems == []
    assert any("no Solr schema to check" in record.getMessage()
               for record in caplog.records)


def test_reloading_the_plugins_logs_no_solr_error(caplog: pytest.LogCaptureFixture) -> None:
    # The jobs worker reloads the environment for every job: CKAN unloads
    # every plugin, then checks the Solr schema before loading them again.
    caplog.clear()
    with caplog.at_level(logging.INFO):
        plugins.load_all()
    problems = [record.getMessage() for record in caplog.records
                if record.levelno >= logging.WARNING
                and ("solr" in record.getMessage().lower()
                     or record.name.startswith("ckan.lib.search"))]
    assert problems == []
    assert plugins.plugin_loaded("issy_search")
