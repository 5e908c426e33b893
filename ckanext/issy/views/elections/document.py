"""What makes a resource one of the tables of an election round the
election harvester published (harvesters/elections.py): a DataStore table
whose ``issy_role`` is ``turnout`` or ``results``, in a dataset with the
``election_id`` extra (data.gouv.fr's id: ``2022_pres_t1``). The view reads
both tables of that dataset: the turnout by polling station and the votes
of each candidate or list by polling station."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.harvesters.election_formats.model import election_parts, election_title

TABLE_ROLES = ("turnout", "results")
STATIONS_ROLE = "stations"  # the GeoJSON of its polling stations' places, when harvested
HOURS_ROLE = "turnout_hours"  # the table of its turnout over the day, when harvested


@dataclass(frozen=True)
class Round:
    """One election round and its two tables (resource ids)."""
    election: str
    title: str
    package_id: str
    owner_org: str
    turnout_id: str
    results_id: str
    stations_id: str = ""  # the file of its polling stations' places (views/elections/places.py)
    hours_id: str = ""  # the table of its turnout over the day (views/elections/hours.py)

    @property
    def parts(self) -> tuple[int, str, int]:
        """(year, type, round number)."""
        return election_parts(self.election)

    def as_dict(self) -> dict[str, Any]:
        year, kind, number = self.parts
        return {"election": self.election, "title": self.title, "name": election_title(self.election),
                "year": year, "type": kind, "round": number,
                "turnout_id": self.turnout_id, "results_id": self.results_id, "stations_id": self.stations_id,
                "hours_id": self.hours_id}


def _election_id(package: Mapping[str, Any]) -> str:
    extras = {extra["key"]: extra["value"] for extra in package.get("extras") or []}
    election = extras.get("election_id", "")
    try:
        election_parts(election)
    except ValueError:
        return ""
    return election


def _table(package: Mapping[str, Any], role: str) -> Mapping[str, Any] | None:
    return next((r for r in package.get("resources") or []
                 if r.get("issy_role") == role and tk.asbool(r.get("datastore_active"))), None)


def read_round(package: Mapping[str, Any]) -> Round | None:
    """The round a dataset holds, when it is one with both its tables."""
    election = _election_id(package)
    turnout, results = (_table(package, role) for role in TABLE_ROLES)
    if not election or turnout is None or results is None:
        return None
    stations = stations_file(package)
    hours = _table(package, HOURS_ROLE)
    return Round(election, package.get("title") or "", package["id"], package.get("owner_org") or "",
                 turnout["id"], results["id"], stations["id"] if stations else "", hours["id"] if hours else "")


def stations_file(package: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The resource of the round's polling stations' places, when harvested."""
    return next((r for r in package.get("resources") or [] if r.get("issy_role") == STATIONS_ROLE), None)


def is_election(resource: Mapping[str, Any], package: Mapping[str, Any], roles: tuple[str, ...] = TABLE_ROLES) -> bool:
    """A table of ``roles`` (by default, either) of an election round that has both its tables."""
    return (resource.get("issy_role") in roles and tk.asbool(resource.get("datastore_active"))
            and read_round(package) is not None)
