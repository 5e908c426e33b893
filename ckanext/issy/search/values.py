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


_DATE_MATH = re.compile(r"([+-])(\d+)(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?")
_MATH_UNITS = {
    "YEAR": "years", "MONTH": "months", "DAY": "days",
    "HOUR": "hours", "MINUTE": "minutes", "SECOND": "seconds",
}


def parse_query_date(value: str, now: dt.datetime) -> dt.datetime:
    """A date bound of a Solr query: ISO 8601, ``NOW`` or ``NOW`` followed by
    Solr date math such as ``-7DAYS``."""
    if value.upper().startswith("NOW"):
        return _apply_date_math(now, value[3:].upper(), value)
    moment = parse_iso_datetime(value)
    if moment is None:
        raise InvalidQuery(
            f'"{value}" is not a date: use ISO 8601 (2020-03-15T00:00:00Z) '
            "or NOW, NOW-1DAY..."
        )
    return moment


def _apply_date_math(now: dt.datetime, math: str, original: str) -> dt.datetime:
    moment = now
    position = 0
    for step in _DATE_MATH.finditer(math):
        if step.start() != position:
            break
        sign, amount, unit = step.groups()
        delta = relativedelta(**{_MATH_UNITS[unit]: int(amount)})
        moment = moment + delta if sign == "+" else moment - delta
        position = step.end()
    if position != len(math):
        raise InvalidQuery(
            f'Unsupported date math in "{original}": use NOW, NOW-1DAY, '
            "NOW+2MONTHS..."
        )
    return moment
