"""What the builders' configurations (``chart/config.py``, ``map/config.py``)
share: reading values from a query string, a form or a saved view, the
filter rows and the measures of the aggregation API, written back as
query-string pairs and as API parameters.

Reading never fails: what is wrong is left out and reported in plain words
in an ``Errors`` mapping keyed by the field at fault. Nothing here touches
the database: a table's columns come in as a ``{column id: kind}`` mapping
(kinds as ``issy_aggregate_columns`` gives them)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk

FUNCTIONS = ("sum", "count", "mean", "min", "max")
OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between")
MAX_FILTERS, MAX_VALUES, MAX_VALUE, MAX_COLUMN = 10, 100, 500, 63
SEPARATOR = ";"
FILTER_KEYS = ("filter_column", "filter_op", "filter_value")
# Functions by the kind of column they accept (count accepts any).
FUNCTION_KINDS = {"sum": ("number",), "mean": ("number",), "min": ("number", "date"),
                  "max": ("number", "date")}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_TRUE, _FALSE = ("1", "true", "on", "yes", "oui"), ("0", "false", "off", "no", "non")

Errors = dict[str, str]


@dataclass(frozen=True)
class Measure:
    function: str
    column: str = ""  # "" only for a count of rows

    @property
    def key(self) -> str:
        """How ``y`` (and ``join_measure``) spell it."""
        return f"{self.function}:{self.column}" if self.column else self.function

    def request(self) -> dict[str, str]:
        """As a measure of the aggregation API."""
        return {"function": self.function, **({"column": self.column} if self.column else {})}


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str  # as typed; "in" and "between" separate their values by ";"

    def values(self) -> list[str]:
        return [part.strip() for part in self.value.split(SEPARATOR) if part.strip()]


# Reading --------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return value if isinstance(value, str) else str(value)


def values(source: Any, key: str) -> list[str]:
    """Every value of ``key`` in a MultiDict (query string, form) or a dict
    (a saved view: strings, lists, and what CKAN's validators made of them)."""
    if hasattr(source, "getlist"):
        raw = source.getlist(key)
    else:
        value = source.get(key)
        raw = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
    return [_text(value) for value in raw]


def value(source: Any, key: str) -> str:
    found = values(source, key)
    return found[0].strip() if found else ""


def has_configuration(source: Any, keys: Iterable[str]) -> bool:
    """Whether ``source`` says anything about a figure (else: the defaults)."""
    return any(text.strip() for key in keys for text in values(source, key))


def column_name(name: str) -> bool:
    return 0 < len(name) <= MAX_COLUMN and not _CONTROL.search(name)


def column(source: Any, key: str, errors: Errors) -> str:
    """The column (or property) named by ``key``, "" when none or not a name."""
    name = value(source, key)
    if name and not column_name(name):
        errors.setdefault(key, tk._("This is not the name of a column."))
        return ""
    return name


def choice(text: str, allowed: Iterable[str], field: str, errors: Errors, default: str = "") -> str:
    if text == "" or text in allowed:
        return text or default
    errors.setdefault(field, tk._("“{value}” is not one of the choices.").format(value=text[:50]))
    return default


def boolean(text: str, field: str, errors: Errors) -> bool:
    """Yes unless said no (both options of the builders default to yes)."""
    if text.lower() in _FALSE:
        return False
    if text and text.lower() not in _TRUE:
        errors.setdefault(field, tk._("Answer yes or no."))
    return True


def label(source: Any, key: str, most: int, errors: Errors) -> str:
    text = " ".join(_CONTROL.sub(" ", value(source, key)).split())
    if len(text) > most:
        errors.setdefault(key, tk._("At most {number} characters.").format(number=most))
    return text[:most]


def measure(text: str, field: str, errors: Errors) -> Measure | None:
    """``function:column`` or ``count``."""
    function, _sep, name = text.strip().partition(":")
    if function not in FUNCTIONS or (name and not column_name(name)) or (not name and function != "count"):
        errors.setdefault(field, tk._("“{value}” is not a measure of the table.").format(value=text[:50]))
        return None
    return Measure(function, name)


def _filter(name: str, op: str, text: str, errors: Errors) -> Filter | None:
    if not column_name(name):
        errors.setdefault("filter_column", tk._("This is not the name of a column."))
        return None
    if op and op not in OPERATORS:
        errors.setdefault("filter_op", tk._("“{value}” is not one of the choices.").format(value=op[:50]))
        return None
    item = Filter(name, op or "eq", text.strip())
    parts = item.values()
    if not parts:
        message = tk._("Give a value to filter “{column}” by.")
    elif len(item.value) > MAX_VALUE:
        message = tk._("A filter's value has at most {number} characters.")
    elif op == "between" and len(parts) != 2:
        message = tk._("A range needs two values separated by “;”: the lowest and the highest.")
    elif op == "in" and len(parts) > MAX_VALUES:
        message = tk._("A list holds at most {number} values.")
    else:
        return item  # other operators take the whole text, ";" included
    errors.setdefault("filter_value", message.format(
        column=name[:MAX_COLUMN], number=MAX_VALUE if len(item.value) > MAX_VALUE else MAX_VALUES))
    return None


def filters(source: Any, errors: Errors, too_many: str) -> tuple[Filter, ...]:
    """The filter rows, as the form's rows send them; ``too_many``: the
    message (with ``{number}``) when there are more than ``MAX_FILTERS``."""
    rows = zip_longest(*(values(source, key) for key in FILTER_KEYS), fillvalue="")
    # A row without a column is the form's empty row: not an error.
    found = [_filter(c.strip(), o.strip(), v, errors) for c, o, v in rows if c.strip()]
    kept = [item for item in found if item]
    if len(kept) > MAX_FILTERS:
        errors.setdefault("filter_column", too_many.format(number=MAX_FILTERS))
    return tuple(kept[:MAX_FILTERS])


# Checking against a table's columns -----------------------------------------

def known(name: str, field: str, kinds: Mapping[str, str], errors: Errors) -> bool:
    if name in kinds:
        return True
    errors.setdefault(field, tk._("The table has no column “{column}”.").format(column=name[:MAX_COLUMN]))
    return False


def measure_applies(item: Measure, field: str, kinds: Mapping[str, str], errors: Errors) -> bool:
    if not item.column:
        return True
    if not known(item.column, field, kinds, errors):
        return False
    if kinds[item.column] not in FUNCTION_KINDS.get(item.function, (kinds[item.column],)):
        errors.setdefault(field, tk._("This calculation does not apply to the column “{column}”.").format(
            column=item.column))
        return False
    return True


def filter_applies(item: Filter, kinds: Mapping[str, str], errors: Errors) -> bool:
    if not known(item.column, "filter_column", kinds, errors):
        return False
    if item.op in ("gt", "gte", "lt", "lte", "between") and kinds[item.column] not in ("number", "date"):
        errors.setdefault("filter_op", tk._("Only numbers and dates can be compared."))
        return False
    return True


# Writing --------------------------------------------------------------------

def filter_fields(items: Iterable[Filter]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in items:
        pairs += [("filter_column", item.column), ("filter_op", item.op), ("filter_value", item.value)]
    return pairs


def to_query(pairs: list[tuple[str, str]], resource_id: str = "") -> str:
    """The query string of a permalink (``resource_id`` first)."""
    return urlencode(([("resource_id", resource_id)] if resource_id else []) + pairs)


def to_view(pairs: list[tuple[str, str]], list_keys: Iterable[str],
            left_out: Iterable[str] = ("title",)) -> dict[str, Any]:
    """The fields of a saved view (lists for the repeated keys); the title
    is the view's own."""
    view: dict[str, Any] = {}
    for key, text in pairs:
        if key in list_keys:
            view.setdefault(key, []).append(text)
        elif key not in left_out:
            view[key] = text
    return view


# Requests of the aggregation API and the map data endpoints ------------------

def _filter_value(item: Filter, kind: str) -> Any:
    parts = item.values() if item.op in ("in", "between") else [item.value]
    if kind == "number":
        # French numbers are written with spaces between thousands.
        parts = [_SPACES.sub("", part) for part in parts]
    return parts if item.op in ("in", "between") else parts[0]


def filter_requests(items: Iterable[Filter], kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """Filters as the aggregation API (and the map endpoints) take them."""
    return [{"column": f.column, "op": f.op, "value": _filter_value(f, kinds.get(f.column, ""))}
            for f in items]


def to_api_params(request: Mapping[str, Any]) -> dict[str, str]:
    """A request as the query parameters of a GET endpoint (structured ones
    as JSON)."""
    params: dict[str, str] = {}
    for key, item in request.items():
        if isinstance(item, (list, dict)):
            params[key] = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(item, bool):
            params[key] = "true" if item else "false"
        else:
            params[key] = str(item)
    return params
