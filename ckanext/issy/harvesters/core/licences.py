"""Licence ids of data.gouv.fr from the free text that portals write.

Opendatasoft portals (and others) describe a dataset's licence in free text,
sometimes with its URL. data.gouv.fr, and this portal, know licences by id
(``lov2``, ``odc-odbl``...). :func:`licence_id` recognises the spellings in
use, ignoring case, accents and punctuation; the caller keeps the original
text besides the id.

An unrecognised text gives ``notspecified``, never an open licence: calling
it open would publish, and let data.gouv.fr harvest, a licence nobody
checked. The original text stays with the dataset so that someone can.
"""
from __future__ import annotations

import re
import unicodedata

UNKNOWN = "notspecified"

_CC = r"(?:cc|creative ?commons)"
# Tried in order on the normalised text (lowercase ASCII words separated by
# one space): the more specific spellings first (CC BY-SA before CC BY, PDDL
# before "public domain", Licence Ouverte 2.0 before Licence Ouverte).
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((licence, re.compile(pattern)) for licence, pattern in (
    # Non-commercial or no-derivatives Creative Commons licences are not open.
    ("other-closed", rf"\b{_CC}\b.*\b(?:nc|nd|non ?commercial|no ?derivatives|pas d utilisation commerciale"
                     r"|pas de modification)\b"),
    ("other-closed", r"\b(?:tous droits reserves|all rights reserved|other not open|autre fermee)\b"),
    ("cc-zero", rf"\b(?:cc ?0|{_CC} zero|{_CC}\b.*\bzero)\b"),
    ("odc-pddl", r"\b(?:pddl|public domain dedication and licen[cs]e)\b"),
    ("other-pd", r"\b(?:public domain|domaine public|other public domain|autre domaine public)\b"),
    ("odc-odbl", r"\b(?:odbl|open database licen[cs]e)\b"),
    ("odc-by", r"\b(?:odc ?by|open ?data ?commons (?:attribution|licenses by))\b"),
    ("cc-by-sa", rf"\b{_CC}\b.*\b(?:by ?sa|share ?alike|partage dans les memes conditions)\b"),
    ("cc-by", rf"\b{_CC}\b.*\b(?:by|attribution)\b"),
    ("lov2", r"\b(?:licence ouverte|open licen[cs]e|etalab|lo)\b.*\b(?:v ?2|version 2|2 0)\b"),
    ("fr-lo", r"\b(?:licence ouverte|open licen[cs]e|lo ol|etalab)\b"),
    ("other-at", r"\b(?:other attribution|autre attribution|open government licen[cs]e)\b"),
    ("other-open", r"\b(?:other open|autre ouverte)\b"),
))


def normalise(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: "Licence Ouverte
    v2.0 (Etalab)" → "licence ouverte v2 0 etalab"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.split(r"[^a-z0-9]+", ascii_text)).strip()


def _match(text: str) -> str | None:
    words = normalise(text)
    return next((licence for licence, rule in _RULES if rule.search(words)), None)


def licence_id(text: str | None, url: str | None = None) -> str:
    """The data.gouv.fr licence id of a licence named ``text``, or found at
    ``url`` when the text says nothing known (the text comes first: it carries
    the version, where the Etalab page's URL serves both versions)."""
    for clue in (text, url):
        if clue:
            licence = _match(clue)
            if licence:
                return licence
    return UNKNOWN
