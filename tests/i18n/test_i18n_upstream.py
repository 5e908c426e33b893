"""Strings of CKAN and ckanext-harvest get their French from the extension's
catalogue (ckanext/issy/upstream_msgids.py): CKAN merges it over its own,
and ckanext-harvest is translated in full."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import ckanext.harvest
import pytest
from babel.messages.extract import extract_from_dir

from ckanext.issy import upstream_msgids
from devstack import i18n
from tests.support.page_language import LanguageChecker, site_messages

HARVEST_DIR = Path(ckanext.harvest.__file__).parent
# `_(h['title'])` in ckanext-harvest's helpers.py: Babel extracts the key.
NOT_MESSAGES = {"title"}


def _forms(messages: Any) -> set[str]:
    """Singular and plural forms of msgids (a tuple for a plural)."""
    forms: set[str] = set()
    for message in messages:
        forms.update(message if isinstance(message, tuple) else (message,))
    return forms


def harvest_msgids() -> set[str]:
    """The msgids of the installed ckanext-harvest, extracted as `make i18n`
    extracts ours (its .pot is not kept up to date)."""
    method_map = [("**/tests/**", "ignore"), *i18n.METHOD_MAP]
    extracted = extract_from_dir(HARVEST_DIR, method_map, {}, i18n.KEYWORDS, [])
    return _forms(message for _file, _line, message, _comments, _context in extracted) - NOT_MESSAGES


def test_every_msgid_of_ckanext_harvest_has_french() -> None:
    checker = LanguageChecker(site_messages())

    assert sorted(m for m in harvest_msgids() if not checker.french(m)) == []


def test_the_harvest_list_names_only_msgids_of_ckanext_harvest() -> None:
    assert _forms(upstream_msgids.HARVEST) - harvest_msgids() == set()


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.parametrize("url, shown, not_shown", [
    ("/harvest/", ("Aller au contenu principal", "Sources de moissonnage"),
     ("Skip to main content", "Harvest Sources")),
    ("/en/harvest/", ("Skip to main content", "Harvest Sources"),
     ("Aller au contenu principal", "Sources de moissonnage")),
])
def test_ckan_and_harvest_strings_speak_the_page_language(
        app: Any, url: str, shown: tuple[str, ...], not_shown: tuple[str, ...]) -> None:
    body = app.get(url, status=200).body

    assert [text for text in shown if text not in body] == []
    assert [text for text in not_shown if text in body] == []
