"""Opendatasoft CSV exports of election results read with a field mapping
by ``ods.read_mapped``, and the mapping's checks (``ods.mapping_problems``).

Fixtures: Issy's municipal election of 2020 (one column per candidate,
``BureauxDeVotes`` such as ``001 - CENTRE ADMINISTRATIF MUNICIPAL``,
``"1 027"``, ``BlancsOuNuls``), and a departmental election of 2021 for Issy
and Vanves with one row per station and pair of candidates. Both are UTF-8
with a byte order mark and CRLF, as Opendatasoft exports them. Messages are
asserted on what survives their translation: the file, lines and names."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ckanext.issy.harvesters.core.reading import ReadError, iter_csv
from ckanext.issy.harvesters.election_formats import model
from ckanext.issy.harvesters.election_formats.ods import mapping_problems, read_mapped
from tests.harvesters.elections.conftest import plain_quotes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "elections"
MUNICIPAL = "ods-municipales-2020-t1-issy.csv"
DEPARTMENTAL = "ods-departementales-2021-t1-gpso.csv"
WIDE: dict[str, Any] = {
    "code_bv": "BureauxDeVotes", "inscrits": "Inscrits", "votants": "Votants", "exprimes": "SuffragesExprimes",
    "blancs_ou_nuls": "BlancsOuNuls",
    "candidate_columns": {
        "AndreSantini": {"panneau": "4", "nom": "SANTINI", "prenom": "André", "liste": "Issy, c'est vous !",
                         "nuance": "LDVD"},
        "CelineBertrand": {"nom": "BERTRAND", "prenom": "Céline", "nuance": "LECO"},
        "MathieuLeroux": {},
    },
}
LONG: dict[str, Any] = {
    "code_commune": "code_insee", "code_bv": "bureau", "inscrits": "inscrits", "votants": "votants",
    "exprimes": "exprimes", "blancs": "blancs", "nuls": "nuls",
    "candidate": {"voix": "voix", "panneau": "numero_panneau", "nom": "binome", "nuance": "nuance", "elu": "elu"},
}


def _read(path: Path, mapping: dict[str, Any], election: str = "2020_muni_t1", insee: str = "92040",
          libelle: str = "Issy-les-Moulineaux") -> model.Round:
    with iter_csv(path, path.name) as stream:
        return read_mapped(stream, mapping, election, insee, libelle, path.name)


def _variant(tmp_path: Path, fixture: str, old: str, new: str, count: int = 1) -> Path:
    """The fixture with ``old`` replaced, still with its byte order mark."""
    text = (FIXTURES / fixture).read_bytes().decode("utf-8-sig")
    assert text.count(old) >= count
    path = tmp_path / fixture
    path.write_bytes(("\ufeff" + text.replace(old, new, count)).encode("utf-8"))
    return path


def _keys(election_round: model.Round) -> list[str]:
    return [model.station_key(s.code_commune, s.code_bv) for s in election_round.stations]


def _says(error: pytest.ExceptionInfo[ReadError], file: str, *parts: str) -> None:
    """The message starts with the file and names each part."""
    message = plain_quotes(str(error.value))
    assert re.match(re.escape(file) + r"\s?[,:]", message), message
    for part in parts:
        assert part in message, (part, message)


# --- one column per candidate ---------------------------------------------
def test_a_municipal_export_with_one_column_per_candidate_gives_its_stations_with_leading_numbers_as_codes() -> None:
    read = _read(FIXTURES / MUNICIPAL, WIDE)

    assert (read.election, read.file) == ("2020_muni_t1", MUNICIPAL)
    assert _keys(read) == ["92040_0001", "92040_0002", "92040_0003"]
    assert [(s.line, s.code_bv, s.libelle_commune) for s in read.stations] == [
        (2, "001", "Issy-les-Moulineaux"), (3, "002", "Issy-les-Moulineaux"), (4, "003", "Issy-les-Moulineaux")]


def test_cells_stay_as_written_thousands_with_spaces_and_blank_or_null_votes_together() -> None:
    first = _read(FIXTURES / MUNICIPAL, WIDE).stations[0]

    assert (first.inscrits, first.votants, first.exprimes, first.blancs_ou_nuls) == ("1 027", "653", "641", "12")
    assert (first.abstentions, first.blancs, first.nuls) == ("", "", "")


def test_each_candidate_column_gives_its_votes_and_the_mapped_details() -> None:
    first = _read(FIXTURES / MUNICIPAL, WIDE).stations[0]

    assert first.candidates == [
        model.Candidate(panneau="4", voix="400", nom="SANTINI", prenom="André", liste="Issy, c'est vous !",
                        nuance="LDVD"),
        # No liste but a nom: the list stays unnamed; no panneau: the column's rank.
        model.Candidate(panneau="2", voix="141", nom="BERTRAND", prenom="Céline", nuance="LECO"),
        # No details at all: labelled by the field's name.
        model.Candidate(panneau="3", voix="100", liste="MathieuLeroux"),
    ]


def test_the_municipal_round_types_and_checks_without_problems() -> None:
    tables = model.typed_tables(_read(FIXTURES / MUNICIPAL, WIDE))

    assert tables.totals == {"inscrits": 3137, "abstentions": 1172, "votants": 1965, "blancs": 0, "nuls": 0,
                             "blancs_ou_nuls": 37, "exprimes": 1928}
    assert tables.votes == {"Issy, c'est vous !": 1200, "Céline BERTRAND": 421, "MathieuLeroux": 307}


@pytest.mark.parametrize(("written", "code_bv"), [
    ("12 - SALLE DES FÊTES", "12"), ("7 – ÉCOLE LES ÎLOTS", "7"), ("0004:MAISON DE LA JEUNESSE", "0004"),
    ("5", "5"), ("BV 6", "BV 6"),
])
def test_a_station_named_after_its_number_gives_the_number_and_anything_else_stays_as_written(
        tmp_path: Path, written: str, code_bv: str) -> None:
    path = _variant(tmp_path, MUNICIPAL, "003 - GYMNASE DU VAL DE SEINE", written)

    assert _read(path, WIDE).stations[2].code_bv == code_bv


def test_mapped_fields_missing_from_the_header_are_all_named(tmp_path: Path) -> None:
    mapping = {**WIDE, "abstentions": "Abstentions",
               "candidate_columns": {**WIDE["candidate_columns"], "PaulineDupre": {"nom": "DUPRÉ"}}}
    path = _variant(tmp_path, MUNICIPAL, ";SuffragesExprimes;", ";Exprimes;")

    with pytest.raises(ReadError) as error:
        _read(path, mapping)

    _says(error, MUNICIPAL, "SuffragesExprimes, Abstentions, PaulineDupre")


def test_fields_are_found_whatever_their_case() -> None:
    mapping = {**WIDE, "code_bv": "bureauxdevotes", "inscrits": "INSCRITS"}

    assert _read(FIXTURES / MUNICIPAL, mapping) == _read(FIXTURES / MUNICIPAL, WIDE)


def test_an_invalid_mapping_is_a_read_error_naming_the_file() -> None:
    with pytest.raises(ReadError) as error:
        _read(FIXTURES / MUNICIPAL, {**WIDE, "votants": ""})

    _says(error, MUNICIPAL, '"votants"')


# --- one row per station and candidate -------------------------------------
def test_rows_of_each_candidate_are_grouped_by_station_in_the_order_first_seen_for_the_commune_only() -> None:
    read = _read(FIXTURES / DEPARTMENTAL, LONG, "2021_dpmt_t1")

    assert _keys(read) == ["92040_0001", "92040_0002"]
    assert [(s.line, s.inscrits, s.blancs, s.nuls) for s in read.stations] == [(2, "1 027", "8", "3"),
                                                                               (6, "1 112", "6", "4")]
    assert [[(c.panneau, c.voix) for c in s.candidates] for s in read.stations] == [
        [("1", "230"), ("2", "121"), ("3", "50")], [("1", "270"), ("2", "170")]]
    assert read.stations[0].candidates[2] == model.Candidate(
        panneau="3", voix="50", nom="Mme Hélène GARNIER et M. Noël PERRIN", nuance="BC-RN", elu="non")


def test_another_commune_of_the_same_export_is_read_by_its_insee_code() -> None:
    read = _read(FIXTURES / DEPARTMENTAL, LONG, "2021_dpmt_t1", insee="92075", libelle="Vanves")

    assert _keys(read) == ["92075_0001"]
    assert [(s.line, s.libelle_commune, len(s.candidates)) for s in read.stations] == [(4, "Vanves", 2)]
    assert model.typed_tables(read).totals["exprimes"] == 343


def test_the_departmental_round_types_and_checks_without_problems() -> None:
    tables = model.typed_tables(_read(FIXTURES / DEPARTMENTAL, LONG, "2021_dpmt_t1"))

    assert tables.totals["inscrits"] == 2139
    assert tables.votes == {"Mme Sophie MARTIN et M. Éric DUBOIS": 500, "M. Karim BENALI et Mme Léa FONTAINE": 291,
                            "Mme Hélène GARNIER et M. Noël PERRIN": 50}


def test_without_a_panneau_field_candidates_are_numbered_within_their_station() -> None:
    mapping = {**LONG, "candidate": {"voix": "voix", "nom": "binome"}}

    read = _read(FIXTURES / DEPARTMENTAL, mapping, "2021_dpmt_t1")

    assert [[c.panneau for c in s.candidates] for s in read.stations] == [["1", "2", "3"], ["1", "2"]]


def test_without_a_commune_field_every_row_is_the_communes(tmp_path: Path) -> None:
    # Issy's rows only, their INSEE code left empty.
    text = (FIXTURES / DEPARTMENTAL).read_bytes().decode("utf-8-sig")
    rows = [line.removeprefix("92040") for line in text.splitlines() if not line.startswith("92075")]
    path = tmp_path / DEPARTMENTAL
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    mapping = {key: value for key, value in LONG.items() if key != "code_commune"}

    read = _read(path, mapping, "2021_dpmt_t1")

    assert _read(path, LONG, "2021_dpmt_t1").stations == []
    assert _keys(read) == ["92040_0001", "92040_0002"]
    assert [(s.line, len(s.candidates)) for s in read.stations] == [(2, 3), (4, 2)]


def test_a_station_whose_repeated_figures_differ_between_its_rows_names_both_lines(tmp_path: Path) -> None:
    path = _variant(tmp_path, DEPARTMENTAL, "1 027;412;8;3;401;3;", "1 027;413;8;3;401;3;")

    with pytest.raises(ReadError) as error:
        _read(path, LONG, "2021_dpmt_t1")

    _says(error, DEPARTMENTAL, "votants")
    assert re.search(r"(lines|lignes) 2 (and|et) 8\b", str(error.value))


# --- the mapping's checks ---------------------------------------------------
@pytest.mark.parametrize("mapping", [WIDE, LONG, {**LONG, "abstentions": "abst", "candidate": {"voix": "v"}}])
def test_a_valid_mapping_has_no_problem(mapping: dict[str, Any]) -> None:
    assert mapping_problems(mapping) == []


@pytest.mark.parametrize(("mapping", "names"), [
    (["code_bv"], [[]]),
    ({"code_bv": "bv", "inscrits": "", "votants": 3, "exprimes": "e", "nuls": " ", "bureau": "x",
      "candidate": {"voix": "v"}},
     [['"bureau"'], ['"inscrits"'], ['"votants"'], ['"nuls"']]),
    ({**WIDE, "candidate": {"voix": "v"}}, [['"candidate_columns"', '"candidate"']]),
    ({key: value for key, value in WIDE.items() if key != "candidate_columns"},
     [['"candidate_columns"', '"candidate"']]),
    ({**WIDE, "candidate_columns": {}}, [['"candidate_columns"']]),
    ({**WIDE, "candidate_columns": {"": {}, "A": "SANTINI", "B": {"name": "X", "nom": 1}}},
     [['"candidate_columns"'], ['"candidate_columns"', '"A"'], ['"B"', '"name"'], ['"B"', '"nom"']]),
    ({**LONG, "candidate": "voix"}, [['"candidate"']]),
    ({**LONG, "candidate": {"nom": "binome", "votes": "voix", "elu": None}},
     [['"votes"'], ['"voix"'], ['"elu"']]),
])
def test_every_problem_of_a_mapping_is_reported_naming_its_key(mapping: Any, names: list[list[str]]) -> None:
    problems = mapping_problems(mapping)

    assert len(problems) == len(names), problems
    for problem, keys in zip(problems, names):
        assert all(key in plain_quotes(problem) for key in keys), (problem, keys)
