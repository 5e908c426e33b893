"""Licence ids of data.gouv.fr from the free text portals write."""
from __future__ import annotations

import pytest

from ckanext.issy.harvesters.core.licences import licence_id


@pytest.mark.parametrize("text, expected", [
    ("Licence Ouverte v2.0 (Etalab)", "lov2"),
    ("Licence Ouverte / Open Licence version 2.0", "lov2"),
    ("licence ouverte 2.0", "lov2"),
    ("etalab-2.0", "lov2"),
    ("Licence Ouverte (Etalab)", "fr-lo"),
    ("Licence Ouverte v1.0", "fr-lo"),
    ("Licence Ouverte / Open Licence", "fr-lo"),
    ("Open Database License (ODbL)", "odc-odbl"),
    ("ODbL", "odc-odbl"),
    ("Open Data Commons Open Database License (ODbL) 1.0", "odc-odbl"),
    ("Open Data Commons Attribution License", "odc-by"),
    ("Open Data Commons Public Domain Dedication and License (PDDL)", "odc-pddl"),
    ("CC BY 4.0", "cc-by"),
    ("Creative Commons Attribution", "cc-by"),
    ("Attribution 4.0 International (CC BY 4.0)", "cc-by"),
    ("CC BY-SA 4.0", "cc-by-sa"),
    ("Creative Commons Attribution - Partage dans les Mêmes Conditions", "cc-by-sa"),
    ("CC0 1.0 Universel", "cc-zero"),
    ("Public Domain", "other-pd"),
    ("Domaine public", "other-pd"),
    ("CC BY-NC 4.0", "other-closed"),
    ("Creative Commons Attribution - Pas d’Utilisation Commerciale", "other-closed"),
    ("Tous droits réservés", "other-closed"),
    ("Open Government Licence v3.0", "other-at"),
    ("Autre (Ouverte)", "other-open"),
])
def test_the_spellings_of_opendatasoft_portals_get_their_data_gouv_id(text: str, expected: str) -> None:
    assert licence_id(text) == expected


@pytest.mark.parametrize("text", ["LICENCE OUVERTE V2.0 (ÉTALAB)", "licence  ouverte – v2.0 (etalab)",
                                  "Licence ouverte v2.0 (Étalab) "])
def test_case_accents_spaces_and_punctuation_do_not_matter(text: str) -> None:
    assert licence_id(text) == "lov2"


@pytest.mark.parametrize("text", [None, "", "Licence de la ville", "Licence non spécifiée"])
def test_an_unknown_or_missing_licence_is_not_specified_rather_than_assumed_open(text: str | None) -> None:
    assert licence_id(text) == "notspecified"


@pytest.mark.parametrize("url, expected", [
    ("https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf", "lov2"),
    ("https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", "fr-lo"),
    ("http://opendatacommons.org/licenses/odbl/summary/", "odc-odbl"),
    ("https://creativecommons.org/licenses/by/4.0/", "cc-by"),
    ("https://creativecommons.org/licenses/by-sa/4.0/deed.fr", "cc-by-sa"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
])
def test_the_licence_url_decides_when_the_text_says_nothing_known(url: str, expected: str) -> None:
    assert licence_id("Licence de la ville", url) == expected


def test_the_text_comes_before_the_url_which_may_serve_several_versions() -> None:
    assert licence_id("Licence Ouverte (Etalab)", "https://www.etalab.gouv.fr/licence-ouverte-open-licence") == "fr-lo"
