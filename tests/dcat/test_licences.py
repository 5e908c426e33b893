"""The portal's licence list: data.gouv.fr's ids and URLs, the Licence
Ouverte 2.0 proposed for new datasets, titles in the page's language."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.issy.harvesters.core import licences as harvested_licences
from tests.theme.conftest import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

ANOTHER_LIST = (Path(__file__).parent / "fixtures" / "another-licence-list.json").as_uri()
DATA_GOUV_FR_IDS = ["lov2", "fr-lo", "odc-odbl", "odc-by", "odc-pddl", "cc-by", "cc-by-sa", "cc-zero",
                    "other-at", "other-open", "other-pd", "other-closed", "notspecified"]


def test_the_licences_are_data_gouv_fr_s_with_the_urls_it_recognises() -> None:
    licences = {licence["id"]: licence for licence in call_action("license_list")}

    assert list(licences) == DATA_GOUV_FR_IDS
    assert licences["lov2"]["title"] == "Licence Ouverte / Open Licence version 2.0"
    assert licences["lov2"]["url"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
    assert licences["odc-odbl"]["url"] == "http://opendatacommons.org/licenses/odbl/summary/"
    assert licences["odc-by"]["url"] == "http://opendatacommons.org/licenses/by/summary/"
    assert licences["odc-pddl"]["url"] == "http://opendatacommons.org/licenses/pddl/summary/"
    assert licences["lov2"]["od_conformance"] == "approved" and licences["notspecified"]["is_generic"]


def test_every_id_the_harvesters_give_is_in_the_list() -> None:
    ids = {licence["id"] for licence in call_action("license_list")}
    texts = ["Licence Ouverte v2.0 (Etalab)", "Licence Ouverte (Etalab)", "Open Database License (ODbL)",
             "ODC-BY", "PDDL", "CC BY 4.0", "CC BY-SA", "CC0", "CC BY-NC", "Domaine public", "Autre (attribution)",
             "Autre (ouverte)", "Texte inconnu"]

    assert {harvested_licences.licence_id(text) for text in texts} <= ids


@pytest.mark.ckan_config("licenses_group_url", ANOTHER_LIST)
def test_a_site_s_own_list_is_kept() -> None:
    assert [licence["id"] for licence in call_action("license_list")] == ["licence-ville"]


@pytest.mark.parametrize("language, not_specified", [("", "Licence non spécifiée"),
                                                     ("/en", "License not specified")])
def test_the_form_proposes_the_licence_ouverte_2_with_titles_in_the_page_s_language(
        app: Any, language: str, not_specified: str) -> None:
    editor = factories.SysadminWithToken()
    factories.Organization(title="Ville d'Issy-les-Moulineaux", user=editor)

    form = app.get(f"{language}/dataset/new", headers=as_user(editor), status=200).body

    assert '<option value="lov2" selected>Licence Ouverte / Open Licence version 2.0</option>' in form
    assert f'<option value="notspecified">{not_specified}</option>' in form


@pytest.mark.parametrize("language, not_specified, other_language", [
    ("", "Licence non spécifiée", "License not specified"),
    ("/en", "License not specified", "Licence non spécifiée"),
])
def test_dataset_pages_show_the_licence_in_the_page_s_language(app: Any, language: str, not_specified: str,
                                                               other_language: str) -> None:
    organization = factories.Organization()
    factories.Dataset(name="budget-2024", owner_org=organization["id"], license_id="lov2")
    factories.Dataset(name="archives", owner_org=organization["id"], license_id="notspecified")

    budget = app.get(f"{language}/dataset/budget-2024", status=200).body
    # What the page shows: the schema.org JSON-LD of structured_data is data.
    archives = re.sub(r"<script.*?</script>", "", app.get(f"{language}/dataset/archives", status=200).body, flags=re.S)

    assert ('<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence" rel="license">'
            "Licence Ouverte / Open Licence version 2.0</a>") in budget
    assert not_specified in archives and other_language not in archives
    facets = app.get(f"{language}/dataset/", status=200).body
    assert f'<span class="item-label">{not_specified}</span>' in facets
