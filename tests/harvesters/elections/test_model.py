"""Typing and checking a round, the same for every format: counts written
the French way, duplicates, and the one exception the law allows."""
from __future__ import annotations

import pytest

from ckanext.issy.harvesters.election_formats.model import (
    Candidate, Round, RoundProblems, Station, election_title, typed_tables,
)
from tests.harvesters.elections.conftest import plain_quotes


def _station(code_bv: str = "1", line: int = 2, votes: tuple[str, ...] = ("400", "241"), **cells: str) -> Station:
    figures = {"inscrits": "1 027", "votants": "653", "exprimes": "641", "blancs_ou_nuls": "12", **cells}
    return Station(line=line, code_commune="92040", libelle_commune="Issy-les-Moulineaux", code_bv=code_bv,
                   candidates=[Candidate(panneau=str(n), voix=v, nom=f"CANDIDAT {n}") for n, v in enumerate(votes, 1)],
                   **figures)


def _problems(election_round: Round, **options: bool) -> list[str]:
    with pytest.raises(RoundProblems) as refused:
        typed_tables(election_round, **options)
    return [plain_quotes(message) for _line, message in refused.value.problems]


def test_counts_written_the_french_way_are_read_and_abstentions_derived() -> None:
    tables = typed_tables(Round("2020_muni_t1", "municipales.csv", [_station()]))
    (row,) = tables.turnout
    assert row[1] == "92040_0001"
    assert (row[5], row[6], row[7], row[10], row[11]) == (1027, 374, 653, 12, 641)
    assert tables.totals["inscrits"] == 1027 and tables.votes == {"CANDIDAT 1": 400, "CANDIDAT 2": 241}


def test_a_polling_station_twice_is_refused_naming_both_lines() -> None:
    problems = _problems(Round("2024_euro_t1", "europeennes.csv", [_station(), _station("0001", line=9)]))
    assert problems == ["europeennes.csv, ligne 9, bureau de vote 0001: le bureau de vote 92040_0001 figure déjà ligne 2"]


@pytest.mark.parametrize("election, small_commune, allowed", [
    ("2020_muni_t1", True, True),  # panachage, under 1,000 inhabitants, until 2020
    ("2020_muni_t1", False, False),
    ("2026_muni_t1", True, False),  # whole lists everywhere since 2026
    ("2024_euro_t1", True, False),
])
def test_votes_above_exprimes_are_allowed_only_where_the_law_allows_panachage(
        election: str, small_commune: bool, allowed: bool) -> None:
    election_round = Round(election, "resultats.csv", [_station(votes=("600", "350"))])
    if allowed:
        assert sum(row[12] for row in typed_tables(election_round, small_commune).results) == 950
    else:
        assert _problems(election_round, small_commune=small_commune) == [
            "resultats.csv, ligne 2, bureau de vote 1: les voix des candidats font 950, pas les exprimés (641)"]


def test_votes_below_exprimes_are_refused_even_with_panachage() -> None:
    problems = _problems(Round("2020_muni_t1", "resultats.csv", [_station(votes=("300", "241"))]), small_commune=True)
    assert problems == ["resultats.csv, ligne 2, bureau de vote 1: les voix des candidats font 541, pas les exprimés (641)"]


def test_every_problem_of_a_round_is_reported_at_once() -> None:
    problems = _problems(Round("2024_euro_t1", "europeennes.csv", [
        _station(inscrits="mille"), _station("2", line=3, votes=("400", "-1"))]))
    assert problems == [
        'europeennes.csv, ligne 2, bureau de vote 1: inscrits: "mille" n’est pas un nombre de voix',
        'europeennes.csv, ligne 3, bureau de vote 2: voix du panneau 2: "-1" n’est pas un nombre de voix',
    ]


def test_titles_name_the_election_and_round() -> None:
    assert election_title("2022_pres_t2") == "Élection présidentielle 2022 — 2d tour"
    assert election_title("2021_dpmt_t1") == "Élections départementales 2021 — 1er tour"
