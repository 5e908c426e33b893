"""The detector of the page crawl (tests/support/page_language.py): what it
reports on a French page and on an English page, and what it leaves alone."""
from __future__ import annotations

import pytest

from tests.support.page_language import LanguageChecker, Message, site_messages, visible_strings

MESSAGES = [
    # As in the catalogues: untranslated (""), translated, identical in French.
    Message("Skip to main content", ""),
    Message("Harvest Sources", "Sources de moissonnage"),
    Message("Format", "Format"),
    Message("Search the data", "Rechercher dans les données"),
    Message("Navigate to dataset: {title}", "Aller au jeu de données\u00a0: {title}"),
    Message("{num} Member", "{num} membre"),
    Message("{num} Members", "{num} membres"),
    Message("No {object_type}", "Aucun {object_type}"),
    Message('(using the <a href="%(url)s">ckanapi</a> client library)',
            '(avec la bibliothèque cliente <a href="%(url)s">ckanapi</a>)'),
    Message("Licence", "Licence"),
    Message("License", "Licence"),
]


@pytest.fixture(scope="module")
def checker() -> LanguageChecker:
    return LanguageChecker(MESSAGES)


def _page(body: str, language: str = "fr") -> str:
    return f'<!DOCTYPE html><html lang="{language}"><head><title>Portail</title></head><body>{body}</body></html>'


def _found(checker: LanguageChecker, body: str, language: str = "fr",
           data: frozenset[str] = frozenset()) -> list[tuple[str, tuple[str, ...]]]:
    return [(item.text, item.msgids) for item in checker.check("/page", _page(body, language), language, data)]


@pytest.mark.parametrize("body", [
    "<a href='#content'>Skip to main content</a>",
    "<a href='#content'>\n   Skip   to main\n content </a>",
    "<p>Accueil <strong>Skip to main content</strong></p>",
    "<a aria-label='Skip to main content' href='#'>→</a>",
    "<img src='/logo.png' alt='Skip to main content'>",
    "<input type='search' placeholder='Skip to main content'>",
    "<input type='submit' value='Skip to main content'>",
    "<span title='Skip to main content'>⌂</span>",
])
def test_an_untranslated_msgid_on_a_french_page_is_reported(checker: LanguageChecker, body: str) -> None:
    assert _found(checker, body) == [("Skip to main content", ("Skip to main content",))]


def test_a_translated_msgid_shown_in_english_is_reported(checker: LanguageChecker) -> None:
    assert _found(checker, "<h1>Harvest Sources</h1><h2>Sources de moissonnage</h2>") == [
        ("Harvest Sources", ("Harvest Sources",))]


def test_placeholders_match_any_text_and_counts_match_numbers(checker: LanguageChecker) -> None:
    body = ("<a aria-label='Navigate to dataset: Budget primitif 2024' href='#'>Budget</a>"
            "<span>3 Members</span><span>Follow Members</span>")
    assert _found(checker, body) == [
        ("Navigate to dataset: Budget primitif 2024", ("Navigate to dataset: {title}",)),
        ("3 Members", ("{num} Members",)),
    ]


def test_a_msgid_with_markup_matches_the_text_of_its_element(checker: LanguageChecker) -> None:
    body = "<p>(using the <a href='https://github.com/ckan/ckanapi'>ckanapi</a> client library)</p>"
    assert [text for text, _ in _found(checker, body)] == ["(using the ckanapi client library)"]


@pytest.mark.parametrize("body", [
    # Only whole strings count, and a msgid with placeholders needs two words
    # of its own ("No {object_type}" would match any text starting with "No").
    "<p>Skip to main content, then read on</p>",
    "<p>No activity found.</p>",
    # The same in both languages, or French already.
    "<th>Format</th><th>Licence</th>",
    "<h1>Sources de moissonnage</h1>",
    # Not shown, or meant to be in another language.
    "<script>var label = 'Skip to main content';</script><style>/* Harvest Sources */</style>",
    "<!-- Skip to main content -->",
    "<a href='/en/' lang='en' hreflang='en'>Harvest Sources</a>",
    # Attributes nobody reads.
    "<div class='Skip to main content' data-label='Harvest Sources'></div>",
    "<input type='text' name='q' value='Skip to main content'>",
])
def test_what_a_french_page_may_show(checker: LanguageChecker, body: str) -> None:
    assert _found(checker, body) == []


def test_data_are_not_interface(checker: LanguageChecker) -> None:
    body = "<h1>Harvest Sources</h1><div class='error'>Harvest Sources <span>(ligne 2)</span></div>"
    assert _found(checker, body, data=frozenset({"Harvest Sources"})) == []


def test_french_on_an_english_page_is_reported(checker: LanguageChecker) -> None:
    body = ("<h1>Sources de moissonnage</h1><p>3 membres</p>"
            "<a aria-label='Aller au jeu de données\u00a0: Budget' href='#'>Budget</a>")
    assert _found(checker, body, "en") == [
        ("Sources de moissonnage", ("Harvest Sources",)),
        ("3 membres", ("{num} Members",)),
        ("Aller au jeu de données : Budget", ("Navigate to dataset: {title}",)),
    ]


@pytest.mark.parametrize("body", [
    "<h1>Harvest Sources</h1>",
    # French, but also an English msgid (British spelling).
    "<th>Licence</th>",
    "<a href='/' lang='fr' hreflang='fr'>Sources de moissonnage</a>",
])
def test_what_an_english_page_may_show(checker: LanguageChecker, body: str) -> None:
    assert _found(checker, body, "en") == []


def test_visible_strings_keep_the_text_after_a_comment() -> None:
    body = _page("<p>Bonjour<!-- note --> à tous</p>")
    assert "Bonjour à tous" in list(visible_strings(body, "fr"))


def test_the_site_catalogues_let_ours_win() -> None:
    """CKAN leaves "Skip to main content" untranslated and ckanext-harvest
    ships no French: the extension's catalogue supplies both."""
    checker = LanguageChecker(site_messages())
    body = "<a href='#content'>Aller au contenu principal</a><h1>Sources de moissonnage</h1>"
    assert checker.check("/", _page(body), "fr") == []
    assert [item.text for item in checker.check("/", _page("<h1>Harvest Sources</h1>"), "fr")] == [
        "Harvest Sources"]
