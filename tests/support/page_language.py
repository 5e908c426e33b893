"""Finds interface strings that a page shows in its other language.

A French page must not show an English msgid of CKAN, ckanext-harvest or
ckanext-issy that French translates differently (or not at all); an English
page must not show the French translation of a msgid. The catalogues are
those the site merges (CKAN's own French, ckanext-harvest's none,
ckanext-issy's last, so its French wins). Strings are compared whole
(whitespace-normalised text nodes and element texts, user-facing attributes),
never as substrings; a msgid with placeholders matches any text it can
produce. Used by tests/i18n/test_i18n_pages.py; see docs/translations.md.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckan
import ckanext.dcat
import ckanext.harvest
import lxml.html
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ckanext.issy import I18N_DIR, I18N_DOMAIN
from devstack.i18n import INVISIBLE_ELEMENTS, user_facing_attributes

CKAN_FRENCH = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
HARVEST_TEMPLATE = Path(ckanext.harvest.__file__).parent / "i18n" / "ckanext-harvest.pot"
DCAT_TEMPLATE = Path(ckanext.dcat.__file__).parent / "i18n" / "ckanext-dcat.pot"
ISSY_FRENCH = I18N_DIR / "fr" / "LC_MESSAGES" / f"{I18N_DOMAIN}.po"

PLACEHOLDER = re.compile(r"%\([^)]*\)[sdifr]|%[sdifr]|\{[^{}]*\}")
# Placeholders of counts stand for a (localised) number, any other for any text.
NUMBER_PLACEHOLDER = re.compile(r"%\((?:count|num|number|n)\)[sd]|%d|\{(?:count|num|number|n)\}")
NUMBER = r"\d[\d\s.,]*"
ANY_TEXT = ".+?"
WORD = re.compile(r"[^\W\d_]{2,}")
TAG = re.compile(r"<[^<>]+>")
# A message with markup (``<a>``, ``<strong>``...) fills one element whose
# content is phrasing only: the whole text of such an element is compared too.
PHRASING = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
    "u", "var", "wbr",
})


def normalise(text: str) -> str:
    """Whitespace collapsed; non-breaking spaces count as spaces."""
    return " ".join(text.split())


def _displayed(message: str) -> str:
    """A msgid or msgstr as the page shows it: markup gone, entities decoded."""
    return normalise(html.unescape(TAG.sub(" ", message)))


def _forms(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value or "",)


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


@dataclass(frozen=True)
class Message:
    """One form of a msgid and its French in one catalogue ("" when that
    catalogue leaves it untranslated)."""

    english: str
    french: str


def _messages(catalog: Catalog) -> Iterator[Message]:
    """The singular with the first French form, the plural with the last
    (CKAN's French has three forms, ours two)."""
    for m in catalog:
        if not m.id:
            continue
        english, french = _forms(m.id), _forms(m.string)
        yield Message(english[0], french[0])
        if len(english) > 1:
            yield Message(english[1], french[-1])


def site_messages() -> list[Message]:
    """Every message of the four catalogues, in the order CKAN merges them."""
    return [message for path in (DCAT_TEMPLATE, HARVEST_TEMPLATE, CKAN_FRENCH, ISSY_FRENCH)
            for message in _messages(_read(path))]


def _specific(displayed: str, parts: list[str]) -> bool:
    """Whether a msgid with placeholders says enough to be recognised: two
    words of its own, or one beside numbers only ("{num} Member"); "No
    {object_type}" would match any text that starts with "No"."""
    words = len(WORD.findall("".join(parts)))
    only_numbers = all(NUMBER_PLACEHOLDER.fullmatch(p) for p in PLACEHOLDER.findall(displayed))
    return words >= 2 or (words == 1 and only_numbers)


class _Lexicon:
    """Displayed strings of one language, matched whole, with placeholders;
    each stands for a msgid."""

    def __init__(self, strings: dict[str, str]) -> None:
        self.exact: dict[str, str] = {}
        # (longest literal part, pattern, msgid): the literal is a cheap prefilter.
        self.patterns: list[tuple[str, re.Pattern[str], str]] = []
        for string, msgid in strings.items():
            displayed = _displayed(string)
            parts = PLACEHOLDER.split(displayed)
            if len(parts) == 1:
                self.exact[displayed] = msgid
            elif _specific(displayed, parts):
                placeholders = [NUMBER if NUMBER_PLACEHOLDER.fullmatch(p) else ANY_TEXT
                                for p in PLACEHOLDER.findall(displayed)]
                regex = re.escape(parts[0]) + "".join(
                    f"(?:{p}){re.escape(part)}" for p, part in zip(placeholders, parts[1:]))
                self.patterns.append((max(parts, key=len), re.compile(regex), msgid))

    def match(self, text: str) -> tuple[str, ...]:
        """The msgids that ``text`` may show (several patterns can fit)."""
        if text in self.exact:
            return (self.exact[text],)
        return tuple(sorted({msgid for literal, pattern, msgid in self.patterns
                             if literal in text and pattern.fullmatch(text)}))


@dataclass(frozen=True)
class WrongLanguage:
    """A string that a page shows in the other language, and the msgids it
    may stand for."""

    url: str
    language: str
    text: str
    msgids: tuple[str, ...]


class LanguageChecker:
    """Tells which strings of a page are in the other language."""

    def __init__(self, messages: list[Message]) -> None:
        shown: dict[str, str] = {}  # the French that wins: the last non-empty one
        for m in messages:
            if m.french or m.english not in shown:
                shown[m.english] = m.french
        self._shown = shown
        # French pages: an English msgid whose French is missing or differs,
        # unless the text is also French (a translation of something else).
        self._english_only = _Lexicon({e: e for e, f in shown.items() if f != e})
        self._french = {_displayed(m.french) for m in messages if m.french}
        # English pages: a French translation of any catalogue that differs
        # from its msgid, unless the text is also an English msgid.
        self._french_only = _Lexicon({m.french: m.english for m in messages
                                      if m.french and m.french != m.english})
        self._english = {_displayed(m.english) for m in messages}
        self._verdicts: dict[tuple[str, str], tuple[str, ...]] = {}

    def french(self, msgid: str) -> str:
        """The French that French pages show for ``msgid`` ("" for none)."""
        return self._shown.get(msgid, "")

    def foreign(self, text: str, language: str) -> tuple[str, ...]:
        """The msgids that ``text`` shows in the other language than
        ``language`` (none when it is in the page's language)."""
        key = (text, language)
        if key not in self._verdicts:  # headers and footers repeat on every page
            if language == "fr":
                found = () if text in self._french else self._english_only.match(text)
            else:
                found = () if text in self._english else self._french_only.match(text)
            self._verdicts[key] = found
        return self._verdicts[key]

    def check(self, url: str, body: str, language: str,
              data: frozenset[str] = frozenset()) -> list[WrongLanguage]:
        """The strings of ``body`` in the other language than ``language``;
        ``data`` are the site's content (titles, notes, stored messages),
        which is not translated."""
        found: dict[str, tuple[str, ...]] = {}
        for text in visible_strings(body, language, data):
            msgids = self.foreign(text, language)
            if msgids and text not in data:
                found.setdefault(text, msgids)
        return [WrongLanguage(url, language, text, msgids) for text, msgids in found.items()]


# --- the strings a page shows ------------------------------------------------

def _other_language(node: Any, language: str) -> bool:
    lang = node.get("lang")
    return bool(lang) and lang.split("-")[0] != language


def _visible_tree(body: str, language: str, data: frozenset[str]) -> Any:
    """The page without what is never shown (scripts, styles, comments; the
    text after them stays), without parts marked as another language (a
    language link is meant to be) and without the text nodes that are data."""
    root = lxml.html.document_fromstring(body)
    hidden = [node for node in root.iterdescendants()
              if not isinstance(node.tag, str) or node.tag in INVISIBLE_ELEMENTS
              or _other_language(node, language)]
    for node in hidden:
        node.drop_tree()
    for node in root.iter():
        if normalise(node.text or "") in data:
            node.text = ""
        if normalise(node.tail or "") in data:
            node.tail = ""
    return root


def _candidates(element: Any) -> Iterator[str]:
    attributes = {name: value or "" for name, value in element.attrib.items()}
    for name in user_facing_attributes(element.tag, attributes) & attributes.keys():
        yield attributes[name]
    yield element.text or ""
    if len(element) and all(child.tag in PHRASING for child in element.iterdescendants()):
        yield "".join(element.itertext())
    for child in element:
        yield from _candidates(child)
        yield child.tail or ""


def visible_strings(body: str, language: str, data: frozenset[str] = frozenset()) -> Iterator[str]:
    """The normalised strings a visitor reads or hears on the page (text
    nodes, element texts, user-facing attributes), outside scripts, styles,
    parts marked as another language and text nodes that are ``data``."""
    for text in _candidates(_visible_tree(body, language, data)):
        text = normalise(text)
        if any(ch.isalpha() for ch in text):
            yield text
