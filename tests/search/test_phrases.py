"""Phrases and proximity searches match inside one field value, never from
one field or value into the next, as Solr keeps a position gap between
them; long texts keep their words and their phrases."""
from __future__ import annotations

from typing import Any

import pytest

from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.query import LuceneCompiler
from tests.search.support import dataset, names, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def values(issy: dict[str, Any]) -> None:
    """Words that follow each other only from one value to the next."""
    dataset("resultats-europeennes-2024", "Résultats des ÉLECTIONS européennes 2024", issy,
            notes="Scores des listes dans chaque bureau de vote.")
    dataset("government-expenditure", "Government Expenditure", issy)
    dataset("government-extra-expenditure", "Government Extra Expenditure", issy)
    dataset("places-de-parking", "Places de parking", issy,
            tags=[{"name": "stationnement"}, {"name": "payant"}],
            resources=[{"url": "https://data.issy.com/zones.csv", "name": "Zones bleues"},
                       {"url": "https://data.issy.com/tarifs.csv", "name": "Tarifs 2024"}],
            extras=[{"key": "theme", "value": "Mobilité"},
                    {"key": "usage", "value": "douce et partagée"}])
    dataset("velos-en-libre-service", "Vélos en libre service", issy,
            tags=[{"name": "stationnement payant"}],
            resources=[{"url": "https://data.issy.com/stations.csv",
                        "name": "Stations bleues tarifs réduits"}],
            extras=[{"key": "theme", "value": "Mobilité douce"}])


def found_by(q: str) -> set[str]:
    return set(names(search(q=q, rows=100)))


def test_a_phrase_never_runs_from_one_field_into_the_next(values: None) -> None:
    # The title ends with 2024, the notes start with "Scores".
    assert found_by('"2024 résultats"') == set()
    assert found_by('"2024 scores"') == set()
    assert found_by('"élections européennes 2024"') == {"resultats-europeennes-2024"}
    # CKAN's own test_quotation.
    assert found_by('"Government Expenditure"') == {"government-expenditure"}
    assert found_by('"Expenditure Government"') == set()


@pytest.mark.parametrize("phrase, across, inside", [
    ('"stationnement payant"', "places-de-parking", "velos-en-libre-service"),
    ('"bleues tarifs"', "places-de-parking", "velos-en-libre-service"),
    ('res_name:"bleues tarifs"', "places-de-parking", "velos-en-libre-service"),
    ('"mobilité douce"', "places-de-parking", "velos-en-libre-service"),
    ('extras_theme:"mobilité douce"', "places-de-parking", "velos-en-libre-service"),
])
def test_a_phrase_never_runs_from_one_value_into_the_next(
        values: None, phrase: str, across: str, inside: str) -> None:
    """Two tags, two resource names, two extras of one dataset: the phrase
    is found in the other dataset, which holds it in one value."""
    assert found_by(phrase) == {inside}, across


def test_proximity_allows_words_between_and_reversed_within_the_distance(values: None) -> None:
    # "élections européennes 2024": one word between.
    assert found_by('"élections 2024"') == set()
    assert found_by('"élections 2024"~1') == {"resultats-europeennes-2024"}
    # Reversed order costs two, as in Lucene.
    assert found_by('"2024 européennes"~1') == set()
    assert found_by('"2024 européennes"~2') == {"resultats-europeennes-2024"}
    assert found_by('"Government Expenditure"~1') == {
        "government-expenditure", "government-extra-expenditure"}
    assert found_by('"Expenditure Government"~2') == {"government-expenditure"}
    assert found_by('title:"bureau vote"~3') == set()
    assert found_by('notes:"bureau vote"~3') == {"resultats-europeennes-2024"}


def test_proximity_never_runs_from_one_field_or_value_into_the_next(values: None) -> None:
    assert found_by('"2024 scores"~10') == set()
    assert found_by('"payant stationnement"~10') == {"velos-en-libre-service"}
    assert found_by('"bleues tarifs"~10') == {"velos-en-libre-service"}
    assert found_by('"douce mobilité"~10') == {"velos-en-libre-service"}


def test_a_proximity_too_broad_is_refused(app: Any, values: None) -> None:
    with pytest.raises(InvalidQuery, match="~11"):
        LuceneCompiler().compile('"élections 2024"~11')
    with pytest.raises(InvalidQuery, match="~3"):
        LuceneCompiler().compile('"scores des listes dans chaque"~3')
    response = app.get("/api/3/action/package_search",
                       query_string={"q": '"élections 2024"~99999999999999999999'})
    assert response.status_code == 400


def long_notes(count: int) -> str:
    """``count`` distinct words, about 1.4 positions each (a hyphenated
    word takes three)."""
    words = ("quartier", "Corentin-Celton", "habitants", "recensement", "logements")
    return " ".join(words[i % len(words)] + str(i) for i in range(count))


def test_long_texts_keep_their_words_and_phrases_inside_fields(issy: dict[str, Any]) -> None:
    """Notes of 9,000 words: with the whole-word copy of every word, more
    than PostgreSQL's 16,383 positions."""
    dataset("recensement-detaille", "Recensement détaillé", issy,
            notes=long_notes(9_000) + " fin du recensement",
            resources=[{"url": "https://data.issy.com/iris.csv", "name": "Zones bleues"}])
    assert found_by('"fin du recensement"') == {"recensement-detaille"}
    assert found_by('"zones bleues"') == {"recensement-detaille"}
    assert found_by('"détaillé quartier0"') == set()
    # A stop word alone is searched in the whole-word copy, past the limit.
    assert found_by("du") == {"recensement-detaille"}
    assert found_by("logements8999") == {"recensement-detaille"}


def test_a_value_longer_than_the_positions_keeps_its_words(issy: dict[str, Any]) -> None:
    """Its words share PostgreSQL's last position, apart from the others:
    found as words, and the phrases of the other fields still are."""
    dataset("recensement-complet", "Recensement complet", issy,
            notes=long_notes(12_000),
            resources=[{"url": "https://data.issy.com/iris.csv", "name": "Zones vertes"}])
    assert found_by("logements11999 quartier0") == {"recensement-complet"}
    assert found_by('"zones vertes"') == {"recensement-complet"}
    assert found_by('"complet quartier0"~10') == set()
