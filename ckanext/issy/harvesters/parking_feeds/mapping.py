"""The field mapping of a parking source (its shape: ``mapped.py``), checked
when the source is saved and again when a feed is read."""
from __future__ import annotations

from typing import Any

from ckanext.issy.harvesters.core.mapping import is_field
from ckanext.issy.harvesters.parking_feeds import model
from ckanext.issy.language import _

FIELDS = ("id", "name", "free", "occupied", "capacity", "occupancy", "status", "time",
          "geo", "lat", "lon", "sector", "state")
KEYS = ("kind", "records", "status_values", "free_values", *FIELDS)
# The ways of knowing how many spaces are free, at least one needed.
FREE_WAYS = (("free",), ("occupied", "capacity"), ("occupancy", "capacity"), ("state",))
# What the state of one space excludes: its counts come from the state.
STATE_EXCLUDES = ("free", "occupied", "capacity", "occupancy")


def mapping_problems(mapping: Any) -> list[str]:
    """Every problem of a field mapping (see ``mapped.py``), translated; none when it is valid."""
    if not isinstance(mapping, dict):
        return [_("the field mapping must be an object")]
    has, space = mapping.__contains__, mapping.get("kind") == model.SPACE
    excluded = [key for key in STATE_EXCLUDES if has(key)]
    free_values, status_values = mapping.get("free_values"), mapping.get("status_values", {})
    rules = (
        (mapping.get("kind") not in model.KINDS, _('"kind" must be one of {kinds}')),
        (has("records") and not is_field(mapping.get("records")),
         _('"records" must name the key of the answer that holds the records')),
        (not any(all(map(has, way)) for way in FREE_WAYS),
         _('the field mapping must say how many spaces are free: "free", "occupied" and "capacity", '
           '"occupancy" and "capacity", or "state" and "free_values"')),
        (has("state") and not space, _('"state" describes one space per record: "kind" must be "space"')),
        (has("state") and bool(excluded), _('"state" cannot be used with {keys}')),
        (has("state") and not (isinstance(free_values, list) and free_values and all(map(is_field, free_values))),
         _('"free_values" must be a list of the values of "state" that mean free')),
        (has("free_values") and not has("state"), _('"free_values" is used only with "state"')),
        (has("status_values") and not has("status"), _('"status_values" is used only with "status"')),
        (not isinstance(status_values, dict) or not all(value in model.STATUSES for value in status_values.values()),
         _('"status_values" must be an object giving one of {statuses} for each value of the feed')),
        (has("geo") and (has("lat") or has("lon")), _('"geo" and "lat"/"lon" cannot be used together')),
        (has("lat") != has("lon"), _('"lat" and "lon" go together')),
        (has("sector") and not space, _('"sector" is for on-street spaces: "kind" must be "space"')),
    )
    problems = [_('"{key}" is not a key of the field mapping').format(key=key) for key in mapping if key not in KEYS]
    problems += [_('"{key}": a field name is required').format(key=key)
                 for key in FIELDS if (key == "id" or has(key)) and not is_field(mapping.get(key))]
    return problems + [message.format(kinds=", ".join(model.KINDS), keys=", ".join(excluded),
                                      statuses=", ".join(model.STATUSES)) for broken, message in rules if broken]
