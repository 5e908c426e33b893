"""devstack/scdl_samples.py: the sample budget documents of the demo and the
tests, in either plan of accounts, with order operations that balance."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from devstack import scdl_samples as samples
from tests.harvesters.fixtures import generate


def _sums(lines: list[dict], amount: str, *chapters: str) -> float:
    return round(sum(line[amount] for line in lines if line["BGT_CONTNAT"] in chapters and line[amount] != ""), 2)


@pytest.mark.parametrize("stage, nomenclature", [("compte administratif", "M14"), ("budget primitif", "M57")])
def test_order_operations_balance_between_the_sections_to_the_cent(stage: str, nomenclature: str) -> None:
    lines = samples.rows(stage, 2024, nomenclature=nomenclature, order=True)
    order = [line for line in lines if line["BGT_OPBUDG"] == "ordre"]

    assert {(line["BGT_FONCTION"], line["BGT_FONCTION_LABEL"]) for line in order} == {samples.NON_VENTILABLE}
    assert _sums(order, "BGT_MTPREV", "042") == _sums(order, "BGT_MTPREV", "040") > 2_500_000
    assert {line["BGT_SECTION"] for line in order if line["BGT_CONTNAT"] in ("042", "023")} == {"fonctionnement"}
    assert {line["BGT_CODRD"] for line in order if line["BGT_CONTNAT"] in ("040", "021")} == {"recette"}
    transfers = {line["BGT_CONTNAT"] for line in order} & {"023", "021"}
    if stage == "budget primitif":  # voted, never executed
        assert transfers == {"023", "021"}
        assert _sums(order, "BGT_MTPREV", "023") == _sums(order, "BGT_MTPREV", "021")
    else:
        assert transfers == set()
        assert _sums(order, "BGT_MTREAL", "042") == _sums(order, "BGT_MTREAL", "040") > 0


def test_the_real_lines_are_the_same_with_or_without_order_operations() -> None:
    with_order = samples.rows("compte administratif", 2023, order=True)
    assert [line for line in with_order if line["BGT_OPBUDG"] == "réel"] == samples.rows("compte administratif", 2023)


def test_m57_has_its_own_functions_and_a_chapter_m14_has_not() -> None:
    m14 = samples.rows("budget primitif", 2024)
    m57 = samples.rows("budget primitif", 2024, nomenclature="M57")

    assert {line["BGT_FONCTION"] for line in m57} == {code for code, _label in samples.FUNCTIONS_M57}
    chapters = {name: {line["BGT_CONTNAT"] for line in lines} for name, lines in (("M14", m14), ("M57", m57))}
    assert chapters["M57"] - chapters["M14"] == {"731"}
    # The local taxes moved: the operating revenue is about the same.
    assert _sums(m57, "BGT_MTPREV", "73", "731") == pytest.approx(_sums(m14, "BGT_MTPREV", "73"), rel=0.1)


def test_a_small_document_has_exactly_its_lines_and_every_chapter_and_function() -> None:
    full = samples.rows("compte administratif", 2024, nomenclature="M57", order=True)
    small = samples.rows("compte administratif", 2024, lines=150, nomenclature="M57", order=True)

    assert len(small) == 150
    assert {line["BGT_CONTNAT"] for line in small} == {line["BGT_CONTNAT"] for line in full}
    assert {line["BGT_FONCTION"] for line in small} == {line["BGT_FONCTION"] for line in full}
    by_chapter: dict[str, float] = defaultdict(float)
    for line in small:
        by_chapter[line["BGT_CONTNAT"]] += line["BGT_MTPREV"]
    # Spread over fewer lines, a nature keeps its size: chapter 012 stays in the tens of millions.
    assert by_chapter["012"] > 30_000_000


@pytest.mark.parametrize("name", generate.VIEW_FIXTURES)
def test_the_financial_reports_fixtures_are_those_the_generator_writes(name: str) -> None:
    data = (Path(generate.VIEWS) / name).read_bytes()
    assert data == samples.write(generate.VIEW_FIXTURES[name])
    assert len(data) < 60_000
