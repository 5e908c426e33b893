"""The real-time parking's tables and what a poll writes to them.

- **Current state** (``CURRENT``, one row per garage and per on-street space,
  key ``id``): a poll writes only the rows whose state changed. A row's
  ``observed_at`` and ``received_at`` say since when its state holds (the
  feed's time and ours); they do not move while the state stays, so an
  unchanged space costs nothing even when the feed stamps every record with
  the minute of its answer.
- **History** (``HISTORY``, one row per garage and per on-street sector, not
  per space): a sample of the current state every few minutes, then hourly
  roll-ups (``resolution``) beyond the retention.
- **Sites** (GeoJSON): what can be parked in, published again only when the
  set of sites changes.

Everything here is pure: the poller (``parking_poll``) reads and writes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.parking_feeds import model

# Stored in French, the site's language of record.
CURRENT = (
    Column("id", "text", "Identifiant", "Identifiant du parking ou de la place dans le flux source"),
    Column("name", "text", "Nom", "Nom du parking, ou identifiant de la place"),
    Column("kind", "text", "Type", "garage : parking (plusieurs places) ; space : place sur voirie avec capteur"),
    Column("sector", "text", "Secteur", "Secteur d'une place sur voirie"),
    Column("capacity", "int4", "Capacité", "Nombre de places (1 pour une place sur voirie)"),
    Column("free", "int4", "Places libres", "Places libres, bornées entre 0 et la capacité"),
    Column("occupied", "int4", "Places occupées", "Places occupées, bornées entre 0 et la capacité"),
    Column("occupancy_rate", "numeric", "Taux d'occupation (%)", "Places occupées / capacité × 100"),
    Column("status", "text", "État", "open (ouvert), full (complet), closed (fermé) ou unknown (inconnu)"),
    Column("observed_at", "timestamptz", "Constaté à", "Heure du flux source depuis laquelle cet état vaut"),
    Column("received_at", "timestamptz", "Reçu à", "Heure à laquelle le portail a reçu cet état"),
    Column("lat", "numeric", "Latitude", "WGS84"),
    Column("lon", "numeric", "Longitude", "WGS84"),
    Column("stale", "bool", "Donnée ancienne",
           "true si le flux ou ce site n'a pas donné de nouvelles depuis plus que le seuil d'ancienneté"),
)
KEY = ("id",)
HISTORY = (
    Column("time", "timestamptz", "Heure", "Début de l'échantillon, ou de l'heure pour un agrégat horaire"),
    Column("resolution", "text", "Résolution", "sample : échantillon ; hour : agrégat d'une heure"),
    Column("id", "text", "Identifiant", "Identifiant du parking, ou nom du secteur"),
    Column("kind", "text", "Type", "garage : parking ; sector : secteur de places sur voirie"),
    Column("name", "text", "Nom", "Nom du parking ou du secteur"),
    Column("capacity", "int4", "Capacité", "Places dont l'état est connu"),
    Column("free", "numeric", "Places libres", "Places libres (moyenne pour un agrégat horaire)"),
    Column("free_min", "int4", "Places libres (min.)", "Minimum sur la période"),
    Column("free_max", "int4", "Places libres (max.)", "Maximum sur la période"),
    Column("occupancy_rate", "numeric", "Taux d'occupation (%)", "Moyenne sur la période"),
    Column("stale", "bool", "Donnée ancienne", "true si une donnée de la période était ancienne"),
)
SAMPLE, HOUR = "sample", "hour"
SECTOR = "sector"
NO_SECTOR = "Hors secteur"
# How a roll-up computes each column that is not the time, a key or the resolution.
ROLL_UP = {"capacity": "max", "free": "avg", "free_min": "min", "free_max": "max", "occupancy_rate": "avg",
           "stale": "any"}
ROLL_UP_KEYS = ("id", "kind", "name")

Row = tuple[Any, ...]  # in CURRENT's order
_INDEX = {column.id: index for index, column in enumerate(CURRENT)}
# What a state is made of: not its times, not its stale flag.
_STATE = tuple(_INDEX[name] for name in ("name", "kind", "sector", "capacity", "free", "occupied",
                                         "occupancy_rate", "status", "lat", "lon"))


def cell(row: Row, name: str) -> Any:
    return row[_INDEX[name]]


@dataclass(frozen=True)
class Staleness:
    """What makes rows stale at a poll: the whole feed (down, or answering
    with old data), or sites missing from it for too long."""

    feed: bool
    sites: frozenset[str] = frozenset()


def _decimal(value: float | None, places: str) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def _rate(occupied: int | None, capacity: int | None) -> Decimal | None:
    if occupied is None or not capacity:
        return None
    return _decimal(100 * occupied / capacity, "0.1")


def site_of(row: Row) -> model.Site:
    """The site a stored row describes (for a status-only feed's observations)."""
    lat, lon = cell(row, "lat"), cell(row, "lon")
    return model.Site(cell(row, "id"), cell(row, "name"), cell(row, "kind"), cell(row, "capacity"),
                      None if lat is None else float(lat), None if lon is None else float(lon), cell(row, "sector") or "")


def _state(site: model.Site, observation: model.Observation | None) -> Row:
    """A row without its times and stale flag (None in their places)."""
    free = occupied = None
    status = model.UNKNOWN
    if observation is not None:
        free, occupied, status = observation.free, observation.occupied, observation.status
    # An empty cell is stored as NULL: a garage's sector is None, as read back.
    return (site.id, site.name, site.kind, site.sector or None, site.capacity, free, occupied,
            _rate(occupied, site.capacity), status, None, None, _decimal(site.lat, "0.000001"),
            _decimal(site.lon, "0.000001"), None)


def _with(row: Row, **cells: Any) -> Row:
    values = list(row)
    for name, value in cells.items():
        values[_INDEX[name]] = value
    return tuple(values)


def merged(previous: Mapping[str, Row], poll: model.Poll | None, now: datetime,
           staleness: Staleness) -> tuple[dict[str, Row], list[str]]:
    """The current state after a poll (None: the feed could not be read), and
    the problems of the observations (clamped counts, future times). A site
    the poll does not mention keeps its last row; a row whose state is the
    stored one keeps its times."""
    rows = dict(previous)
    problems: list[str] = []
    if poll is not None:
        observed = {observation.site_id: observation for observation in poll.observations}
        for site_id in dict.fromkeys([*poll.sites, *observed]):
            stored = previous.get(site_id)
            site = poll.sites.get(site_id) or (site_of(stored) if stored else model.Site(site_id, site_id, model.GARAGE))
            observation = observed.get(site_id)
            if observation is not None:
                observation, found = model.checked(observation, site, now)
                problems += found
            elif stored is not None and site == site_of(stored):
                continue  # described, not observed: its last state holds
            state = _state(site, observation)
            if stored is not None and all(state[i] == stored[i] for i in _STATE):
                continue
            observed_at = observation.observed_at if observation and observation.observed_at else now
            rows[site_id] = _with(state, observed_at=observed_at, received_at=now)
    for site_id, row in rows.items():
        # Without an answer, nothing is learnt of a site: one already stale stays so.
        stale = staleness.feed or site_id in staleness.sites or (poll is None and bool(cell(row, "stale")))
        if cell(row, "stale") is not stale:
            rows[site_id] = _with(row, stale=stale)
    return rows, problems


def changed(previous: Mapping[str, Row], rows: Mapping[str, Row]) -> list[Row]:
    """The rows a poll must write: new ones and those that differ."""
    return [row for site_id, row in rows.items() if previous.get(site_id) != row]


def newest_time(poll: model.Poll) -> datetime | None:
    """The feed's own time of its answer: its newest observation's."""
    return max((o.observed_at for o in poll.observations if o.observed_at is not None), default=None)


def is_stale(moment: datetime | None, now: datetime, stale_after: timedelta) -> bool:
    return moment is None or now - moment > stale_after


# --- history ------------------------------------------------------------------
def history_rows(rows: Iterable[Row], time: datetime) -> list[tuple[Any, ...]]:
    """One sample per garage and per on-street sector (in HISTORY's order),
    from the current state; sites whose state is unknown are left out."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if cell(row, "free") is None or not cell(row, "capacity"):
            continue
        if cell(row, "kind") == model.SPACE:
            sector = cell(row, "sector") or NO_SECTOR
            groups.setdefault((SECTOR, sector), []).append(row)
        else:
            groups.setdefault((model.GARAGE, cell(row, "id")), [row])
    samples = []
    for (kind, group_id), members in sorted(groups.items()):
        capacity = sum(cell(row, "capacity") for row in members)
        free = sum(cell(row, "free") for row in members)
        name = group_id if kind == SECTOR else cell(members[0], "name")
        samples.append((time, SAMPLE, group_id, kind, name, capacity, free, free, free,
                        _rate(capacity - free, capacity), any(cell(row, "stale") for row in members)))
    return samples


# --- sites --------------------------------------------------------------------
def site_list(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """The description of each site (what the GeoJSON resource holds), by id."""
    return sorted(({"id": cell(row, "id"), "name": cell(row, "name"), "kind": cell(row, "kind"),
                    "sector": cell(row, "sector"), "capacity": cell(row, "capacity"),
                    "lat": None if cell(row, "lat") is None else float(cell(row, "lat")),
                    "lon": None if cell(row, "lon") is None else float(cell(row, "lon"))} for row in rows),
                  key=lambda site: site["id"])


def sites_hash(sites: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(sites, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def geojson(sites: list[dict[str, Any]]) -> bytes:
    """The sites as a GeoJSON FeatureCollection (RFC 7946: longitude first);
    a site without a position has no geometry."""
    features = [{
        "type": "Feature", "id": site["id"],
        "geometry": None if site["lat"] is None else {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
        "properties": {key: site[key] for key in ("id", "name", "kind", "sector", "capacity")},
    } for site in sites]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
