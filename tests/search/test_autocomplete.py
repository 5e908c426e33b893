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
