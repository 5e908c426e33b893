"""bench/aggregate.py: the table is reproducible, its checks catch a wrong
answer, and a tiny run goes through every step (the table loaded by
``datastore.load``, every chart request through the GET endpoint and the
action, cached and not, EXPLAIN, the tables), so that the bench cannot rot.
No timing is asserted."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bench import aggregate

SEED = 7


def test_rows_are_reproducible_and_shaped_like_a_city_s_payment_orders() -> None:
    rows = aggregate.generate(3000, SEED)
    assert rows == aggregate.generate(3000, SEED) and rows != aggregate.generate(3000, SEED + 1)
    assert len({row[0] for row in rows}) == 3000  # order numbers
    assert {row[1].year for row in rows} == {2021, 2022, 2023, 2024, 2025}
    assert len({row[1].replace(day=1) for row in rows}) == 60
    assert {row[2] for row in rows} == {"Fonctionnement", "Investissement"}
    assert {row[3] for row in rows} == set(aggregate.DIRECTIONS)
    assert len({row[4] for row in rows}) == len(aggregate.FUNCTIONS) == 36
    assert 200 <= len(aggregate.natures(SEED)) <= 400
    assert any(row[6] < 0 for row in rows) and all(row[7] >= 1 for row in rows)
    first = rows[0]
    assert aggregate.as_text(rows[:1]) == [[first[0], first[1].isoformat(), *first[2:6], str(first[6]), str(first[7])]]


def _answer(chart: aggregate.Chart, rows: list[Any]) -> dict[str, Any]:
    """The answer the API must give, built from the expected figures."""
    want, others = aggregate.expected(chart, rows)
    sort = chart.params.get("sort", {"by": "group", "index": 0, "order": "asc"})
    width = len(chart.params["group_by"])
    position = sort["index"] + (width if sort["by"] == "measure" else 0)
    listed = sorted(([*key, *values] for key, values in want.items()),
                    key=lambda row: row[position], reverse=sort["order"] == "desc")
    return {"rows": listed, "others": [[*key, *values] for key, values in others.items()], "truncated": False}


def test_checks_catch_a_wrong_figure_group_order_or_others() -> None:
    rows = aggregate.generate(2000, SEED)
    for chart in aggregate.CHARTS:
        wanted = aggregate.expected(chart, rows)
        right = _answer(chart, rows)
        assert aggregate.problems(chart, right, wanted) == []
        width = len(chart.params["group_by"])
        wrong_figure = copy.deepcopy(right)
        wrong_figure["rows"][3][width] += 0.01
        missing = copy.deepcopy(right)
        missing["rows"].pop()
        reversed_rows = copy.deepcopy(right)
        reversed_rows["rows"].reverse()
        for answer in (wrong_figure, missing, reversed_rows):
            assert aggregate.problems(chart, answer, wanted), chart.key
        if right["others"]:
            no_others = dict(right, others=[])
            assert aggregate.problems(chart, no_others, wanted), chart.key
    top = aggregate.expected(aggregate.CHARTS[0], rows)
    assert len(top[0]) == 20 and list(top[1]) == [(None,)]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_tiny_run_measures_and_checks_every_chart(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--rows", "3000", "--seed", str(SEED), "--repetitions", "2", "--warmup", "1",
              "--uncached-target-ms", "0", "--cached-target-ms", "0"]
    with app.flask_app.test_request_context():
        assert aggregate.run(aggregate.parse_args(common + ["--explain"]), app.app) == 0
        output = capsys.readouterr().out
        for chart in aggregate.CHARTS:
            assert f"| ({chart.key}) {chart.name} |" in output
            assert f"### ({chart.key})" in output  # EXPLAIN
        assert "| (a) 20 bars: sum by function, top 20 + others | 20 + 1 |" in output
        assert "Seq Scan" in output or "Index" in output
        assert "target: 20-bar payload under 50,000 bytes" in output and "NOT MET" not in output
        # --reuse keeps the table; a payload target of 1 byte is missed: exit 1.
        assert aggregate.run(aggregate.parse_args(common + ["--reuse", "--payload-target", "1"]), app.app) == 1
        output = capsys.readouterr().out
        assert "kept from an earlier run" in output and "**NOT MET**" in output


def test_write_docs_is_issue_23_s_measure_only() -> None:
    with pytest.raises(SystemExit):
        aggregate.parse_args(["--rows", "3000", "--write-docs"])
    with pytest.raises(SystemExit):
        aggregate.parse_args(["--cached-target-ms", "40", "--write-docs"])
    assert aggregate.parse_args(["--write-docs", "--reuse"]).write_docs


def test_write_docs_replaces_only_the_marked_block(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(f"# Perf\n\nbefore\n{aggregate.DOCS_BEGIN}\nold\n{aggregate.DOCS_END}\nafter\n", encoding="utf-8")
    aggregate.write_docs("new table", page)
    assert page.read_text(encoding="utf-8") == (
        f"# Perf\n\nbefore\n{aggregate.DOCS_BEGIN}\nnew table\n{aggregate.DOCS_END}\nafter\n")
