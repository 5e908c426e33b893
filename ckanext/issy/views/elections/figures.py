"""The counts an election round's results are made of, read from its two
tables through the aggregation API and kept in Redis by both tables'
versions: each polling station's counts (inscrits, votants, …), each
candidate's or list's votes in each station, and what the file says of
each candidate (name, list, nuance, elected, seats).

They are plain data in the file's own words: ``results.py`` adds them up
and works out the shares."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate import action as aggregate_action
from ckanext.issy.aggregate import cache
from ckanext.issy.language import _
from ckanext.issy.views.aggregation import aggregate
from ckanext.issy.views.elections.document import Round

STATION = "id_brut_miom"  # the national key of a polling station: INSEE code _ number
COUNTS = ("inscrits", "abstentions", "votants", "blancs", "nuls", "blancs_ou_nuls", "exprimes")
# What the results table says of each candidate, read by panneau number.
DESCRIPTIONS = ("nom", "prenom", "sexe", "liste", "libelle_liste", "nom_tete_liste", "nuance")
TURNOUT_NEEDED = (STATION, "code_bv", "inscrits", "votants", "exprimes")
RESULTS_NEEDED = (STATION, "no_panneau", "voix")
Figures = dict[str, Any]


def _too_many() -> tk.ValidationError:
    # Counts cut short would make wrong results.
    return tk.ValidationError({"resource_id": [_(
        "This election has more than {number} lines to add up: the site's administrators can raise "
        "ckanext.issy.aggregate.max_rows.").format(number=tk.config.get("ckanext.issy.aggregate.max_rows"))]})


def _rows(resource_id: str, group_by: tuple[str, ...], measures: list[tuple[str, str]]) -> list[list[Any]]:
    rows, truncated = aggregate(resource_id, group_by, measures)
    if truncated:
        raise _too_many()
    return rows


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def stations(election: Round, present: set[str]) -> dict[str, dict[str, Any]]:
    """Station key -> its number (``code_bv``) and counts (None: not in the file)."""
    found: dict[str, dict[str, Any]] = {}
    for key, code, _rows_count in _rows(election.turnout_id, (STATION, "code_bv"), [("count", STATION)]):
        found[str(key)] = {"code": str(code or ""), **{name: None for name in COUNTS}}
    counts = [name for name in COUNTS if name in present]
    for start in range(0, len(counts), 5):  # an aggregation takes five measures at most
        names = counts[start:start + 5]
        for key, *values in _rows(election.turnout_id, (STATION,), [("sum", name) for name in names]):
            found[str(key)].update({name: _count(value) for name, value in zip(names, values)})
    return found


def votes(election: Round, panneaux: list[str]) -> dict[str, dict[str, int]]:
    """Panneau -> station key -> votes: one aggregation per candidate or list,
    each as long as the number of stations (a round of 38 lists in 45
    stations has 1,710 results, more than one aggregation may return)."""
    found: dict[str, dict[str, int]] = {}
    for panneau in panneaux:
        rows, truncated = aggregate(election.results_id, (STATION,), [("sum", "voix")], {"no_panneau": panneau})
        if truncated:
            raise _too_many()
        found[panneau] = {str(key): int(voix or 0) for key, voix in rows}
    return found


def panneaux(election: Round) -> list[str]:
    """The round's candidates or lists, by their panel numbers."""
    return [str(panneau) for panneau, _count in _rows(election.results_id, ("no_panneau",), [("count", STATION)])
            if panneau is not None]


def candidates(election: Round, present: set[str]) -> dict[str, dict[str, Any]]:
    """Panneau -> what the file says of that candidate or list (the first
    value met when a file spells it several ways), elected, seats."""
    found: dict[str, dict[str, Any]] = {}
    for name in (d for d in DESCRIPTIONS if d in present):
        for panneau, value, _rows_count in _rows(election.results_id, ("no_panneau", name), [("count", STATION)]):
            if value not in (None, ""):
                found.setdefault(str(panneau), {}).setdefault(name, str(value).strip())
    if "elu" in present:
        for panneau, elected, _rows_count in _rows(election.results_id, ("no_panneau", "elu"), [("count", STATION)]):
            if elected is True:
                found.setdefault(str(panneau), {})["elu"] = True
    if "sieges" in present:
        for panneau, seats in _rows(election.results_id, ("no_panneau",), [("max", "sieges")]):
            if seats is not None:
                found.setdefault(str(panneau), {})["sieges"] = int(seats)
    return found


class NotAnElection(Exception):
    """A table lacks a column every result reads."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


def _columns(resource_id: str) -> tuple[set[str], int | None]:
    with aggregate_action.table(resource_id) as (_connection, columns, version):
        return set(columns), version


def _paired(election: Round, figures: Figures) -> bool:
    """Whether the two tables are of the same harvest: in every station the
    candidates' votes add up to the votes cast, as the harvester checked
    before publishing. Municipal elections until 2020 are left unchecked:
    with *panachage*, a small commune's votes could exceed the votes cast
    (the harvester's ``small_commune``)."""
    year, kind, _number = election.parts
    if kind == "muni" and year <= 2020:
        return True
    given: dict[str, int] = {}
    for by_station in figures["votes"].values():
        for key, voix in by_station.items():
            given[key] = given.get(key, 0) + voix
    return all(given.get(key, 0) == station["exprimes"] for key, station in figures["stations"].items()
               if station["exprimes"] is not None)


# What is kept for a pair of versions whose tables are of two harvests (the
# harvest writes the turnout, then the results, each in its own transaction,
# and a reader may come in between): that pair is mixed for good, so every
# request for it learns so from the cache, without computing it again.
MIXED: Figures = {"mixed": True}


def _compute(election: Round, turnout_columns: set[str], results_columns: set[str]) -> Figures:
    figures = {"stations": stations(election, turnout_columns), "votes": votes(election, panneaux(election)),
               "candidates": candidates(election, results_columns)}
    return figures if _paired(election, figures) else MIXED


def _last_key(election: Round) -> str:
    return f"issy:elections:last:{election.results_id}"


def read(election: Round, client: str) -> Figures:
    """The round's figures, from the cache while neither table has changed;
    a computation counts towards ``client``'s rate (``aggregate/cache.py``).
    Between the writes of a harvest's two tables, the last figures of one
    harvest are served (the round's, kept apart), or ``cache.NotReady``."""
    turnout_columns, turnout_version = _columns(election.turnout_id)
    results_columns, results_version = _columns(election.results_id)
    missing = [name for name in TURNOUT_NEEDED if name not in turnout_columns]
    missing += [name for name in RESULTS_NEEDED if name not in results_columns]
    if missing:
        raise NotAnElection(missing)
    versions = None if None in (turnout_version, results_version) else f"{turnout_version}.{results_version}"
    entry = cache.key("elections", election.results_id, versions, election.turnout_id)
    figures, cached = cache.remember(entry, client, lambda: _compute(election, turnout_columns, results_columns))
    if figures == MIXED:  # never shown: the last figures of one harvest are
        last = cache.kept(_last_key(election))
        if last is None:
            raise cache.NotReady()
        return last
    if not cached:
        cache.keep(_last_key(election), figures)
    return figures
