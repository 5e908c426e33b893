"""Suggestions as you type (package_autocomplete, used by the home page's
search bar): word prefixes of titles and names, accents and case ignored,
titles starting with the prefix first."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.search.support import act, dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def suggested(q: str, **params: Any) -> list[str]:
    return [match["title"] for match in act("package_autocomplete", q=q, **params)]


def test_word_prefixes_of_titles_accents_and_case_ignored(french_catalogue: Any) -> None:
    expected = ["Élections municipales 2020 — résultats par bureau",
                "Résultats des élections européennes 2024"]
    for q in ("elec", "élec", "ELEC", "Élections"):
        assert suggested(q) == expected, q
    assert suggested("prim") == ["Budget primitif 2024"]
    assert suggested("temps r") == [
        "Stationnement : places disponibles en temps réel"]
    assert suggested("xyz") == []


def test_titles_starting_with_the_prefix_come_first(french_catalogue: Any) -> None:
    assert suggested("résultats") == [
        "Résultats des élections européennes 2024",
        "Élections municipales 2020 — résultats par bureau"]


def test_names_are_suggested_too(french_catalogue: Any) -> None:
    [match] = act("package_autocomplete", q="europeennes")
    assert match["name"] == "resultats-europeennes-2024"
    [match] = act("package_autocomplete", q="comptes-admin")
    assert match["match_field"] == "name"


def test_limit_and_private_datasets(french_catalogue: Any, issy: dict[str, Any]) -> None:
    dataset("elections-internes", "Élections internes", issy, private=True)
    assert len(suggested("elec", limit=1)) == 1
    visitor = factories.User()
    titles = [match["title"] for match in call_action(
        "package_autocomplete", q="elec",
        context={"user": visitor["name"], "ignore_auth": False})]
    assert "Élections internes" not in titles
    assert "Élections internes" in suggested("elec")


def test_the_json_endpoint_of_the_search_bar(app: Any, french_catalogue: Any) -> None:
    response = app.get("/api/3/action/package_autocomplete",
                       query_string={"q": "stat", "limit": 8})
    assert response.status_code == 200
    assert [m["name"] for m in response.json["result"]] == [
        "stationnement-temps-reel"]


def test_inside_words_from_three_letters_accents_and_case_ignored(issy: dict[str, Any]) -> None:
    """As CKAN's n-gram fields: its own test finds "Some public stuff"
    with "bli"."""
    dataset("some-public-stuff", "Some public stuff", issy)
    dataset("some-random-stuff", "Some random stuff", issy)
    dataset("budget-publie-2024", "Budget publié 2024", issy)
    for q in ("bli", "ubli", "UBLI"):
        assert sorted(suggested(q)) == ["Budget publié 2024", "Some public stuff"], q
    for q in ("ublié", "UBLIÉ", "ublie"):
        assert suggested(q) == ["Budget publié 2024"], q
    assert suggested("udget pub") == ["Budget publié 2024"]
    # Two letters only start words.
    assert suggested("bl") == []
    assert suggested("ub") == []


def test_inside_names_too(issy: dict[str, Any]) -> None:
    dataset("comptes-administratifs-2023", "CA 2023", issy)
    [match] = act("package_autocomplete", q="administratifs-20")
    assert match["match_field"] == "name"


def test_word_starts_come_before_matches_inside_words(issy: dict[str, Any]) -> None:
    # Created from the best match to the weakest: recency alone would
    # invert the order.
    dataset("mentions-legales", "Mentions légales du portail", issy)
    dataset("tarifs-mentions", "Tarifs : mentions obligatoires", issy)
    dataset("stationnement-payant", "Stationnement payant", issy)
    for q in ("ment", "MENT"):
        assert suggested(q) == ["Mentions légales du portail",
                                "Tarifs : mentions obligatoires",
                                "Stationnement payant"], q
