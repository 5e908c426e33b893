"""What every parking feed is read into, and how an observation is checked.

A **site** is what can be parked in: a garage (capacity, many spaces) or one
on-street space with its sensor (capacity 1), which belongs to a sector
(the history is kept per garage and per sector, not per space). An
**observation** is a site's state at one moment of the feed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ckanext.issy.language import _

GARAGE, SPACE = "garage", "space"
KINDS = (GARAGE, SPACE)
# Site statuses, whatever each operator calls them.
OPEN, FULL, CLOSED, UNKNOWN = "open", "full", "closed", "unknown"
STATUSES = (OPEN, FULL, CLOSED, UNKNOWN)
# A source clock slightly ahead of ours is not an error.
FUTURE_TOLERANCE = timedelta(minutes=2)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    kind: str  # GARAGE or SPACE
    capacity: int | None = None  # 1 for an on-street space
    lat: float | None = None  # WGS84
    lon: float | None = None
    sector: str = ""  # an on-street space's sector (its history is the sector's)


@dataclass(frozen=True)
class Observation:
    site_id: str
    free: int | None  # vacant spaces
    occupied: int | None
    status: str  # one of STATUSES
    observed_at: datetime | None  # the source's time of the state, timezone-aware
    where: str = ""  # where it is in the feed, for messages ("record 12", "PARK:1")


@dataclass
class Poll:
    """One answer of a feed: the sites it describes (a status-only feed
    describes none) and their observations; ``problems`` says what was left
    out and why (a bad record does not fail the whole answer)."""

    sites: dict[str, Site] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def checked(observation: Observation, site: Site | None, now: datetime) -> tuple[Observation, list[str]]:
    """The observation as it may be stored, and what was wrong with it.

    Counts are never stored as the feed wrote them when they cannot be
    true: a negative count becomes 0 and a count above the site's capacity
    the capacity, and each is reported. Vacant spaces are computed from the
    capacity when the feed gives only occupied ones (and the other way
    round). A time in the future (beyond FUTURE_TOLERANCE) is reported and
    replaced by ``now``, the time it was received."""
    problems: list[str] = []
    free, occupied = observation.free, observation.occupied
    capacity = site.capacity if site is not None else None
    problems += [_negative(observation.site_id, is_free, value)
                 for is_free, value in ((True, free), (False, occupied)) if value is not None and value < 0]
    free = None if free is None else max(free, 0)
    occupied = None if occupied is None else max(occupied, 0)
    if capacity is not None:
        problems += [_over_capacity(observation.site_id, is_free, value, capacity)
                     for is_free, value in ((True, free), (False, occupied)) if value is not None and value > capacity]
        free = None if free is None else min(free, capacity)
        occupied = None if occupied is None else min(occupied, capacity)
        if free is None and occupied is not None:
            free = capacity - occupied
        elif occupied is None and free is not None:
            occupied = capacity - free
    observed_at = observation.observed_at
    if observed_at is not None and observed_at > now + FUTURE_TOLERANCE:
        problems.append(_("{site}: the feed's time {time} is in the future, the time of receipt is stored").format(
            site=observation.site_id, time=observed_at.isoformat()))
        observed_at = now
    return replace(observation, free=free, occupied=occupied, observed_at=observed_at), problems


# One whole sentence per count, so that a translation can agree its words.
def _negative(site_id: str, is_free: bool, value: int) -> str:
    message = (_("{site}: {value} free spaces < 0, stored as 0") if is_free
               else _("{site}: {value} occupied spaces < 0, stored as 0"))
    return message.format(site=site_id, value=value)


def _over_capacity(site_id: str, is_free: bool, value: int, capacity: int) -> str:
    message = (_("{site}: {value} free spaces > capacity {capacity}, stored as {capacity}") if is_free
               else _("{site}: {value} occupied spaces > capacity {capacity}, stored as {capacity}"))
    return message.format(site=site_id, value=value, capacity=capacity)
