"""Several words typed in the search bar follow CKAN's dismax request:
mm=2<-1 5<80% (up to two words all required, up to five all but one, then
80%), French stop words left out; q.op, mm, qf and defType when given."""
from __future__ import annotations

from typing import Any

import pytest

from ckanext.issy.search.dismax import min_should_match
from ckanext.issy.search.errors import InvalidQuery
from tests.search.support import dataset, names, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

CKAN_MM = "2<-1 5<80%"
SIX_WORDS = "parc jardin fontaine statue kiosque pelouse"


@pytest.fixture
def gardens(issy: dict[str, Any]) -> None:
    """Titles with four, three, two and one of SIX_WORDS."""
    dataset("jeu-4", "Parc, jardin, fontaine et statue", issy)
    dataset("jeu-3", "Jardin, kiosque et pelouse", issy)
    dataset("jeu-2", "Parc et jardin", issy)
    dataset("jeu-1", "Fontaine Wallace", issy,
            notes="Une fontaine de la place du marché.")


def found_by(q: str, **params: Any) -> set[str]:
    return set(names(search(q=q, rows=100, **params)))


def test_ckan_minimum_match_rule() -> None:
    assert [min_should_match(CKAN_MM, n) for n in range(1, 11)] == [
        1, 2, 2, 3, 4, 4, 5, 6, 7, 8]
    assert min_should_match("75%", 4) == 3
    assert min_should_match("-25%", 3) == 3
    assert min_should_match("-1", 1) == 0
    assert min_should_match("2", 1) == 1
    with pytest.raises(InvalidQuery, match="Paramètre «\u00a0mm\u00a0» invalide"):
        min_should_match("beaucoup", 3)


def test_one_word_is_required(gardens: None) -> None:
    assert found_by("jardin") == {"jeu-4", "jeu-3", "jeu-2"}


def test_two_words_are_both_required(gardens: None) -> None:
    assert found_by("parc jardin") == {"jeu-4", "jeu-2"}


def test_three_words_need_two(gardens: None) -> None:
    assert found_by("parc jardin kiosque") == {"jeu-4", "jeu-3", "jeu-2"}
    assert found_by("fontaine kiosque statue") == {"jeu-4"}


def test_six_words_need_four(gardens: None) -> None:
    assert found_by(SIX_WORDS) == {"jeu-4"}
    # The best matches come first.
    assert names(search(q="parc jardin fontaine", rows=3))[0] == "jeu-4"


def test_french_stop_words_do_not_count(gardens: None) -> None:
    # "et" left out: two words, both required (else "jardin" + "et" would
    # be enough for jeu-3).
    assert found_by("parc et jardin") == {"jeu-4", "jeu-2"}
    assert found_by("la fontaine du marché") == {"jeu-1"}


def test_required_and_excluded_words(gardens: None) -> None:
    assert found_by("jardin -kiosque") == {"jeu-4", "jeu-2"}
    assert found_by("(parc OR kiosque) pelouse") == {"jeu-3"}


def test_mm_and_qf_given_by_the_caller(gardens: None) -> None:
    assert found_by("parc kiosque", mm="1") == {"jeu-4", "jeu-3", "jeu-2"}
    assert found_by("parc kiosque pelouse", mm="100%") == set()
    assert found_by("fontaine", qf="notes") == {"jeu-1"}
    assert found_by("fontaine", qf="title^4 tags^2") == {"jeu-4", "jeu-1"}


def test_the_lucene_parser_requires_every_word(gardens: None) -> None:
    assert found_by("parc jardin kiosque", defType="lucene") == set()
    assert found_by("parc jardin", defType="lucene") == {"jeu-4", "jeu-2"}


def test_an_invalid_mm_is_a_bad_request(app: Any, gardens: None) -> None:
    response = app.get("/api/3/action/package_search",
                       query_string={"q": "parc jardin", "mm": "beaucoup"})
    assert response.status_code == 400
    assert "Paramètre « mm » invalide" in response.json["error"]["message"]
