"""Turnout over polling day: the voters counted at each hour, by polling
station (``turnout_hours_url``).

Issy publishes it as a table of its own ("participation aux élections …":
turnout at 10h, 12h, 14h, 16h, 17h, 18h, 19h and 20h), one row per polling
station and one column per hour. Read here:

- the station: the first column whose name says so (``code_bv``,
  ``BureauxDeVotes``, ``Bureau``, ``Numéro de bureau``…), its cells a number
  (``1``, ``0001``) or ``001 - CENTRE ADMINISTRATIF MUNICIPAL``;
- the hours: every column whose name holds one (``10h``, ``12 h``,
  ``10H00``, ``Votants 17h30``, ``Participation à 18h``);
- the cells: voters counted (``1 027``) or, with ``"turnout_hours_unit":
  "percent"``, the turnout in percent (``12,34``, ``12,34 %``).

Typed against the round's turnout table (each station's registered
voters): a station the round does not have, a count above its registered
voters or a rate above 100 is a problem, and the whole file is refused.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.reading import CsvStream, ReadError, parse_number
from ckanext.issy.harvesters.election_formats import ods
from ckanext.issy.harvesters.election_formats.model import RoundProblems, station_key
from ckanext.issy.language import _

UNITS = ("votants", "percent")
_HOUR = re.compile(r"(?<!\d)(\d{1,2})\s*h\s*(\d{2})?(?!\d)", re.IGNORECASE | re.ASCII)
_STATION_WORDS = ("code_bv", "codebv", "bureauxdevotes", "bureaudevote", "bureau", "numero de bureau",
                  "numero_bureau", "num_bureau", "bv")
COLUMNS = [
    Column("id_election", "text", "Élection", "Année, type et tour de l'élection (2024_euro_t1)."),
    Column("id_brut_miom", "text", "Bureau de vote (clé nationale)", "Code INSEE de la commune, « _ », numéro du "
           "bureau sur quatre chiffres (92040_0001)."),
    Column("code_bv", "text", "Numéro du bureau de vote", "Numéro du bureau dans la commune, sur quatre chiffres."),
    Column("heure", "text", "Heure", "Heure du décompte, HH:MM."),
    Column("inscrits", "int4", "Inscrits", "Électeurs inscrits sur la liste du bureau (table de participation)."),
    Column("votants", "int4", "Votants", "Électeurs qui avaient voté à cette heure (calculé à partir du taux quand "
           "le fichier ne donne que le taux)."),
    Column("ratio_votants_inscrits", "numeric", "Votants / inscrits", "Participation à cette heure, en pourcentage "
           "(deux décimales)."),
]


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("°", "").split())


def _hour(name: str) -> str | None:
    found = _HOUR.search(name)
    if not found or int(found.group(1)) > 23 or int(found.group(2) or 0) > 59:
        return None
    return f"{int(found.group(1)):02d}:{found.group(2) or '00'}"


def _columns(header: Sequence[str], name: str) -> tuple[int, dict[int, str]]:
    """The station's column and each hour's column (index -> "HH:MM")."""
    plain = [_plain(cell) for cell in header]
    station = next((i for i, cell in enumerate(plain) if cell.replace(" ", "") in
                    {word.replace(" ", "") for word in _STATION_WORDS} or cell.startswith("bureau")), None)
    hours = {i: hour for i, cell in enumerate(header) if i != station and (hour := _hour(cell))}
    if station is None:
        raise ReadError(_("{file}: no column names the polling station (code_bv, BureauxDeVotes, Bureau…)").format(
            file=name))
    if not hours:
        raise ReadError(_("{file}: no column names an hour (10h, 12h00…)").format(file=name))
    return station, hours


def read_hours(stream: CsvStream, name: str) -> dict[str, Any]:
    """The file's cells as written: ``{"file", "hours": ["10:00"…],
    "stations": [[line, station cell, [cell of each hour]]…]}``."""
    station, hours = _columns(stream.header, name)
    rows = [[line, row[station], [row[i] for i in hours]] for line, row in stream.rows
            if any(cell.strip() for cell in row)]
    return {"file": name, "hours": list(hours.values()), "stations": rows}


def _station(cell: str) -> str | None:
    number = ods.code_bv(cell).strip()
    return str(int(number)) if number.isascii() and number.isdigit() else None


def _value(cell: str, unit: str, inscrits: int) -> tuple[int | None, Decimal | None]:
    """(voters, turnout) of one cell; ValueError when it is no number."""
    value = parse_number(cell)
    if value is None:
        return None, None
    if unit == "percent" or "%" in cell:
        voters = int((value * inscrits / 100).quantize(Decimal(1), ROUND_HALF_EVEN))
        return voters, value.quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    if value != value.to_integral_value():
        raise ValueError(cell)
    voters = int(value)
    return voters, (Decimal(100 * voters) / inscrits).quantize(Decimal("0.01"), ROUND_HALF_EVEN) if inscrits else None


def typed_rows(read: dict[str, Any], election: str, insee: str, registered: dict[str, int],
               unit: str) -> list[tuple[Any, ...]]:
    """The rows of ``COLUMNS``; ``registered``: each station's registered
    voters (by national key) in the round's turnout table. Raises
    RoundProblems with every problem found."""
    problems: list[tuple[int, str]] = []
    rows: list[tuple[Any, ...]] = []
    for line, cell, cells in read["stations"]:
        number = _station(cell)
        key = station_key(insee, number) if number else None
        if key not in registered:
            problems.append((line, _('"{cell}" is not a polling station of this round').format(cell=cell[:60])))
            continue
        for hour, text in zip(read["hours"], cells):
            try:
                voters, rate = _value(text, unit, registered[key])
            except ValueError:
                problems.append((line, _('{hour}: "{cell}" is not a number').format(hour=hour, cell=text[:40])))
                continue
            if voters is None:  # not counted at that hour: no row, so that the hour's rate is of those counted
                continue
            if voters > registered[key] or (rate is not None and rate > 100):
                problems.append((line, _("{hour}: {cell} is more than the {registered} registered voters").format(
                    hour=hour, cell=text, registered=registered[key])))
                continue
            rows.append((election, key, key.partition("_")[2], hour, registered[key], voters, rate))
    if problems:
        raise RoundProblems(problems)
    return rows
