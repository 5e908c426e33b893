"""data.gouv.fr's long ("pivot") format: "Données des élections agrégées".

Two national ``;`` CSV files of hundreds of megabytes each:
``general_results`` (one row per election and polling station: inscrits,
votants, exprimés...) and ``candidats_results`` (one row per election,
polling station and candidate or list). Both are streamed and only the
commune's rows are kept, so memory holds one commune, not the country.

Stations are matched on ``code_commune`` + ``code_bv``, both zero-padded,
rather than on ``id_brut_miom``: older elections build that id from the
department and a 3-digit commune code (``1004_0001`` for ``01004_0001``).
"""
from __future__ import annotations

from collections.abc import Collection, Iterator

from ckanext.issy.harvesters.core import reading
from ckanext.issy.harvesters.election_formats import model
from ckanext.issy.language import _

GENERAL_REQUIRED = ("id_election", "code_commune", "code_bv", "inscrits", "votants", "exprimes")
GENERAL_OPTIONAL = ("libelle_commune", "abstentions", "blancs", "nuls")
CANDIDATES_REQUIRED = ("id_election", "code_commune", "code_bv", "no_panneau", "voix")
CANDIDATES_OPTIONAL = ("nuance", "sexe", "nom", "prenom", "liste", "libelle_abrege_liste",
                       "libelle_etendu_liste", "nom_tete_liste")
# data.gouv.fr's name of the candidates file, for messages.
CANDIDATES_FILE = "candidats_results.csv"


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    """The cell of an optional column, empty when the file has none."""
    index = columns.get(name)
    return "" if index is None else cells[index]


def _station_code(code_bv: str) -> str:
    return code_bv.strip().zfill(4)


class _Rows:
    """Chooses the commune's rows of the wanted elections in one file."""

    def __init__(self, insee: str, elections: Collection[str] | None, file: str, columns: dict[str, int]) -> None:
        self.insee, self.elections, self.file = insee, elections, file
        self.commune, self.election = columns["code_commune"], columns["id_election"]

    def election_of(self, row: reading.Row) -> str | None:
        """The row's election when the row is kept, else None; ReadError for an invalid id."""
        if row.cells[self.commune].strip().zfill(5) != self.insee:
            return None
        election = row.cells[self.election].strip()
        if self.elections is not None and election not in self.elections:
            return None
        try:
            model.election_parts(election)
        except ValueError:
            raise reading.ReadError(
                _('{file}, line {line}: "{value}" is not an election id such as 2024_euro_t1').format(
                    file=self.file, line=row.line, value=election)) from None
        return election


def _stations(general: reading.CsvStream, insee: str, file: str,
              elections: Collection[str] | None) -> Iterator[tuple[str, model.Station]]:
    columns = reading.find_columns(general.header, GENERAL_REQUIRED, GENERAL_OPTIONAL, file)
    rows = _Rows(insee, elections, file, columns)
    for row in general.rows:
        election = rows.election_of(row)
        if election is None:
            continue
        cells = row.cells
        yield election, model.Station(
            line=row.line, code_commune=insee, libelle_commune=_cell(cells, columns, "libelle_commune"),
            code_bv=cells[columns["code_bv"]], inscrits=cells[columns["inscrits"]],
            votants=cells[columns["votants"]], exprimes=cells[columns["exprimes"]],
            abstentions=_cell(cells, columns, "abstentions"), blancs=_cell(cells, columns, "blancs"),
            nuls=_cell(cells, columns, "nuls"))


def _candidate(cells: list[str], columns: dict[str, int]) -> model.Candidate:
    short_label = _cell(cells, columns, "libelle_abrege_liste")
    return model.Candidate(
        panneau=cells[columns["no_panneau"]], voix=cells[columns["voix"]],
        nuance=_cell(cells, columns, "nuance"), nom=_cell(cells, columns, "nom"),
        prenom=_cell(cells, columns, "prenom"), sexe=_cell(cells, columns, "sexe"),
        liste=short_label if short_label.strip() else _cell(cells, columns, "liste"),
        libelle_liste=_cell(cells, columns, "libelle_etendu_liste"),
        nom_tete_liste=_cell(cells, columns, "nom_tete_liste"))


def _add_candidates(candidates: reading.CsvStream, stations: dict[tuple[str, str], model.Station], insee: str,
                    file: str, elections: Collection[str] | None) -> None:
    columns = reading.find_columns(candidates.header, CANDIDATES_REQUIRED, CANDIDATES_OPTIONAL, file)
    rows = _Rows(insee, elections, file, columns)
    for row in candidates.rows:
        election = rows.election_of(row)
        if election is None:
            continue
        code_bv = row.cells[columns["code_bv"]]
        station = stations.get((election, _station_code(code_bv)))
        if station is None:
            raise reading.ReadError(
                _("{file}, line {line}: polling station {key} of {election} is not in the general results").format(
                    file=file, line=row.line, key=model.station_key(insee, code_bv.strip()), election=election))
        station.candidates.append(_candidate(row.cells, columns))


def read_long(general: reading.CsvStream, candidates: reading.CsvStream, insee: str, file: str,
              elections: Collection[str] | None = None, *, candidates_file: str = CANDIDATES_FILE) -> list[model.Round]:
    """The rounds of commune ``insee`` (of ``elections`` only, if given), in
    the order first seen in ``general``; ``file`` names the general results
    file (the rounds' file, whose lines the stations keep), ``candidates_file``
    the candidates file in messages. Raises reading.ReadError."""
    insee = insee.strip().zfill(5)
    wanted = None if elections is None else frozenset(elections)
    stations = list(_stations(general, insee, file, wanted))
    by_key: dict[tuple[str, str], model.Station] = {}
    for election, station in stations:
        # A station written twice stays twice in its round, for typed_tables to
        # report; its candidates go to the first.
        by_key.setdefault((election, _station_code(station.code_bv)), station)
    _add_candidates(candidates, by_key, insee, candidates_file, wanted)
    return model.rounds_by_election(stations, file)
