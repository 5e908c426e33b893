"""Relevance: a word in the title ranks above the same word in tags and
groups, above the description, above resources and extras; recency breaks
ties. Without text, the order stays the one asked for."""
from __future__ import annotations

from typing import Any

import pytest

from tests.search.support import dataset, names, patch, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def heritage(issy: dict[str, Any]) -> None:
    """"patrimoine" in one place of each dataset, created from the weakest
    match to the strongest, so that recency alone would invert the order."""
    dataset("jeu-extra", "Monuments", issy,
            extras=[{"key": "theme", "value": "Patrimoine"}])
    dataset("jeu-ressource", "Bâtiments", issy,
            resources=[{"url": "https://data.issy.com/p.csv",
                        "name": "Inventaire du patrimoine"}])
    dataset("jeu-notes", "Églises", issy,
            notes="Le patrimoine religieux de la ville, église par église, "
                  "avec tout le patrimoine mobilier et le patrimoine classé.")
    dataset("jeu-tag", "Musées", issy, tags=[{"name": "patrimoine"}])
    dataset("jeu-titre", "Patrimoine municipal", issy)


def test_title_above_tags_above_notes_above_resources_and_extras(heritage: None) -> None:
    # CKAN's default sort: score desc, metadata_modified desc. The notes
    # repeat the word three times and still rank below a single tag.
    ranked = names(search(q="patrimoine"))
    assert ranked[:3] == ["jeu-titre", "jeu-tag", "jeu-notes"]
    # Resources and extras share PostgreSQL's lowest weight: the more
    # recent first.
    assert ranked[3:] == ["jeu-ressource", "jeu-extra"]
    patch("jeu-extra", notes="Monuments classés.")
    assert names(search(q="patrimoine"))[3:] == ["jeu-extra", "jeu-ressource"]


def test_the_score_is_returned_and_decreases(heritage: None) -> None:
    results = search(q="patrimoine", fl=["name", "score"])["results"]
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1] > scores[2] > scores[3]


def test_a_plural_or_accent_variant_ranks_the_same_way(heritage: None) -> None:
    assert names(search(q="PATRIMOINES"))[:3] == ["jeu-titre", "jeu-tag",
                                                  "jeu-notes"]


def test_an_explicit_sort_wins_over_relevance(heritage: None) -> None:
    assert names(search(q="patrimoine", sort="name asc")) == [
        "jeu-extra", "jeu-notes", "jeu-ressource", "jeu-tag", "jeu-titre"]


def test_without_text_the_newest_come_first(heritage: None) -> None:
    assert names(search()) == ["jeu-titre", "jeu-tag", "jeu-notes",
                               "jeu-ressource", "jeu-extra"]
    # Field values only: no relevance either.
    assert names(search(q="tags:patrimoine OR name:jeu-extra")) == [
        "jeu-tag", "jeu-extra"]
