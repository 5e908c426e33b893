"""A GeoJSON layer joined to a DataStore table by a key: each feature gets
the measure of the table's rows whose key column holds the feature's key
(``properties["_value"]``), as polling-station contours
(``codeBureauVote`` "92040_0001") get the turnout of the election table's
``id_brut_miom``.

The table is read through the action ``issy_aggregate`` with the caller's
context, so its permission check, rate limit and cache apply as to any
aggregation, and its errors come back named after the join's parameters."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate.request import as_object, invalid
from ckanext.issy.language import _

MAX_UNMATCHED_KEYS = 20
# The aggregation's parameters, as the join's caller names them.
_FIELDS = {"resource_id": "join.resource_id", "group_by": "join.column", "measures": "join.measure",
           "filters": "join.filters"}


@dataclass(frozen=True)
class Join:
    key: str  # the features' property
    request: dict[str, Any]  # the aggregation's data_dict


def parse(value: Any) -> Join | None:
    if value in (None, ""):
        return None
    spec = as_object(value, "join")
    key, column = spec.get("key"), spec.get("column")
    if not isinstance(key, str) or not key:
        raise invalid("join.key", _("Name the features' property that holds the key (key)."))
    if not isinstance(column, str) or not column:
        raise invalid("join.column", _("Name the table's column that holds the key (column)."))
    return Join(key, {"resource_id": spec.get("resource_id"), "group_by": [column],
                      "measures": [spec.get("measure")], "filters": spec.get("filters") or []})


def key_text(value: Any) -> str | None:
    """A key as compared: trimmed text, a number without a trailing ".0"
    (92040 in a table, "92040" or 92040.0 in a file); None for no key."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and text.endswith(".0"):
        text = text[:-2]
    return text or None


def apply(context: dict[str, Any], join: Join, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Sets each feature's ``_value``; what matched."""
    if not any(join.key in feature["properties"] for feature in features):
        raise invalid("join.key", _("No feature has the property “{key}”.").format(key=join.key[:100]))
    try:
        result = tk.get_action("issy_aggregate")(dict(context), dict(join.request))
    except tk.ValidationError as error:
        raise tk.ValidationError({_FIELDS.get(field, "join"): messages
                                  for field, messages in error.error_dict.items()}) from None
    values = {key_text(key): value for key, value in result["rows"]}
    values.pop(None, None)
    matched = 0
    for feature in features:
        key = key_text(feature["properties"].get(join.key))
        matched += key in values
        feature["properties"]["_value"] = values.get(key)
    keys = {key_text(feature["properties"].get(join.key)) for feature in features}
    measure = result["fields"][1]
    return {"field": {name: measure[name] for name in ("id", "label", "function", "type")},
            "matched": matched, "unmatched_features": len(features) - matched,
            "unmatched_keys": [key for key, _value in result["rows"]
                               if key_text(key) is not None and key_text(key) not in keys][:MAX_UNMATCHED_KEYS],
            "truncated": result["truncated"]}
