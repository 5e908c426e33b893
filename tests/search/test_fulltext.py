"""Free text in French: accents, case and plurals ignored, English words
still found, phrases, prefixes, fields and boolean operators."""
from __future__ import annotations

from typing import Any

import pytest

from tests.search.support import names, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

ELECTIONS = {"elections-municipales-2020", "resultats-europeennes-2024"}
BUDGETS = {"budget-primitif-2024", "comptes-administratifs"}


def found_by(q: str, **params: Any) -> set[str]:
    return set(names(search(q=q, rows=100, **params)))


def test_accents_case_and_plurals_are_ignored(french_catalogue: Any) -> None:
    for q in ("élections", "elections", "ÉLECTIONS", "election", "Élection"):
        assert found_by(q) == ELECTIONS, q
    # "budgets" (in a description) and "budget" (in a title) are one word.
    for q in ("budget", "budgets", "BUDGETS"):
        assert found_by(q) == BUDGETS, q
    assert found_by("résultat") == ELECTIONS
    assert found_by("parking") == {"stationnement-temps-reel"}


def test_english_words_are_found(french_catalogue: Any) -> None:
    assert found_by("sensors") == {"air-quality-sensors"}
    assert found_by("air quality") == {"air-quality-sensors"}
    assert found_by("measurements") == {"air-quality-sensors"}


def test_a_quoted_phrase_keeps_its_word_order(french_catalogue: Any) -> None:
    assert found_by('"premier tour"') == {"elections-municipales-2020"}
    assert found_by('"tour premier"') == set()
    # Accents, plurals and stop words inside a phrase are forgiven.
    assert found_by('"place disponible"') == {"stationnement-temps-reel"}
    assert found_by('"bureau de vote"') == ELECTIONS


def test_prefix_wildcards_match_the_start_of_words(french_catalogue: Any) -> None:
    assert found_by("budg*") == BUDGETS
    # Longer than the stem ("elect"): matched on whole words.
    assert found_by("électio*") == ELECTIONS
    assert found_by("STATION*") == {"stationnement-temps-reel"}
    # Other patterns are matched within the text.
    assert found_by("sta?ionnement") == {"stationnement-temps-reel"}


def test_field_value_searches_one_field(french_catalogue: Any) -> None:
    assert found_by("title:élection") == ELECTIONS
    assert found_by("title:budgets") == {"budget-primitif-2024"}
    assert found_by("notes:budgets") == BUDGETS
    assert found_by('notes:"bureau de vote"') == ELECTIONS
    assert found_by("res_name:gare") == {"stationnement-temps-reel"}
    assert found_by("title:budg*") == {"budget-primitif-2024"}


def test_boolean_operators_and_parentheses(french_catalogue: Any) -> None:
    assert found_by("budget AND 2024") == {"budget-primitif-2024"}
    assert found_by("élections OR stationnement") == ELECTIONS | {
        "stationnement-temps-reel"}
    assert found_by("élections NOT européennes") == {"elections-municipales-2020"}
    assert found_by("+élections -2020") == {"resultats-europeennes-2024"}
    assert found_by("(budget OR élections) AND 2024") == {
        "budget-primitif-2024", "resultats-europeennes-2024"}
    assert found_by("bureau AND (municipales OR européennes)") == ELECTIONS
    # Stemming: "voté par le conseil municipal" is a vote and municipal.
    assert "budget-primitif-2024" in found_by("vote AND municipales")
    assert found_by("*:*") == BUDGETS | ELECTIONS | {
        "stationnement-temps-reel", "air-quality-sensors"}


def test_a_stop_word_alone_is_searched_as_a_word(french_catalogue: Any) -> None:
    assert found_by("des") == {"resultats-europeennes-2024"}
