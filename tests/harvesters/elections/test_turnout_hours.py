"""The turnout over polling day (``turnout_hours_url``): the voters counted
at each hour by polling station, read from the shape a municipal portal
exports (one column per hour, "001 - NAME" stations, a byte order mark),
counts or percentages, published as the round's third table; a file that
cannot be read or typed never holds the results back and leaves the last
good table."""
from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from devstack import election_samples
from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.elections.conftest import datasets, election_source, resource, table

EUROPEENNES = {"format": "miom_b", "election": "2024_euro_t1"}
RESULTS = election_samples.europeennes_2024_format_b()


def _harvest(harvest: Harvest, feed: Feed, hours: bytes, results: bytes = RESULTS, unit: str = "votants",
             source: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    feed.serve_file("europeennes.csv", results)
    feed.serve_file("participation-horaire.csv", hours)
    source = source or election_source(harvest, feed.url("europeennes.csv"), {
        **EUROPEENNES, "turnout_hours_url": feed.url("participation-horaire.csv"), "turnout_hours_unit": unit})
    problems = errors(harvest.run(source))
    (package,) = datasets()
    return source, package, problems


def _registered() -> dict[int, int]:
    rows = csv.DictReader(io.StringIO(RESULTS.decode("utf-8")), delimiter=";")
    return {int(row["Code BV"]): int(row["Inscrits"]) for row in rows if row["Code commune"] == "92040"}


def _cells(hours: bytes) -> dict[tuple[int, str], str]:
    """(station, "HH:MM") -> the file's cell, read with the csv module."""
    rows = list(csv.reader(io.StringIO(hours.decode("utf-8-sig")), delimiter=";"))
    return {(int(row[0].split(" - ")[0]), f"{int(name.removesuffix('h')):02d}:00"): cell
            for row in rows[1:] for name, cell in zip(rows[0][1:], row[1:])}


def _rate(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def test_the_voters_counted_at_each_hour_are_the_rounds_third_table(harvest: Harvest, feed: Feed) -> None:
    hours = election_samples.turnout_by_hour(RESULTS)
    _source, package, problems = _harvest(harvest, feed, hours)
    assert problems == []
    assert resource(package, "turnout_hours")["datastore_active"]
    rows = table(package, "turnout_hours")
    cells, registered = _cells(hours), _registered()
    assert len(rows) == len(cells) == 45 * 8
    for row in rows:
        station = int(row["code_bv"])
        assert row["id_brut_miom"] == f"92040_{station:04d}" and row["id_election"] == "2024_euro_t1"
        assert row["votants"] == int(cells[(station, row["heure"])].replace("\u202f", ""))
        assert row["inscrits"] == registered[station]
        assert Decimal(str(row["ratio_votants_inscrits"])) == _rate(row["votants"], registered[station])


def test_a_file_of_rates_gives_the_voters_from_the_registered(harvest: Harvest, feed: Feed) -> None:
    hours = "Numéro de bureau;Participation à 12h00;Participation à 17h30\r\n1;21,5 %;48,25 %\r\n2;19,04;51\r\n"
    _source, package, problems = _harvest(harvest, feed, hours.encode("utf-8"), unit="percent")
    assert problems == []
    registered = _registered()
    rows = {(int(r["code_bv"]), r["heure"]): r for r in table(package, "turnout_hours")}
    assert sorted(rows) == [(1, "12:00"), (1, "17:30"), (2, "12:00"), (2, "17:30")]
    assert Decimal(str(rows[(1, "17:30")]["ratio_votants_inscrits"])) == Decimal("48.25")
    assert rows[(1, "17:30")]["votants"] == int((Decimal("48.25") * registered[1] / 100).quantize(
        Decimal(1), ROUND_HALF_EVEN))


def test_a_file_that_cannot_be_typed_never_holds_the_results_back_and_leaves_the_last_table(
        harvest: Harvest, feed: Feed) -> None:
    good = election_samples.turnout_by_hour(RESULTS)
    source, before, _problems = _harvest(harvest, feed, good)
    hours_before, results_before = table(before, "turnout_hours"), table(before, "results")
    later = election_samples.europeennes_2024_format_b(seed=7)
    # Station 46 is not Issy's; station 1 counts 9999 voters at 10h.
    wrong = re.sub(r"^001 - BUREAU 1;\d+", "001 - BUREAU 1;9999", good.decode("utf-8").replace(
        "045 - BUREAU 45", "046 - BUREAU 46"), flags=re.MULTILINE)
    _source, after, problems = _harvest(harvest, feed, wrong.encode("utf-8"), later, source=source)
    assert table(after, "turnout_hours") == hours_before
    assert table(after, "results") != results_before and len(problems) == 2
    assert any("046 - BUREAU 46" in problem for problem in problems)
    assert any("10:00" in problem and "9999" in problem for problem in problems)


def test_a_file_without_hours_says_so_and_the_results_are_published(harvest: Harvest, feed: Feed) -> None:
    _source, package, problems = _harvest(harvest, feed, b"Bureau;Votants\r\n1;512\r\n")
    assert len(table(package, "turnout")) == 45
    assert not [r for r in package["resources"] if r.get("issy_role") == "turnout_hours"]
    assert len(problems) == 1 and "participation-horaire.csv" in problems[0] and "10h" in problems[0]
