"""Error pages are the city's, in the page's language (theme/errors.py,
error_document_template.html): a title and an explanation of their own
instead of werkzeug's English, a view's own message kept, and a way back
(the search of the data, the four sections)."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from ckanext.issy.theme import errors

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
WERKZEUG_ENGLISH = ("Not Found", "Forbidden", "The requested URL was not found", "Internal Server Error",
                    "You don't have the permission")
SECTIONS_FR = ("Données", "Visualisations", "Créer", "À propos")


def _text(body: str) -> str:
    """The page's visible text of its main content (no tags, entities decoded)."""
    main = body[body.index('id="error-content"'):]
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def _url(path: str, lang: str) -> str:
    return path if lang == "fr" else "/en" + path


@pytest.mark.parametrize(("lang", "title", "explanation"), [
    ("fr", "Page introuvable", "La page demandée n’existe pas, ou plus."),
    ("en", "Page not found", "The page you asked for does not exist, or no longer exists."),
])
def test_the_404_page_speaks_the_page_s_language_and_offers_a_way_back(
        app: Any, lang: str, title: str, explanation: str) -> None:
    body = app.get(_url("/pas-de-page-ici", lang), status=404).body
    text = _text(body)

    assert f"<h1>{title}</h1>" in body
    assert explanation in text
    assert f"<title>{title}" in body
    assert not [words for words in WERKZEUG_ENGLISH if words in body]
    # A way back: the search of the data and the sections.
    assert re.search(r'<form class="issy-error-search mb-4" action="(/en)?/dataset/" method="get" role="search">', body)
    assert '<label for="field-error-search">' in body
    if lang == "fr":
        assert all(section in text for section in SECTIONS_FR)


def test_a_view_s_own_message_is_kept_in_french(app: Any) -> None:
    body = app.get("/dataset/pas-de-tel-jeu", status=404).body

    assert "<h1>Page introuvable</h1>" in body
    assert "Jeu de données introuvable, ou vous n’avez pas le droit de le voir" in _text(body)
    assert "Dataset not found" not in body and "Page introuvable" in _text(body)


@pytest.mark.parametrize(("lang", "title", "english", "sign_in"), [
    ("fr", "Accès refusé", False, "Il faut peut-être vous connecter pour voir cette page. Connexion"),
    ("en", "Access denied", True, "You might need to log in to see this page. Log in"),
])
def test_the_403_page_speaks_the_page_s_language(app: Any, lang: str, title: str, english: bool,
                                                 sign_in: str) -> None:
    body = app.get(_url("/ckan-admin/", lang), status=403).body
    text = _text(body)

    assert f"<h1>{title}</h1>" in body
    assert not [words for words in WERKZEUG_ENGLISH if words in body]
    assert ("Need to be system administrator" in text) is english  # CKAN's message, translated
    assert sign_in in " ".join(text.split())  # an anonymous visitor may log in, as the header says


@pytest.mark.parametrize(("lang", "message"), [
    ("fr", "Le paramètre «\u00a0page\u00a0» doit être un nombre entier à partir de 1."),
    ("en", 'The "page" parameter must be a whole number from 1.'),
])
def test_a_page_number_that_is_no_number_is_explained_in_the_page_s_language(
        app: Any, lang: str, message: str) -> None:
    # CKAN writes this refusal in English, outside gettext (h.get_page_number).
    for query in ("?page=abc", "?page=-1"):
        text = _text(app.get(_url("/dataset/" + query, lang), status=400).body)
        assert message in text
        assert "parameter must be a positive integer" not in text


def test_an_unexpected_error_has_a_page_of_its_own(app: Any, test_request_context: Any) -> None:
    # CKAN passes [500] and "Internal server error" for an exception that is no HTTP error.
    with test_request_context("/"):
        page = errors.issy_error_page([500], "Internal server error")
    assert page.code == 500
    assert page.title == "Une erreur est survenue"
    assert page.message.startswith("Une erreur s’est produite de notre côté.")
