"""The election results (action ``issy_elections``), each figure checked
against an independent SQL query on the same DataStore tables: the city's
totals, turnout, blank and null votes, each candidate's or list's votes
and share, one polling station, and the leading candidate of every
station; for a presidential round (candidates) and a list election; and
both rounds side by side."""
from __future__ import annotations

import pytest

from tests.harvesters.conftest import Feed, Harvest
from devstack import election_samples
from tests.views.elections.conftest import elections, europeennes, one, presidentielle, publish, query, table_id

COUNTS = ("inscrits", "abstentions", "votants", "blancs", "nuls", "exprimes")


def _check_city(answer: dict, turnout: str) -> None:
    city = answer["city"]
    for name in COUNTS:
        assert city[name] == one(f'SELECT sum("{name}") FROM "{turnout}"'), name
    assert city["stations"] == one(f'SELECT count(*) FROM "{turnout}"') == 45
    assert city["turnout"] == pytest.approx(
        float(one(f'SELECT round(100.0 * sum(votants) / sum(inscrits), 2) FROM "{turnout}"')))
    for name, share in (("blancs", "blank_share"), ("nuls", "null_share")):
        assert city[share] == pytest.approx(round(100 * city[name] / city["votants"], 2))
    assert city["blancs_ou_nuls"] is None and city["blank_or_null_share"] is None  # counted apart


def _check_candidates(answer: dict, results: str, turnout: str) -> None:
    cast = one(f'SELECT sum(exprimes) FROM "{turnout}"')
    expected = query(f'SELECT no_panneau, sum(voix) FROM "{results}" GROUP BY 1 ORDER BY 2 DESC, 1')
    assert [[c["panneau"], c["voix"]] for c in answer["candidates"]] == expected
    for candidate in answer["candidates"]:
        assert candidate["share"] == pytest.approx(round(100 * candidate["voix"] / cast, 2))
    assert sum(c["voix"] for c in answer["candidates"]) == cast


def _check_leaders(answer: dict, results: str, turnout: str) -> None:
    leaders = {key: (panneau, voix) for key, panneau, voix in query(
        f'SELECT DISTINCT ON (id_brut_miom) id_brut_miom, no_panneau, voix FROM "{results}" '
        f'ORDER BY id_brut_miom, voix DESC, no_panneau::int')}
    cast = dict(query(f'SELECT id_brut_miom, exprimes FROM "{turnout}"'))
    assert [s["key"] for s in answer["stations"]] == [f"92040_{n:04d}" for n in range(1, 46)]
    for station in answer["stations"]:
        panneau, voix = leaders[station["key"]]
        assert (station["leader"]["panneau"], station["leader"]["voix"]) == (panneau, voix)
        assert station["leader"]["share"] == pytest.approx(round(100 * voix / cast[station["key"]], 2))


def test_a_presidential_rounds_city_results_candidates_and_leaders_are_the_sql_sums(
        harvest: Harvest, feed: Feed) -> None:
    package = presidentielle(harvest, feed)
    turnout, results = table_id(package, "turnout"), table_id(package, "results")
    answer = elections(results)

    assert answer["election"]["election"] == "2022_pres_t1" and answer["election"]["round"] == 1
    assert answer["election"]["name"] == "Élection présidentielle 2022 — 1er tour"
    _check_city(answer, turnout)
    _check_candidates(answer, results, turnout)
    _check_leaders(answer, results, turnout)
    names = {c["panneau"]: c["name"] for c in answer["candidates"]}
    assert names["3"] == "Awa N'DIAYE" and names["6"] == "Raphaël GARCÍA"
    assert elections(turnout)["candidates"] == answer["candidates"]  # either table leads to the round


def test_a_list_elections_lists_are_named_and_counted_as_sql_counts_them(harvest: Harvest, feed: Feed) -> None:
    package = europeennes(harvest, feed)
    turnout, results = table_id(package, "turnout"), table_id(package, "results")
    answer = elections(turnout)

    _check_city(answer, turnout)
    _check_candidates(answer, results, turnout)
    _check_leaders(answer, results, turnout)
    lists = {c["panneau"]: c for c in answer["candidates"]}
    assert len(lists) == 8
    assert lists["2"]["name"] == "Ensemble pour l'Europe, conduite par Aurélien Moreau"
    assert lists["2"]["liste"] == "ENSEMBLE POUR L'EUROPE" and lists["2"]["nuance"] == "LENS"


def test_one_polling_station_is_given_beside_the_city_by_its_number_or_its_national_key(
        harvest: Harvest, feed: Feed) -> None:
    package = presidentielle(harvest, feed)
    turnout, results = table_id(package, "turnout"), table_id(package, "results")
    by_number = elections(results, station="12")["station"]

    assert elections(results, station="92040_0012")["station"] == by_number
    assert elections(results, station="0012")["station"] == by_number
    row = dict(zip(("inscrits", "votants", "exprimes", "blancs", "nuls"), query(
        f'SELECT inscrits, votants, exprimes, blancs, nuls FROM "{turnout}" WHERE code_bv = \'0012\'')[0]))
    assert {name: by_number[name] for name in row} == row
    assert by_number["turnout"] == pytest.approx(round(100 * row["votants"] / row["inscrits"], 2))
    expected = query(f'SELECT no_panneau, voix FROM "{results}" WHERE code_bv = \'0012\' ORDER BY 2 DESC, 1')
    assert [[c["panneau"], c["voix"]] for c in by_number["candidates"]] == expected
    for candidate in by_number["candidates"]:
        assert candidate["share"] == pytest.approx(round(100 * candidate["voix"] / row["exprimes"], 2))
    assert elections(results)["station"] is None


def test_both_rounds_are_side_by_side_each_candidate_matched_by_name(harvest: Harvest, feed: Feed) -> None:
    first = presidentielle(harvest, feed)
    second = publish(harvest, feed, "presidentielle-t2.txt", election_samples.presidentielle_2022_format_a(2),
                     {"format": "miom_a", "election": "2022_pres_t2"})
    from_second = elections(table_id(second, "results"))["rounds"]

    assert [e["election"] for e in from_second["elections"]] == ["2022_pres_t1", "2022_pres_t2"]
    assert elections(table_id(first, "results"))["rounds"] == from_second
    for index, package in enumerate((first, second)):
        results, turnout = table_id(package, "results"), table_id(package, "turnout")
        cast = one(f'SELECT sum(exprimes) FROM "{turnout}"')
        expected = {f"{first_name} {name}": votes for first_name, name, votes in query(
            f'SELECT prenom, nom, sum(voix) FROM "{results}" GROUP BY 1, 2')}
        shown = {row["name"]: row["rounds"][index] for row in from_second["candidates"] if row["rounds"][index]}
        assert {name: side["voix"] for name, side in shown.items()} == expected
        for side in shown.values():
            assert side["share"] == pytest.approx(round(100 * side["voix"] / cast, 2))
        assert from_second["turnout"][index] == pytest.approx(float(one(
            f'SELECT round(100.0 * sum(votants) / sum(inscrits), 2) FROM "{turnout}"')))
    # The second round's two candidates first; the others stood only in the first.
    assert [row["rounds"][1] is not None for row in from_second["candidates"]] == [True, True] + [False] * 4
    assert elections(table_id(europeennes(harvest, feed), "results"))["rounds"] is None
