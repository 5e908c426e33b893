"""Opendatasoft datasets of election results, read with a field mapping.

A municipal portal publishes each election as a dataset of its own, and no
two name their fields alike (``BureauxDeVotes``, ``Inscrits``,
``AndreSantini``...), so a source says which field holds what. Its CSV export
(``;``, UTF-8 with a byte order mark) is read with this mapping (JSON)::

    {
      "code_bv": "<field>",          # "001 - CENTRE ADMINISTRATIF MUNICIPAL" gives 001
      "inscrits": "<field>", "votants": "<field>", "exprimes": "<field>",
      # optional:
      "abstentions": "<field>", "blancs": "<field>", "nuls": "<field>",
      "blancs_ou_nuls": "<field>",   # blank and null votes counted together
      "code_commune": "<field>",     # INSEE code; without it every row is the commune's
      # then EITHER one column per candidate, holding its votes (wide):
      "candidate_columns": {
        "<field>": {"nom": "...", "prenom": "...", "liste": "...", "nuance": "...", "panneau": "..."},
        ...
      },
      # OR one row per polling station and candidate (long):
      "candidate": {"voix": "<field>", "panneau": "<field>", "nom": "<field>", "prenom": "<field>",
                    "liste": "<field>", "nuance": "<field>", "sexe": "<field>", "elu": "<field>"}
    }

Wide: the details of a column are its candidate's (values, not fields), all
optional; ``panneau`` defaults to the column's rank in the mapping (1, 2...)
and ``liste`` to the field's name when neither ``nom`` nor ``liste`` is given.
Long: only ``voix`` is required; a station's fields are repeated on each of
its rows and must agree; stations come in the order first seen and
``panneau`` defaults to the row's rank within its station.

Cells stay as written (``"1 027"``, ``"63,58"``): ``model.typed_tables`` reads them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ckanext.issy.harvesters.core import reading
from ckanext.issy.harvesters.core.mapping import is_field, refuse_invalid
from ckanext.issy.harvesters.election_formats import model
from ckanext.issy.language import _

STATION_REQUIRED = ("code_bv", "inscrits", "votants", "exprimes")
STATION_OPTIONAL = ("abstentions", "blancs", "nuls", "blancs_ou_nuls", "code_commune")
# A station's figures: repeated on each of its rows in long mode.
COUNTS = ("inscrits", "votants", "exprimes", "abstentions", "blancs", "nuls", "blancs_ou_nuls")
MODES = ("candidate_columns", "candidate")
KEYS = (*STATION_REQUIRED, *STATION_OPTIONAL, *MODES)
WIDE_DETAILS = ("nom", "prenom", "liste", "nuance", "panneau")
LONG_FIELDS = ("voix", "panneau", "nom", "prenom", "liste", "nuance", "sexe", "elu")
# "001 - CENTRE ADMINISTRATIF MUNICIPAL (S. REUN)": the station's number, then its name.
_NAMED_STATION = re.compile(r"\s*(\d+)\s*[-–—:]")

Cell = Callable[[str], str]  # the cell of the mapped field of a key ("" when not mapped)


# --- the mapping -----------------------------------------------------------
def _wide_problems(columns: Any) -> list[str]:
    if not isinstance(columns, dict) or not columns:
        return [_('"candidate_columns" must be an object with one field per candidate')]
    problems = []
    for field, details in columns.items():
        if not is_field(field):
            problems.append(_('"candidate_columns": a field name is empty'))
        if not isinstance(details, dict):
            problems.append(_('"candidate_columns", "{field}": the candidate\'s details must be an object').format(
                field=field))
            continue
        problems += [_('"candidate_columns", "{field}": "{key}" is not one of {keys}').format(
                         field=field, key=key, keys=", ".join(WIDE_DETAILS))
                     for key in details if key not in WIDE_DETAILS]
        problems += [_('"candidate_columns", "{field}": "{key}" must be text').format(field=field, key=key)
                     for key, value in details.items() if key in WIDE_DETAILS and not isinstance(value, str)]
    return problems


def _long_problems(candidate: Any) -> list[str]:
    if not isinstance(candidate, dict):
        return [_('"candidate" must be an object giving the field of each detail of a candidate')]
    problems = [_('"candidate": "{key}" is not one of {keys}').format(key=key, keys=", ".join(LONG_FIELDS))
                for key in candidate if key not in LONG_FIELDS]
    if "voix" not in candidate:
        problems.append(_('"candidate": the field of "voix" is required'))
    problems += [_('"candidate", "{key}": a field name is required').format(key=key)
                 for key, value in candidate.items() if key in LONG_FIELDS and not is_field(value)]
    return problems


def mapping_problems(mapping: Any) -> list[str]:
    """Every problem of a field mapping (see the module), translated; none when it is valid."""
    if not isinstance(mapping, dict):
        return [_("the field mapping must be an object")]
    problems = [_('"{key}" is not a key of the field mapping').format(key=key) for key in mapping if key not in KEYS]
    problems += [_('"{key}": a field name is required').format(key=key)
                 for key in STATION_REQUIRED if not is_field(mapping.get(key))]
    problems += [_('"{key}": a field name is required').format(key=key)
                 for key in STATION_OPTIONAL if key in mapping and not is_field(mapping[key])]
    if sum(mode in mapping for mode in MODES) != 1:
        problems.append(_('the field mapping needs either "candidate_columns" (one column per candidate) '
                          'or "candidate" (one row per station and candidate)'))
    if "candidate_columns" in mapping:
        problems += _wide_problems(mapping["candidate_columns"])
    if "candidate" in mapping:
        problems += _long_problems(mapping["candidate"])
    return problems


def _mapped_fields(mapping: dict[str, Any]) -> list[str]:
    fields = [mapping[key] for key in (*STATION_REQUIRED, *STATION_OPTIONAL) if key in mapping]
    fields += list(mapping.get("candidate_columns", {}))
    fields += list(mapping.get("candidate", {}).values())
    return list(dict.fromkeys(fields))


# --- the rows --------------------------------------------------------------
def _getter(mapping: dict[str, Any], indexes: dict[str, int], cells: list[str]) -> Cell:
    return lambda key: cells[indexes[mapping[key]]] if key in mapping else ""


def code_bv(value: str) -> str:
    """A station's number as a portal writes it: "001 - CENTRE ADMINISTRATIF MUNICIPAL" gives 001."""
    named = _NAMED_STATION.match(value)
    return named[1] if named else value


def _station(line: int, cell: Cell, insee: str, libelle_commune: str) -> model.Station:
    return model.Station(line=line, code_commune=insee, libelle_commune=libelle_commune,
                         code_bv=code_bv(cell("code_bv")), inscrits=cell("inscrits"), votants=cell("votants"),
                         exprimes=cell("exprimes"), abstentions=cell("abstentions"), blancs=cell("blancs"),
                         nuls=cell("nuls"), blancs_ou_nuls=cell("blancs_ou_nuls"))


def _wide_candidates(columns: dict[str, dict[str, str]], cells: list[str],
                     indexes: dict[str, int]) -> list[model.Candidate]:
    return [model.Candidate(
        panneau=details.get("panneau", str(rank)), voix=cells[indexes[field]],
        nom=details.get("nom", ""), prenom=details.get("prenom", ""), nuance=details.get("nuance", ""),
        liste=details.get("liste", "" if "nom" in details else field))
        for rank, (field, details) in enumerate(columns.items(), 1)]


def _long_candidate(cell: Cell, rank: int) -> model.Candidate:
    return model.Candidate(panneau=cell("panneau") or str(rank), voix=cell("voix"), nom=cell("nom"),
                           prenom=cell("prenom"), liste=cell("liste"), nuance=cell("nuance"),
                           sexe=cell("sexe"), elu=cell("elu"))


def _long_stations(rows: Iterable[tuple[int, Cell, model.Station]], file: str) -> list[model.Station]:
    """One station per polling station, its candidates from each of its rows."""
    stations: dict[str, model.Station] = {}
    for line, candidate_cell, read in rows:
        station = stations.setdefault(read.code_bv.strip().zfill(4), read)
        differing = [key for key in COUNTS if getattr(station, key).strip() != getattr(read, key).strip()]
        if differing:
            raise reading.ReadError(_(
                "{file}, lines {first} and {line}: polling station {code} has different figures on each line ({fields})"
            ).format(file=file, first=station.line, line=line, code=read.code_bv, fields=", ".join(differing)))
        station.candidates.append(_long_candidate(candidate_cell, len(station.candidates) + 1))
    return list(stations.values())


def _rows(stream: reading.CsvStream, mapping: dict[str, Any], indexes: dict[str, int],
          insee: str, libelle_commune: str) -> Iterator[tuple[int, list[str], model.Station]]:
    """The commune's rows: their line, cells and station (without candidates)."""
    commune = indexes[mapping["code_commune"]] if "code_commune" in mapping else None
    for line, cells in stream.rows:
        if commune is not None and cells[commune].strip().zfill(5) != insee:
            continue
        yield line, cells, _station(line, _getter(mapping, indexes, cells), insee, libelle_commune)


def read_mapped(stream: reading.CsvStream, mapping: dict[str, Any], election: str, insee: str,
                libelle_commune: str, file: str) -> model.Round:
    """The round of commune ``insee`` in an Opendatasoft CSV export read with
    ``mapping`` (see the module). Raises reading.ReadError."""
    refuse_invalid(mapping_problems(mapping), file)
    indexes = reading.find_columns(stream.header, _mapped_fields(mapping), (), file)
    insee = insee.strip().zfill(5)
    rows = _rows(stream, mapping, indexes, insee, libelle_commune)
    if "candidate_columns" in mapping:
        stations = []
        for _line, cells, station in rows:
            station.candidates = _wide_candidates(mapping["candidate_columns"], cells, indexes)
            stations.append(station)
    else:
        candidate = mapping["candidate"]
        stations = _long_stations(((line, _getter(candidate, indexes, cells), station)
                                   for line, cells, station in rows), file)
    return model.Round(election, file, stations)
