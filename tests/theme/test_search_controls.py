"""The search page's controls that only a large catalogue brings out have a
name in the page's language: a facet's "show more" and "only the most
frequent" links (more keywords than a facet lists), the sort control and
its button, the link removing an applied filter (issue #30)."""
from __future__ import annotations

from typing import Any

import ckan
import pytest

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
NAMES = {
    "fr": {"more": "Afficher plus de mots-clés", "fewer": "Afficher seulement les mots-clés les plus fréquents",
           "sort": '<label for="field-order-by">Trier par</label>', "go": ">Valider</button>",
           "remove": 'aria-label="Retirer le filtre appliqué\u00a0: été-1"'},
    "en": {"more": "Show more keywords", "fewer": "Show only the most frequent keywords",
           "sort": '<label for="field-order-by">Order by</label>', "go": ">Go</button>",
           "remove": 'aria-label="Remove applied filter: été-1"'},
}
REMOVE = {"fr": "Retirer", "en": "Remove"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_facet_links_and_sort_control_are_named_in_the_page_language(app: Any, paged: dict[str, Any],
                                                                     lang: str) -> None:
    names, prefix = NAMES[lang], "" if lang == "fr" else "/en"
    first = app.get(prefix + "/dataset/", status=200).body
    every_keyword = app.get(prefix + "/dataset/?_tags_limit=0", status=200).body

    assert f'class="read-more">{names["more"]}</a>' in first
    assert f'class="read-more">{names["fewer"]}</a>' in every_keyword
    assert names["sort"] in first and names["go"] in first


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_link_removing_a_filter_is_named_in_the_page_language(app: Any, paged: dict[str, Any],
                                                                  lang: str) -> None:
    prefix = "" if lang == "fr" else "/en"
    body = app.get(prefix + "/dataset/?tags=%C3%A9t%C3%A9-1", status=200).body
    # CKAN 2.12 names it with aria-label; 2.11 with a title.
    named = NAMES[lang]["remove"] if ckan.__version__ >= "2.12" else f'class="remove" title="{REMOVE[lang]}"'
    assert named in body
