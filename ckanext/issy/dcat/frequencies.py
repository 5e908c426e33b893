"""Update frequencies: the EU's frequency vocabulary, which DCAT-AP and
data.gouv.fr use (``http://publications.europa.eu/resource/authority/frequency/MONTHLY``).

Datasets store the full URI in their ``frequency`` extra: udata reads it
from the CKAN API and from ``dct:accrualPeriodicity``.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

BASE = "http://publications.europa.eu/resource/authority/frequency/"
# Every code of the vocabulary that udata maps to a frequency of its own.
CODES = frozenset({
    "UNKNOWN", "UPDATE_CONT", "1MIN", "5MIN", "10MIN", "15MIN", "30MIN", "HOURLY", "BIHOURLY",
    "TRIHOURLY", "12HRS", "CONT", "DAILY_3", "DAILY_2", "DAILY", "WEEKLY_5", "WEEKLY_3",
    "WEEKLY_2", "WEEKLY", "BIWEEKLY", "MONTHLY_3", "MONTHLY_2", "MONTHLY", "BIMONTHLY",
    "QUARTERLY", "ANNUAL_3", "ANNUAL_2", "ANNUAL", "BIENNIAL", "TRIENNIAL", "QUADRENNIAL",
    "QUINQUENNIAL", "DECENNIAL", "BIDECENNIAL", "TRIDECENNIAL", "AS_NEEDED", "IRREG", "NEVER",
    "NOT_PLANNED", "OTHER",
})


def labels() -> dict[str, str]:
    """The codes offered to editors, in words of the page's language, in order."""
    return {
        "UPDATE_CONT": tk._("continuously"), "HOURLY": tk._("every hour"), "DAILY": tk._("daily"),
        "WEEKLY": tk._("weekly"), "MONTHLY": tk._("monthly"), "QUARTERLY": tk._("quarterly"),
        "ANNUAL_2": tk._("twice a year"), "ANNUAL": tk._("yearly"), "BIENNIAL": tk._("every two years"),
        "AS_NEEDED": tk._("as needed"), "IRREG": tk._("irregularly"), "NEVER": tk._("never"),
    }


def code(value: Any) -> str | None:
    """The vocabulary's code of a URI (the EU's, or another ending with the
    same word) or of a bare code in any case, or None."""
    candidate = str(value or "").strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return candidate if candidate in CODES else None


def uri(value: Any) -> str | None:
    """The URI of a known frequency given as a URI or a code, or None."""
    known = code(value)
    return BASE + known if known else None


def label(value: Any) -> str:
    """A frequency in words; an unknown value is shown as it is."""
    known = code(value)
    if known == "CONT":  # the older code for "continuously"
        known = "UPDATE_CONT"
    return labels().get(known or "", str(value or ""))


def options(current: Any) -> list[tuple[str, str]]:
    """(URI, words) of the form's choices, plus the current value if it is
    another known code, so that saving the form keeps it."""
    offered = [(BASE + known, words) for known, words in labels().items()]
    current_uri = uri(current)
    if current_uri and current_uri not in dict(offered):
        offered.append((current_uri, label(current)))
    return offered
