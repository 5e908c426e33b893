"""Validation and typing of SCDL budget lines, checked column by column
(no database: what the import stage does before loading the DataStore)."""
from __future__ import annotations

import pytest

from ckanext.issy.harvesters.finance_formats.checks import DocumentProblems, typed_rows
from ckanext.issy.harvesters.finance_formats.scdl import NAMES, read_documents
from devstack import scdl_samples

URL = "http://127.0.0.2/budget-primitif-2024.csv"


def document(budget: list[dict], **shape: object) -> dict:
    (only,) = read_documents(scdl_samples.write(budget, **shape), URL)
    return only


def column(rows: list[tuple[str, ...]], name: str) -> list[str]:
    return [row[NAMES.index(name)] for row in rows]


def test_french_amounts_become_decimal_point_text_and_codes_keep_their_zeros() -> None:
    budget = scdl_samples.rows("budget primitif", 2024)[:50]
    budget[0]["BGT_MTPREV"] = 1234567.5
    rows, warnings = typed_rows(document(budget, decimal_comma=True, delimiter=";"))
    assert warnings == []
    # "1\u00a0234\u00a0567,50" in the file: thousands separators dropped, decimal point.
    assert column(rows, "BGT_MTPREV")[0] == "1234567.50"
    assert column(rows, "BGT_MTPREV")[1:] == [f"{line['BGT_MTPREV']:.2f}" for line in budget[1:]]
    assert column(rows, "BGT_CONTNAT")[0] == "011" and column(rows, "BGT_ANNEE")[0] == "2024"


def test_rare_forms_are_converted_cell_by_cell_among_plain_ones() -> None:
    budget = scdl_samples.rows("budget primitif", 2024)[:20]
    budget[3]["BGT_MTPREV"], budget[4]["BGT_MTPREV"], budget[5]["BGT_MTPREV"] = "0092", "12,5 %", ""
    budget[6]["BGT_OPBUDG"], budget[7]["BGT_CODRD"] = "Reel", "DEPENSE"
    rows, _warnings = typed_rows(document(budget))
    assert column(rows, "BGT_MTPREV")[3:6] == ["92", "12.5", ""]
    assert column(rows, "BGT_MTPREV")[2] == f"{budget[2]['BGT_MTPREV']:.2f}"
    assert column(rows, "BGT_OPBUDG")[6] == "réel" and column(rows, "BGT_CODRD")[7] == "dépense"


def test_every_problem_is_reported_with_its_line_and_column_in_file_order() -> None:
    budget = scdl_samples.rows("budget primitif", 2024)[:30]
    budget[20]["BGT_MTPREV"] = "12a,50"  # line 22
    budget[9]["BGT_SECTION"] = "exploitation"  # line 11
    budget[9]["BGT_OPBUDG"] = "virtuel"
    budget.insert(15, dict(budget[4]))  # line 17 repeats line 6
    with pytest.raises(DocumentProblems) as raised:
        typed_rows(document(budget))
    problems = raised.value.problems
    assert [line for line, _message in problems] == [11, 11, 17, 23]
    assert "budget-primitif-2024.csv, ligne 11, colonne 12 (BGT_SECTION)" in problems[0][1]
    assert "exploitation" in problems[0][1]
    assert "ligne 11, colonne 13 (BGT_OPBUDG)" in problems[1][1] and "virtuel" in problems[1][1]
    assert "ligne 17" in problems[2][1] and "ligne 6" in problems[2][1]
    assert "ligne 23, colonne 19 (BGT_MTPREV)" in problems[3][1] and "12a,50" in problems[3][1]


def test_an_empty_essential_cell_is_a_problem_an_empty_amount_is_not() -> None:
    budget = scdl_samples.rows("budget primitif", 2024)[:10]
    budget[2]["BGT_NATURE"] = ""
    budget[3]["BGT_MTPREV"] = ""
    with pytest.raises(DocumentProblems) as raised:
        typed_rows(document(budget))
    assert [line for line, _message in raised.value.problems] == [4]
    assert "colonne 7 (BGT_NATURE)" in raised.value.problems[0][1]
