"""What every election file is read into, and how it is typed and checked.

Readers only say which cell is which: a :class:`Station` keeps its cells as
the file wrote them (``"1 027"``, ``"71,74%"``, ``"FEMININ"``) with the line
they came from. :func:`typed_tables` turns a :class:`Round` into the two long
tables the harvester publishes, or raises :class:`RoundProblems` with every
problem found, line by line, so that each format is typed and checked once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ckanext.issy.harvesters.core.reading import parse_number
from ckanext.issy.language import _

# data.gouv.fr's election ids: 2024_euro_t1 (year, type, round).
ELECTION_ID = re.compile(r"(?P<year>\d{4})_(?P<type>[a-z]{4})_t(?P<round>[12])")
# Types of data.gouv.fr's ids -> the title of their datasets (data, in French).
TYPES = {
    "pres": "Élection présidentielle",
    "legi": "Élections législatives",
    "euro": "Élections européennes",
    "muni": "Élections municipales",
    "dpmt": "Élections départementales",
    "cant": "Élections cantonales",
    "regi": "Élections régionales",
}
# Tags of each type (French, as the portal's other tags).
TYPE_TAGS = {
    "pres": "présidentielle", "legi": "législatives", "euro": "européennes", "muni": "municipales",
    "dpmt": "départementales", "cant": "cantonales", "regi": "régionales",
}
# Polling days of the national elections since 2012, so that a source need
# not repeat them (a source's "date" wins; a partial or later election needs one).
DATES = {
    "2012_pres_t1": "2012-04-22", "2012_pres_t2": "2012-05-06",
    "2012_legi_t1": "2012-06-10", "2012_legi_t2": "2012-06-17",
    "2014_muni_t1": "2014-03-23", "2014_muni_t2": "2014-03-30", "2014_euro_t1": "2014-05-25",
    "2015_dpmt_t1": "2015-03-22", "2015_dpmt_t2": "2015-03-29",
    "2015_regi_t1": "2015-12-06", "2015_regi_t2": "2015-12-13",
    "2017_pres_t1": "2017-04-23", "2017_pres_t2": "2017-05-07",
    "2017_legi_t1": "2017-06-11", "2017_legi_t2": "2017-06-18", "2019_euro_t1": "2019-05-26",
    "2020_muni_t1": "2020-03-15", "2020_muni_t2": "2020-06-28",
    "2021_dpmt_t1": "2021-06-20", "2021_dpmt_t2": "2021-06-27",
    "2021_regi_t1": "2021-06-20", "2021_regi_t2": "2021-06-27",
    "2022_pres_t1": "2022-04-10", "2022_pres_t2": "2022-04-24",
    "2022_legi_t1": "2022-06-12", "2022_legi_t2": "2022-06-19",
    "2024_euro_t1": "2024-06-09", "2024_legi_t1": "2024-06-30", "2024_legi_t2": "2024-07-07",
    "2026_muni_t1": "2026-03-15", "2026_muni_t2": "2026-03-22",
}
# Municipal elections where a commune under 1,000 inhabitants votes by
# "panachage" (names crossed out or added): its candidates' votes may exceed
# the votes cast. Since 2026 every commune votes for whole lists.
PANACHAGE_UNTIL = 2020
ELECTED = {"élu", "elu", "élue", "elue", "oui", "o", "1", "true", "x", "e"}
NOT_ELECTED = {"non", "n", "0", "false", "non élu", "non elu"}
SEXES = {"m": "M", "masculin": "M", "h": "M", "f": "F", "feminin": "F", "féminin": "F"}
MAX_PROBLEMS = 20


@dataclass
class Candidate:
    """A candidate (or list, or pair) at one polling station, cells as read."""

    panneau: str
    voix: str
    nuance: str = ""
    nom: str = ""
    prenom: str = ""
    sexe: str = ""
    liste: str = ""  # the list's short label
    libelle_liste: str = ""  # its full label
    nom_tete_liste: str = ""
    elu: str = ""
    sieges: str = ""


@dataclass
class Station:
    """One polling station of one election and round, cells as read."""

    line: int  # where it starts in its file
    code_commune: str  # INSEE code, 5 characters
    libelle_commune: str
    code_bv: str  # as written: "1", "0001", "001"
    inscrits: str
    votants: str
    exprimes: str
    abstentions: str = ""  # derived when a file has none
    blancs: str = ""
    nuls: str = ""
    blancs_ou_nuls: str = ""  # files that count them together
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Round:
    """The polling stations of one commune for one election and round."""

    election: str  # 2024_euro_t1
    file: str  # the file's name, for messages
    stations: list[Station] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Round":
        stations = [Station(**{**station, "candidates": [Candidate(**c) for c in station["candidates"]]})
                    for station in data["stations"]]
        return cls(data["election"], data["file"], stations)


class RoundProblems(Exception):
    """Every problem of a round: (line, message), in line order."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(message for _line, message in problems[:MAX_PROBLEMS]))
        self.problems = problems


def election_parts(election: str) -> tuple[int, str, int]:
    """(year, type, round) of an id such as ``2024_euro_t1``; ValueError otherwise."""
    match = ELECTION_ID.fullmatch(election)
    if match is None or match["type"] not in TYPES:
        raise ValueError(election)
    return int(match["year"]), match["type"], int(match["round"])


def election_title(election: str) -> str:
    """« Élections européennes 2024 — 1er tour » (data: French)."""
    year, kind, number = election_parts(election)
    return f"{TYPES[kind]} {year} — {'1er' if number == 1 else '2d'} tour"


def station_key(code_commune: str, code_bv: str) -> str:
    """The national key of a polling station: ``92040_0001``, the
    ``codeBureauVote`` of Etalab's contours and data.gouv.fr's ``id_brut_miom``."""
    return f"{code_commune}_{code_bv.zfill(4)}"


# --- typing ----------------------------------------------------------------
class _Cells:
    """Converts the cells of one station, collecting problems instead of stopping."""

    def __init__(self, file: str, station: Station) -> None:
        self.file, self.station = file, station
        self.problems: list[tuple[int, str]] = []

    def fail(self, message: str) -> None:
        self.problems.append((self.station.line, _("{file}, line {line}, polling station {code}: {problem}").format(
            file=self.file, line=self.station.line, code=self.station.code_bv or "?", problem=message)))

    def count(self, name: str, value: str, required: bool = True) -> int | None:
        try:
            number = parse_number(value)
        except ValueError:
            number = Decimal("NaN")
        if number is None:
            if required:
                self.fail(_("{name} is empty").format(name=name))
            return None
        if not number.is_finite() or number != number.to_integral_value() or number < 0:
            self.fail(_('{name}: "{value}" is not a number of votes').format(name=name, value=value))
            return None
        return int(number)


def ratio(part: int | None, whole: int | None) -> Decimal | None:
    """A percentage with two decimals, as data.gouv.fr's tables give them (40.42)."""
    if part is None or not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def _code_bv(cells: _Cells, value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"[0-9A-Za-z]{1,4}", code):
        cells.fail(_('"{value}" is not a polling station number').format(value=value))
    return code.zfill(4)


def _elected(cells: _Cells, value: str) -> bool | None:
    plain = value.strip().lower()
    if not plain:
        return None
    if plain in ELECTED:
        return True
    if plain in NOT_ELECTED:
        return False
    cells.fail(_('"{value}" does not say whether the candidate is elected').format(value=value))
    return None


def _sex(cells: _Cells, value: str) -> str:
    plain = value.strip().lower()
    if plain and plain not in SEXES:
        cells.fail(_('"{value}" is not a sex (M, F, MASCULIN, FEMININ)').format(value=value))
    return SEXES.get(plain, "")


@dataclass(frozen=True)
class Tables:
    """The typed rows of a round (columns of ``columns.TURNOUT`` and ``columns.RESULTS``)."""

    turnout: list[tuple[Any, ...]]
    results: list[tuple[Any, ...]]
    totals: dict[str, int]  # the commune's totals, derived from its stations
    votes: dict[str, int]  # votes of each candidate or list in the commune, by label


def _type_station(election: str, cells: _Cells) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], dict[str, int | None]]:
    station = cells.station
    code_bv = _code_bv(cells, station.code_bv)
    key = station_key(station.code_commune, code_bv)
    counts = {name: cells.count(name, getattr(station, name), name in ("inscrits", "votants", "exprimes"))
              for name in ("inscrits", "votants", "exprimes", "abstentions", "blancs", "nuls", "blancs_ou_nuls")}
    if counts["abstentions"] is None and None not in (counts["inscrits"], counts["votants"]):
        counts["abstentions"] = counts["inscrits"] - counts["votants"]
    registered, voters = counts["inscrits"], counts["votants"]
    turnout = (
        election, key, station.code_commune, station.libelle_commune, code_bv,
        registered, counts["abstentions"], voters, counts["blancs"], counts["nuls"], counts["blancs_ou_nuls"],
        counts["exprimes"], ratio(counts["abstentions"], registered), ratio(voters, registered),
        ratio(counts["blancs"], voters), ratio(counts["nuls"], voters),
        ratio(counts["exprimes"], registered), ratio(counts["exprimes"], voters),
    )
    results = []
    for candidate in station.candidates:
        votes = cells.count(_("votes of {panel}").format(panel=candidate.panneau), candidate.voix)
        seats = cells.count(_("seats of {panel}").format(panel=candidate.panneau), candidate.sieges, required=False)
        results.append((
            election, key, station.code_commune, code_bv, candidate.panneau.strip(), candidate.nuance.strip(),
            candidate.nom.strip(), candidate.prenom.strip(), _sex(cells, candidate.sexe), candidate.liste.strip(),
            candidate.libelle_liste.strip(), candidate.nom_tete_liste.strip(), votes,
            ratio(votes, registered), ratio(votes, counts["exprimes"]), _elected(cells, candidate.elu), seats,
        ))
    return turnout, results, counts


def _check_sums(cells: _Cells, counts: dict[str, int | None], votes: Sequence[int | None],
                panachage: bool) -> None:
    """votants = exprimés + blancs + nuls (or blancs-ou-nuls); inscrits =
    votants + abstentions; the candidates' votes add up to exprimés."""
    if None in (counts["inscrits"], counts["votants"], counts["exprimes"]) or None in votes:
        return  # already reported
    spoilt = [counts[name] for name in ("blancs", "nuls") if counts[name] is not None]
    if counts["blancs_ou_nuls"] is not None:
        spoilt = [counts["blancs_ou_nuls"]]
        names = _("exprimés + blancs ou nuls")
    else:
        names = _("exprimés + blancs + nuls")
    if counts["votants"] != counts["exprimes"] + sum(spoilt):
        cells.fail(_("votants ({voters}) ≠ {names} ({total})").format(
            voters=counts["votants"], names=names, total=counts["exprimes"] + sum(spoilt)))
    if counts["abstentions"] is not None and counts["inscrits"] != counts["votants"] + counts["abstentions"]:
        cells.fail(_("inscrits ({registered}) ≠ votants + abstentions ({total})").format(
            registered=counts["inscrits"], total=counts["votants"] + counts["abstentions"]))
    cast = sum(v for v in votes if v is not None)
    if votes and cast != counts["exprimes"] and not (panachage and cast > counts["exprimes"]):
        cells.fail(_("the candidates' votes add up to {votes}, not to exprimés ({cast})").format(
            votes=cast, cast=counts["exprimes"]))


def typed_tables(election_round: Round, small_commune: bool = False) -> Tables:
    """The round's two long tables and its totals; raises RoundProblems.

    ``small_commune``: the commune has fewer than 1,000 inhabitants, so in
    municipal elections up to 2020 its candidates' votes may exceed exprimés."""
    year, kind, _number = election_parts(election_round.election)
    panachage = small_commune and kind == "muni" and year <= PANACHAGE_UNTIL
    problems: list[tuple[int, str]] = []
    turnout, results = [], []
    first_line: dict[str, int] = {}
    totals = dict.fromkeys(("inscrits", "abstentions", "votants", "blancs", "nuls", "blancs_ou_nuls", "exprimes"), 0)
    votes_by_label: dict[str, int] = {}
    for station in election_round.stations:
        cells = _Cells(election_round.file, station)
        row, rows, counts = _type_station(election_round.election, cells)
        _check_sums(cells, counts, [r[12] for r in rows], panachage)
        first = first_line.setdefault(row[1], station.line)
        if first != station.line:
            cells.fail(_("the polling station {key} already appears on line {first}").format(key=row[1], first=first))
        problems += cells.problems
        turnout.append(row)
        results += rows
        for name in totals:
            totals[name] += counts[name] or 0
        for result in rows:
            label = result[9] or " ".join(part for part in (result[7], result[6]) if part) or result[4]
            votes_by_label[label] = votes_by_label.get(label, 0) + (result[12] or 0)
    if not turnout:
        problems.append((0, _("{file}: no polling station").format(file=election_round.file)))
    if problems:
        raise RoundProblems(sorted(problems, key=lambda problem: problem[0]))
    return Tables(turnout, results, totals, votes_by_label)


def rounds_by_election(stations: Iterable[tuple[str, Station]], file: str) -> list[Round]:
    """Stations tagged with their election, grouped into rounds (in the order first seen)."""
    rounds: dict[str, Round] = {}
    for election, station in stations:
        rounds.setdefault(election, Round(election, file)).stations.append(station)
    return list(rounds.values())
