"""A broken election feed leaves what an earlier harvest published exactly
as it was (metadata, both tables row by row, activity) and says why."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes
from tests.harvesters.elections.conftest import datasets, election_source, table
from tests.support.http_server import Response

A = "elections/miom-a-legislatives-2022-t1.txt"
LEGI = {"format": "miom_a", "election": "2022_legi_t1"}


def _lines() -> list[str]:
    return fixture_bytes(A).decode("cp1252").split("\r\n")


def _file(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("cp1252")


def _with_cell(line: int, column: int, value: str) -> bytes:
    """The fixture with one cell changed (line and column counted from 1)."""
    lines = _lines()
    cells = lines[line - 1].split(";")
    cells[column - 1] = value
    lines[line - 1] = ";".join(cells)
    return _file(lines)


def _without_column(name: str) -> bytes:
    lines = _lines()
    index = lines[0].split(";").index(name)
    return _file([";".join(c for i, c in enumerate(line.split(";")) if i != index) if line else line
                  for line in lines])


def _truncated() -> bytes:
    """Cut in the middle of line 4 (Issy's station 0002), as an interrupted upload leaves it."""
    lines = _lines()
    return _file([*lines[:3], lines[3][:120]])


def _snapshot() -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], int]:
    (package,) = datasets()
    activities = tk.get_action("package_activity_list")({"ignore_auth": True}, {"id": package["id"]})
    return package["metadata_modified"], table(package, "turnout"), table(package, "results"), len(activities)


UTF8 = fixture_bytes(A).decode("cp1252").encode("utf-8")
# fault -> (the file of the first harvest, then of the second; the error expected; the source's options)
FAULTS: dict[str, tuple[bytes, bytes, str, dict[str, Any]]] = {
    "truncated file": (fixture_bytes(A), _truncated(),
                       r"miom-a-legislatives-2022-t1.txt, ligne 4\s:\s18 cellules.*tronqué", {}),
    # The source says its files are UTF-8; the Ministry goes back to cp1252.
    "wrong encoding": (UTF8, fixture_bytes(A),
                       r"miom-a-legislatives-2022-t1.txt, ligne 1, colonne \d+\s:\s.*n’est pas valide en utf-8",
                       {"encoding": "utf-8"}),
    "missing column": (fixture_bytes(A), _without_column("Exprimés"),
                       r"colonne\(s\) obligatoire\(s\) absente\(s\)\s:\sExprimés", {}),
    "rows of inconsistent length": (fixture_bytes(A), _with_cell(3, 25, "Étienne;ENS"),
                                    r"ligne 3\s:\s54 cellules.*blocs de 8", {}),
    "non-numeric votes": (fixture_bytes(A), _with_cell(3, 27, "3O1"),
                          r"ligne 3, bureau de vote 0001\s:\s.*«\s3O1\s»", {}),
    "failed consistency check": (fixture_bytes(A), _with_cell(4, 19, "641"),
                                 r"ligne 4, bureau de vote 0002\s:\svotants \(655\) ≠ exprimés \+ blancs \+ nuls \(656\)",
                                 {}),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_election_file_leaves_the_published_results_intact_and_says_why(
        harvest: Harvest, feed: Feed, fault: str) -> None:
    first, second, expected, options = FAULTS[fault]
    feed.files[A] = lambda: Response(first)
    source = election_source(harvest, feed.url(A), {**LEGI, **options})
    assert errors(harvest.run(source)) == []
    before = _snapshot()

    feed.files[A] = lambda: Response(second)
    report = harvest.run(source)

    assert any(re.search(expected, message) for message in errors(report)), errors(report)
    assert _snapshot() == before


def test_an_unreachable_election_source_leaves_the_published_results_intact(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(A)
    source = election_source(harvest, feed.url(A), LEGI)
    harvest.run(source)
    before = _snapshot()
    feed.stop()
    report = harvest.run(source)
    assert any("Connection refused" in message for message in errors(report)), errors(report)
    assert _snapshot() == before
