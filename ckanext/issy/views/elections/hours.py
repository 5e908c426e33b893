"""The turnout over polling day: the commune's turnout at each hour the
voters were counted, added up from the polling stations' rows of the
round's ``turnout_hours`` table (``harvesters/election_formats/hours.py``)
by ``issy_aggregate`` (cached by the table's version): the voters counted
at that hour over the registered voters of the stations counted."""
from __future__ import annotations

from typing import Any

from ckanext.issy.views.aggregation import aggregate
from ckanext.issy.views.elections.document import Round
from ckanext.issy.views.elections.results import percent


def over_the_day(election: Round) -> list[dict[str, Any]] | None:
    """Each hour ("10:00") with the voters, registered voters and turnout
    counted then, in the day's order; None without a table (or one too
    large to be counted whole)."""
    if not election.hours_id:
        return None
    rows, truncated = aggregate(election.hours_id, ["heure"], [("sum", "votants"), ("sum", "inscrits")])
    if truncated:
        return None
    return [{"hour": hour, "votants": int(voters), "inscrits": int(registered),
             "turnout": percent(int(voters), int(registered))}
            for hour, voters, registered in sorted(rows) if voters is not None and registered]
