"""data.gouv.fr's long format (general_results + candidats_results) read
for one commune by ``long.read_long``.

The fixtures hold the European election of 2024 in Boulogne-Billancourt
(92012), Issy-les-Moulineaux (92040, two stations) and Vanves (92075), and the
presidential election of 2022 in Issy and Boulogne. Messages are asserted on
what survives their translation: the file, the lines, the values."""
from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pytest

from ckanext.issy.harvesters.core.reading import ReadError, iter_csv
from ckanext.issy.harvesters.election_formats import model
from ckanext.issy.harvesters.election_formats.long import read_long
from tests.harvesters.elections.conftest import plain_quotes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "elections"
GENERAL = (FIXTURES / "long-general_results.csv").read_text(encoding="utf-8")
CANDIDATES = (FIXTURES / "long-candidats_results.csv").read_text(encoding="utf-8")
EURO_FIRST = model.Candidate(
    panneau="5", voix="120", nuance="RN", liste="LA FRANCE REVIENT !",
    libelle_liste="LA FRANCE REVIENT ! AVEC JORDAN BARDELLA ET MARINE LE PEN", nom_tete_liste="BARDELLA Jordan")


def _read(tmp_path: Path, general: str = GENERAL, candidates: str = CANDIDATES, insee: str = "92040",
          elections: Collection[str] | None = None) -> list[model.Round]:
    (tmp_path / "general.csv").write_text(general, encoding="utf-8")
    (tmp_path / "candidates.csv").write_text(candidates, encoding="utf-8")
    with iter_csv(tmp_path / "general.csv", "general_results.csv") as general_stream, \
            iter_csv(tmp_path / "candidates.csv", "candidats_results.csv") as candidates_stream:
        return read_long(general_stream, candidates_stream, insee, "general_results.csv", elections,
                         candidates_file="candidats_results.csv")


def _keys(election_round: model.Round) -> list[str]:
    return [model.station_key(s.code_commune, s.code_bv) for s in election_round.stations]


def _says(error: pytest.ExceptionInfo[ReadError], file: str, *parts: str) -> None:
    """The message starts with the file and names each part (a line: "line 6")."""
    message = plain_quotes(str(error.value))
    assert message.startswith(f"{file}, ") or message.startswith(f"{file}: ") or message.startswith(f"{file} :")
    for part in parts:
        pattern = re.escape(part).replace("line\\ ", "(line|ligne) ")
        assert re.search(pattern + r"(?!\d)", message), (part, message)


def test_issy_rounds_come_in_the_order_first_seen_with_only_its_stations_and_general_lines(tmp_path: Path) -> None:
    euro, pres = _read(tmp_path)

    assert (euro.election, euro.file, pres.election, pres.file) == (
        "2024_euro_t1", "general_results.csv", "2022_pres_t1", "general_results.csv")
    assert _keys(euro) == ["92040_0001", "92040_0002"]
    assert _keys(pres) == ["92040_0001"]
    assert [s.line for s in euro.stations] + [s.line for s in pres.stations] == [3, 4, 6]


def test_a_station_keeps_its_cells_as_written_and_its_candidates_in_file_order(tmp_path: Path) -> None:
    station = _read(tmp_path)[0].stations[0]

    assert station == model.Station(
        line=3, code_commune="92040", libelle_commune="Issy-les-Moulineaux", code_bv="0001", inscrits="1027",
        votants="647", exprimes="634", abstentions="380", blancs="9", nuls="4", blancs_ou_nuls="",
        candidates=[
            EURO_FIRST,
            model.Candidate(panneau="3", voix="214", nuance="ENS", liste="BESOIN D'EUROPE",
                            libelle_liste="BESOIN D'EUROPE", nom_tete_liste="HAYER Valérie"),
            model.Candidate(panneau="27", voix="300", nuance="UG", liste="RÉVEILLER L'EUROPE",
                            libelle_liste="RÉVEILLER L'EUROPE", nom_tete_liste="GLUCKSMANN Raphaël"),
        ])


def test_a_list_without_short_label_takes_the_liste_column(tmp_path: Path) -> None:
    second = _read(tmp_path)[0].stations[1]

    assert [(c.panneau, c.liste) for c in second.candidates] == [
        ("5", "LA FRANCE REVIENT !"), ("3", "BESOIN D'EUROPE"), ("27", "RÉVEILLER L'EUROPE")]


def test_presidential_candidates_keep_their_name_first_name_and_sex(tmp_path: Path) -> None:
    station = _read(tmp_path)[1].stations[0]

    assert [(c.panneau, c.voix, c.sexe, c.nom, c.prenom, c.liste) for c in station.candidates] == [
        ("3", "400", "M", "MACRON", "Emmanuel", ""), ("5", "125", "F", "LE PEN", "Marine", ""),
        ("7", "250", "F", "PÉCRESSE", "Valérie", "")]
    assert (station.inscrits, station.abstentions, station.votants, station.exprimes) == ("1040", "250", "790", "775")


@pytest.mark.parametrize(("insee", "rounds"), [
    ("92075", [("2024_euro_t1", ["92075_0001"], [5], [3])]),
    ("92012", [("2024_euro_t1", ["92012_0001"], [2], [3]), ("2022_pres_t1", ["92012_0001"], [7], [3])]),
    ("75056", []),
])
def test_each_commune_gets_its_own_stations_and_candidates(
        tmp_path: Path, insee: str, rounds: list[tuple[str, list[str], list[int], list[int]]]) -> None:
    read = _read(tmp_path, insee=insee)

    assert [(r.election, _keys(r), [s.line for s in r.stations], [len(s.candidates) for s in r.stations])
            for r in read] == rounds
    assert all(s.libelle_commune in ("Vanves", "Boulogne-Billancourt") for r in read for s in r.stations)


def test_only_the_given_elections_are_read(tmp_path: Path) -> None:
    (pres,) = _read(tmp_path, elections=["2022_pres_t1"])

    assert (pres.election, _keys(pres), len(pres.stations[0].candidates)) == ("2022_pres_t1", ["92040_0001"], 3)
    assert _read(tmp_path, elections=()) == []


def test_the_rounds_type_and_check_without_problems(tmp_path: Path) -> None:
    euro, pres = _read(tmp_path)

    euro_tables, pres_tables = model.typed_tables(euro), model.typed_tables(pres)

    assert euro_tables.totals == {"inscrits": 2139, "abstentions": 782, "votants": 1357, "blancs": 20, "nuls": 9,
                                  "blancs_ou_nuls": 0, "exprimes": 1328}
    assert euro_tables.votes == {"LA FRANCE REVIENT !": 270, "BESOIN D'EUROPE": 458, "RÉVEILLER L'EUROPE": 600}
    assert pres_tables.votes == {"Emmanuel MACRON": 400, "Marine LE PEN": 125, "Valérie PÉCRESSE": 250}


def test_columns_are_found_whatever_their_case_order_and_surrounding_spaces(tmp_path: Path) -> None:
    header, _rest = GENERAL.split("\n", 1)
    general = header.upper().replace(";", " ; ") + "\n" + _rest
    lines = CANDIDATES.splitlines()
    # The candidates' columns reversed: found by name, not by position.
    candidates = "\n".join(";".join(reversed(line.split(";"))) for line in lines) + "\n"

    assert _read(tmp_path, general, candidates) == _read(tmp_path)


def test_a_file_without_required_columns_names_them_all(tmp_path: Path) -> None:
    general = GENERAL.replace(";exprimes;", ";suffrages;", 1).replace("code_bv;", "bureau;", 1)
    candidates = CANDIDATES.replace("no_panneau;voix;", "numero;votes;", 1)

    with pytest.raises(ReadError) as missing_general:
        _read(tmp_path, general=general)
    with pytest.raises(ReadError) as missing_candidates:
        _read(tmp_path, candidates=candidates)

    _says(missing_general, "general_results.csv", "code_bv, exprimes")
    _says(missing_candidates, "candidats_results.csv", "no_panneau, voix")


def test_older_ids_of_department_and_three_digit_commune_still_find_the_station(tmp_path: Path) -> None:
    # Ambérieu-en-Bugey (01004): the candidates file writes the commune 1004 and the station 1.
    general = GENERAL + ("2022_pres_t1;01004_0001;01;Ain;;;01004;Ambérieu-en-Bugey;0105;5ème circonscription;0001;"
                         "9210;2440;6770;98;41;6631;26.53;73.47;1.07;1.45;0.45;0.61;72.02;97.95\n")
    candidates = CANDIDATES + "2022_pres_t1;1004_0001;1;1004;1;3;6631;72.02;100.00;;M;MACRON;Emmanuel;;;;;\n"

    (pres,) = _read(tmp_path, general, candidates, insee="1004")

    assert _keys(pres) == ["01004_0001"]
    assert (pres.stations[0].line, pres.stations[0].code_commune) == (8, "01004")
    assert [(c.nom, c.voix) for c in pres.stations[0].candidates] == [("MACRON", "6631")]


@pytest.mark.parametrize("row", [
    "2024_euro_t1;92040_0003;92;92040;0003;5;98;9.80;20.00;RN;;;;;LA FRANCE REVIENT !;;BARDELLA Jordan;\n",
    # Station 0002 of Issy only voted in 2024 in the fixture.
    "2022_pres_t1;92040_0002;92;92040;0002;3;410;36.87;59.08;;M;MACRON;Emmanuel;;;;;\n",
])
def test_a_candidate_of_a_station_missing_from_the_general_results_is_an_error(tmp_path: Path, row: str) -> None:
    with pytest.raises(ReadError) as error:
        _read(tmp_path, candidates=CANDIDATES + row)

    _says(error, "candidats_results.csv", "line 20", row.split(";")[1], row.split(";")[0])


def test_stations_missing_from_the_general_results_in_other_communes_or_elections_are_not_checked(
        tmp_path: Path) -> None:
    candidates = CANDIDATES + "2024_euro_t1;92075_0009;92;92075;0009;5;98;9.80;20.00;RN;;;;;LRN;;;\n"

    assert _read(tmp_path, candidates=candidates) == _read(tmp_path)
    assert _read(tmp_path, candidates=CANDIDATES + "2022_pres_t1;92040_0002;92;92040;0002;3;1;;;;M;A;B;;;;;\n",
                 elections=["2024_euro_t1"]) == _read(tmp_path, elections=["2024_euro_t1"])


@pytest.mark.parametrize("wrong", ["2022_PRES_T1", "2022_xxxx_t1", "presidentielle-2022"])
def test_an_invalid_election_id_of_the_commune_in_the_general_results_names_its_line_and_value(
        tmp_path: Path, wrong: str) -> None:
    general = GENERAL.replace("2022_pres_t1;92040_0001", f"{wrong};92040_0001")

    with pytest.raises(ReadError) as error:
        _read(tmp_path, general=general)

    _says(error, "general_results.csv", "line 6", f'"{wrong}"')


def test_an_invalid_election_id_of_the_commune_in_the_candidates_names_its_line_and_value(tmp_path: Path) -> None:
    candidates = CANDIDATES.replace("2024_euro_t1;92040_0002;92;92040;0002;27;",
                                    "2024_europ_t1;92040_0002;92;92040;0002;27;")

    with pytest.raises(ReadError) as error:
        _read(tmp_path, candidates=candidates)

    _says(error, "candidats_results.csv", "line 10", '"2024_europ_t1"')


def test_invalid_election_ids_of_other_communes_or_of_elections_not_asked_for_are_not_errors(tmp_path: Path) -> None:
    general = GENERAL.replace("2022_pres_t1;92012_0001", "2022_PRES;92012_0001")
    candidates = CANDIDATES.replace("2024_euro_t1;92075_0001", "euro 2024;92075_0001")

    assert _read(tmp_path, general, candidates) == _read(tmp_path)
    assert _read(tmp_path, GENERAL.replace("2022_pres_t1;92040", "2022_PRES;92040"),
                 elections={"2024_euro_t1"}) == _read(tmp_path, elections={"2024_euro_t1"})


def test_a_station_written_twice_stays_twice_for_typing_to_report_and_its_candidates_go_to_the_first(
        tmp_path: Path) -> None:
    twice = "2022_pres_t1;92040_0001;92;Hauts-de-Seine;;;92040;Issy-les-Moulineaux;9210;;1;1040;250;790;10;5;775"
    general = GENERAL + twice + ";;;;;;;;\n"

    (_euro, pres) = _read(tmp_path, general=general)

    assert [(s.line, s.code_bv, len(s.candidates)) for s in pres.stations] == [(6, "0001", 3), (8, "1", 0)]
    with pytest.raises(model.RoundProblems) as problems:
        model.typed_tables(pres)
    assert [line for line, _message in problems.value.problems] == [8]
