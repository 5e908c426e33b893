"""Amounts, percentages and hours as the page's language writes them
(template helpers of the views, registered by the ``issy`` plugin):
"12 345 678 €", "12,3 M €" and "17:30" on French pages, "€12,345,678",
"€12.3M" and "5:30 PM" on English ones."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk
from babel import Locale
from babel.dates import format_time
from babel.numbers import format_compact_currency, format_currency, format_percent


def _locale() -> str:
    return tk.h.lang() or tk.config.get("ckan.locale_default") or "fr"


def issy_euros(amount: Any, compact: bool = False, cents: bool = False) -> str:
    """Whole euros by default: a report's amounts are millions, cents would
    only add noise; ``cents`` for small sums ("23,40 €"), ``compact`` for
    narrow columns ("12,3 M €")."""
    if amount is None:
        return ""
    locale = Locale.parse(_locale())
    if compact:
        return format_compact_currency(float(amount), "EUR", locale=locale, fraction_digits=1)
    if cents:
        return format_currency(float(amount), "EUR", locale=locale)
    whole = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(round(float(amount)), "EUR", locale=locale, format=whole, currency_digits=False)


def issy_percent(value: Any, digits: int = 1) -> str:
    """``value`` in percent (23.4 -> "23,4 %"), with ``digits`` decimals, in
    the locale's percent pattern."""
    if value is None:
        return ""
    locale = Locale.parse(_locale())
    whole, _zero, sign = locale.percent_formats[None].pattern.rpartition("0")
    decimals = "." + "0" * digits if digits > 0 else ""
    return format_percent(float(value) / 100, format=f"{whole}0{decimals}{sign}", locale=locale)


def issy_hour(value: Any) -> str:
    """An hour written "HH:MM" (a table's cell) as the locale writes it."""
    try:
        hour = datetime.time.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return format_time(hour, format="short", locale=_locale())


def get_helpers() -> dict[str, Any]:
    return {"issy_euros": issy_euros, "issy_percent": issy_percent, "issy_hour": issy_hour}
