"""Value normalisation shared by the index (Python side) and the queries (SQL
side), so that both fold text and read dates the same way."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement
from dateutil.relativedelta import relativedelta

from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery


def _latin_folding_table() -> dict[str, str]:
    """Map every accented Latin letter (both cases) to its plain lower-case
    letter, and typographic apostrophes to the ASCII one.

    One character to one character only, so that PostgreSQL's built-in
    ``translate()`` can apply the same table without the ``unaccent``
    extension (which a CKAN database user may not be allowed to create)."""
    table = {"\u2019": "'", "\u2018": "'", "\u02bc": "'"}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(
            part for part in unicodedata.normalize("NFKD", char)
            if not unicodedata.combining(part)
        )
        if len(base) == 1 and base.isascii() and base.isalpha():
            table[char] = base.lower()
    return table


_FOLDING = _latin_folding_table()
FOLD_FROM = "".join(_FOLDING)
FOLD_TO = "".join(_FOLDING.values())
_PY_FOLD = str.maketrans(_FOLDING)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip the accents of Latin letters:
    ``"Élections d’Issy"`` → ``"elections d'issy"``."""
    return text.translate(_PY_FOLD).lower()


LIKE_ESCAPE = "/"


def like_literal(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '/'."""
    for char in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, LIKE_ESCAPE + char)
    return text


def sql_fold(expression: ColumnElement) -> ColumnElement:
    """The SQL twin of :func:`fold`; translating before lowering keeps the
    result independent of the database's collation for accented letters."""
    return sa.func.lower(sa.func.translate(expression, FOLD_FROM, FOLD_TO))


def to_utc(moment: dt.datetime) -> dt.datetime:
    """Timezone-aware UTC; naive values are UTC, as CKAN stores them."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def parse_iso_datetime(value: str) -> Optional[dt.datetime]:
    """An ISO 8601 date or date-time (``Z`` or offset allowed), in UTC, or
    None when ``value`` is not one."""
    try:
        return to_utc(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def solr_date_string(moment: dt.datetime) -> str:
    """The form Solr stores dates in, which sorts as text:
    ``2020-03-15T08:00:00Z``."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


# Solr's units: the relativedelta argument and how many of it make one.
_UNITS = {
    "YEAR": ("years", 1), "MONTH": ("months", 1), "DAY": ("days", 1),
    "DATE": ("days", 1), "HOUR": ("hours", 1), "MINUTE": ("minutes", 1),
    "SECOND": ("seconds", 1), "MILLI": ("microseconds", 1000),
    "MILLISECOND": ("microseconds", 1000),
}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
# One step of Solr's date math: ``+1YEAR``, ``-7DAYS``, ``/DAY``.
_DATE_MATH = re.compile(rf"([+-])(\d+)({_UNIT})S?|/({_UNIT})S?")
# What rounding down to a unit resets, as datetime.replace() arguments.
_ROUNDING = {
    "years": {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "months": {"day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "days": {"hour": 0, "minute": 0, "second": 0, "microsecond": 0},
    "hours": {"minute": 0, "second": 0, "microsecond": 0},
    "minutes": {"second": 0, "microsecond": 0},
    "seconds": {"microsecond": 0},
    "microseconds": {},  # CKAN dates are read to the microsecond already
}
def parse_query_date(value: str, now: dt.datetime) -> dt.datetime:
    """A date bound of a Solr query: ISO 8601 or ``NOW``, optionally
    followed by Solr date math (``NOW-7DAYS``, ``NOW/DAY+1DAY``,
    ``2024-01-01T00:00:00Z+1YEAR``), computed in UTC as Solr does."""
    anchor, math = _date_anchor(value)
    moment = now if anchor.upper() == "NOW" else parse_iso_datetime(anchor)
    if moment is None:
        raise InvalidQuery(
            _('"{value}" is not a date: use ISO 8601 (2020-03-15T00:00:00Z) '
              "or NOW, NOW-1DAY...").format(value=value)
        )
    return _apply_date_math(to_utc(moment), math.upper(), value)


def _date_anchor(value: str) -> tuple[str, str]:
    """``value`` split into its anchor (NOW or a date) and its date math,
    which follows ``NOW`` or the ``Z`` of a UTC date."""
    if value[:3].upper() == "NOW":
        return value[:3], value[3:]
    if "Z" in value.upper():
        end = value.upper().index("Z") + 1
        return value[:end], value[end:]
    return value, ""


def _apply_date_math(moment: dt.datetime, math: str, original: str) -> dt.datetime:
    position = 0
    for step in _DATE_MATH.finditer(math):
        if step.start() != position:
            break
        sign, amount, unit, rounding = step.groups()
        if rounding:
            moment = moment.replace(**_ROUNDING[_UNITS[rounding][0]])
        else:
            moment = _shifted(moment, sign, amount, unit, original)
        position = step.end()
    if position != len(math):
        raise InvalidQuery(
            _('Unsupported date math in "{value}": use NOW, NOW-1DAY, NOW/DAY, '
              "NOW-1MONTH/DAY, 2024-01-01T00:00:00Z+1YEAR...").format(value=original)
        )
    return moment


def _shifted(moment: dt.datetime, sign: str, amount: str, unit: str,
             original: str) -> dt.datetime:
    """``moment`` plus or minus ``amount`` units, or InvalidQuery when the
    result falls outside the years 1 to 9999 (Python's dates)."""
    name, factor = _UNITS[unit]
    try:
        delta = relativedelta(**{name: factor * int(amount)})
        return moment + delta if sign == "+" else moment - delta
    except (OverflowError, ValueError):
        raise InvalidQuery(
            _('The date "{value}" is out of range: dates run from year 1 to '
              "year 9999").format(value=original)
        ) from None
