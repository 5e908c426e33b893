"""The Ministry of the Interior's results by polling station: one row per
station, a fixed part (commune, station, turnout) then one block of cells
per candidate or list.

- **Format A** (2017–2022): ``;``, cp1252; the header names only the FIRST
  candidate block, later blocks are unnamed and rows are as long as their
  station's number of candidates; the commune is its three-digit code
  inside the département (``040`` in ``92``).
- **Format B** (2024 onwards): UTF-8, every block numbered (``Voix 1``,
  ``Voix 2``...), percentages written ``"71,74%"``, the commune's INSEE code.

Both are read as a stream: a national file of hundreds of megabytes costs
the memory of one commune's stations. Header names vary from one election
to the next (``Code B.Vote``, ``Code BV``, ``N.Pan.``, ``N°Liste``...): they
are compared without accents, case, spaces or punctuation.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ckanext.issy.harvesters.core.reading import CsvStream, ReadError, Row
from ckanext.issy.harvesters.election_formats.model import Candidate, Round, Station
from ckanext.issy.language import _

# The fixed part: the field of Station each header name fills.
FIXED = {
    "codedudepartement": "departement", "codedepartement": "departement",
    "codedelacommune": "commune", "codecommune": "commune",
    "libelledelacommune": "libelle_commune", "libellecommune": "libelle_commune",
    "codedubvote": "code_bv", "codebvote": "code_bv", "codebv": "code_bv", "codedubureaudevote": "code_bv",
    "inscrits": "inscrits", "abstentions": "abstentions", "votants": "votants",
    "blancs": "blancs", "nuls": "nuls", "blancsetnuls": "blancs_ou_nuls", "exprimes": "exprimes",
}
# Required, with the name a message gives them (the Ministry's usual header).
FIXED_REQUIRED = {"commune": "Code de la commune", "code_bv": "Code du b.vote", "inscrits": "Inscrits",
                  "votants": "Votants", "exprimes": "Exprimés"}
# A candidate's block: the field of Candidate each header name fills
# (numbers removed in format B). Percentages are derived, not read.
BLOCK = {
    "npanneau": "panneau", "npan": "panneau", "nliste": "panneau", "numerodepanneau": "panneau",
    "sexe": "sexe", "sexecandidat": "sexe",
    "nom": "nom", "nomcandidat": "nom", "binome": "nom",
    "prenom": "prenom", "prenomcandidat": "prenom",
    "nuance": "nuance", "codenuance": "nuance", "nuanceliste": "nuance", "nuancecandidat": "nuance",
    "libelleabregeliste": "liste", "libelleabregedeliste": "liste",
    "libelleetenduliste": "libelle_liste", "libelledeliste": "libelle_liste",
    "nomtetedeliste": "nom_tete_liste",
    "voix": "voix", "elu": "elu", "siegeselu": "elu", "sieges": "sieges",
}
BLOCK_REQUIRED = {"panneau": "N°Panneau", "voix": "Voix"}
FIRST_OF_BLOCK = {"panneau"}
# The Ministry's letters for the départements and collectivities overseas (format A).
OVERSEAS = {"ZA": "971", "ZB": "972", "ZC": "973", "ZD": "974", "ZM": "976", "ZN": "988",
            "ZP": "987", "ZS": "975", "ZW": "986", "ZX": "977"}
_NUMBERED = re.compile(r"(.*?)\s*(\d+)")


def plain(name: str) -> str:
    """A header name without accents, case, spaces or punctuation: ``Code B.Vote`` -> ``codebvote``."""
    decomposed = unicodedata.normalize("NFKD", name.lstrip("\ufeff").lower())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def insee_code(departement: str, commune: str) -> str:
    """The INSEE code of a commune written as format A writes it (``92`` and
    ``040``), or as format B does (``92040``)."""
    commune = commune.strip()
    if len(commune) == 5:
        return commune
    departement = OVERSEAS.get(departement.strip().upper(), departement.strip()).zfill(2)
    # Overseas: département 971 + commune 105 -> 97105.
    return (departement[:2] if len(departement) == 3 else departement) + commune.zfill(3)[-3:]


def _columns(names: Iterable[str], known: dict[str, str], required: dict[str, str], message: str,
             file: str) -> dict[str, int]:
    """Each field of ``known`` found in ``names`` -> its index (the first
    one); ReadError(``message``) naming the ``required`` ones missing."""
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        # Percentages are derived, not read: "% Votants" is not "Votants".
        field = None if "%" in name else known.get(plain(name))
        if field is not None:
            columns.setdefault(field, index)
    missing = [label for field, label in required.items() if field not in columns]
    if missing:
        raise ReadError(message.format(file=file, columns=", ".join(missing)))
    return columns


def _fixed_columns(header: list[str], end: int, file: str) -> dict[str, int]:
    return _columns(header[:end], FIXED, FIXED_REQUIRED, _("{file}: required column(s) missing: {columns}"), file)


def _block_columns(names: list[str], file: str) -> dict[str, int]:
    return _columns(names, BLOCK, BLOCK_REQUIRED, _("{file}: the candidates' columns lack: {columns}"), file)


def _station(row: Row, fixed: dict[str, int], insee: str, libelle: str) -> Station:
    cell = row.cells.__getitem__
    return Station(
        line=row.line, code_commune=insee, libelle_commune=cell(fixed["libelle_commune"]) if "libelle_commune" in fixed
        else libelle, code_bv=cell(fixed["code_bv"]).strip(),
        **{name: cell(fixed[name]).strip() for name in
           ("inscrits", "votants", "exprimes", "abstentions", "blancs", "nuls", "blancs_ou_nuls") if name in fixed})


def _candidate(cells: list[str], columns: dict[str, int]) -> Candidate:
    return Candidate(**{field: cells[index].strip() for field, index in columns.items()})


def _rows_of_commune(stream: CsvStream, fixed: dict[str, int], insee: str) -> Iterable[tuple[Row, bool]]:
    """The rows of commune ``insee`` (with True), and the file's last row
    when the file ends in the middle of it, whatever its commune (a reader
    checks its length)."""
    departement, commune = fixed.get("departement"), fixed["commune"]
    # Most rows of a national file are other communes': compared as written first.
    three_digits = insee[-3:]
    for row in stream.rows:
        code = row.cells[commune].strip() if commune < len(row.cells) else ""
        ours = code in (insee, three_digits, three_digits.lstrip("0")) and (
            len(code) == 5 or insee_code(row.cells[departement] if departement is not None else "", code) == insee)
        if ours or stream.cut_short(row.line):
            yield row, ours


def _blocks_of(row: Row, stream: CsvStream, start: int, width: int, file: str) -> list[str]:
    """The row's cells, checked to be the fixed part and whole blocks."""
    cells = row.cells
    if (len(cells) - start) % width == 1 and cells[-1] == "":
        cells = cells[:-1]  # a row ending with ";"
    if len(cells) <= start or (len(cells) - start) % width:
        message = _("{file}, line {line}: {found} cells, not the {fixed} of the polling station followed by "
                    "blocks of {width} per candidate").format(
            file=file, line=row.line, found=len(row.cells), fixed=start, width=width)
        if stream.cut_short(row.line):
            message += " " + _("(the file ends in the middle of a line: it looks truncated)")
        raise ReadError(message)
    return cells


def read_format_a(stream: CsvStream, election: str, insee: str, libelle: str, file: str) -> Round:
    """The stations of commune ``insee`` in a format A file."""
    start = next((index for index, name in enumerate(stream.header) if BLOCK.get(plain(name)) in FIRST_OF_BLOCK), None)
    if start is None:
        raise ReadError(_("{file}: no candidate column (N°Panneau, N.Pan., N°Liste...)").format(file=file))
    fixed = _fixed_columns(stream.header, start, file)
    block = _block_columns(stream.header[start:], file)
    width = len(stream.header) - start
    result = Round(election, file)
    for row, ours in _rows_of_commune(stream, fixed, insee):
        cells = _blocks_of(row, stream, start, width, file)
        if not ours:
            continue  # another commune's last row, complete
        station = _station(row, fixed, insee, libelle)
        station.candidates = [_candidate(cells[offset:offset + width], block)
                              for offset in range(start, len(cells), width)]
        result.stations.append(station)
    return result


def _numbered_blocks(header: list[str], file: str) -> tuple[int, list[dict[str, int]]]:
    """Where the numbered blocks start, and each block's columns (absolute indexes)."""
    blocks: dict[int, dict[str, int]] = {}
    start = None
    for index, name in enumerate(header):
        match = _NUMBERED.fullmatch(name.strip())
        field = BLOCK.get(plain(match[1])) if match and "%" not in name else None
        if field is None:  # the fixed part, or a percentage
            continue
        start = index if start is None else start
        blocks.setdefault(int(match[2]), {}).setdefault(field, index)
    if start is None:
        raise ReadError(_("{file}: no numbered candidate column (Numéro de panneau 1, Voix 1...)").format(file=file))
    for number, columns in blocks.items():
        missing = [label for name, label in BLOCK_REQUIRED.items() if name not in columns]
        if missing:
            raise ReadError(_("{file}: the columns of candidate {number} lack: {columns}").format(
                file=file, number=number, columns=", ".join(missing)))
    return start, [blocks[number] for number in sorted(blocks)]


def read_format_b(stream: CsvStream, election: str, insee: str, libelle: str, file: str) -> Round:
    """The stations of commune ``insee`` in a format B file."""
    start, blocks = _numbered_blocks(stream.header, file)
    fixed = _fixed_columns(stream.header, start, file)
    result = Round(election, file)
    for row, ours in _rows_of_commune(stream, fixed, insee):
        if not ours:
            continue  # iter_csv checked its width
        station = _station(row, fixed, insee, libelle)
        # Stations with fewer candidates than the file's widest leave their last blocks empty.
        station.candidates = [_candidate(row.cells, columns) for columns in blocks
                              if row.cells[columns["panneau"]].strip() or row.cells[columns["voix"]].strip()]
        result.stations.append(station)
    return result

