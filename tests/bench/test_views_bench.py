"""bench/views.py: the budgets are the demo's sample and one of the size
asked, loaded as the finance harvester publishes a budget document (its
extras, the table's SCDL types, the report as the resource's first view),
the cache is cleared for a cold run, the bytes are sorted into their parts,
and the report and its verdicts say what the runs measured, so that the
bench cannot rot. The browser part runs in the bench itself (and the
report's drawing in tests/browser/); no timing is asserted."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench import views as bench


def test_the_budgets_are_the_demo_s_sample_and_one_of_the_size_asked() -> None:
    sample, large = bench.generate(None), bench.generate(1200)

    assert 600 <= len(sample) <= 800 and len(large) == 1200
    assert {row["BGT_NATDEC"] for row in sample + large} == {"budget primitif"}
    assert bench.dataset_name(large) == "bench-budget-primitif-2024-1200"
    assert bench.dataset_title(large) == "Budget primitif 2024 (banc d'essai, 1\u202f200 lignes)"
    assert bench.extras()["scdl_document"] == "budget primitif" and bench.extras()["temporal_start"] == "2024-01-01"


def test_the_lines_are_copy_s_text_in_the_scdl_order() -> None:
    rows = bench.generate(None)[:3]
    names = [column[0] for column in bench.columns()]
    text = bench.as_text(rows)

    assert names[0] == "BGT_NATDEC" and dict(zip(names, (c[1] for c in bench.columns())))["BGT_MTPREV"] == "numeric"
    assert all(len(line) == len(names) for line in text)
    first = dict(zip(names, text[0]))
    assert first["BGT_ANNEE"] == "2024" and first["BGT_MTREAL"] is None  # a budget primitif: nothing spent yet
    assert first["BGT_MTPREV"] == f"{rows[0]['BGT_MTPREV']:.2f}"
    assert bench.voted(rows) == sum(Decimal(dict(zip(names, line))["BGT_MTPREV"]) for line in text)


@pytest.mark.parametrize(("url", "part"), [
    ("http://127.0.0.1:5000/dataset/bench-budget/resource/abc", "html"),
    ("http://127.0.0.1:5000/api/issy/budget?resource_id=abc", "report"),
    ("http://127.0.0.1:5000/webassets/issy_budget/abc_budget.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_budget/abc_budget.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_echarts.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_format.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_shared.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_copy.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_theme.css", "page"),
    ("http://127.0.0.1:5000/webassets/base/abc_main.css", "page"),
    ("http://127.0.0.1:5000/dataset/bench-budget", "page"),
])
def test_each_answer_is_counted_in_its_part(url: str, part: str) -> None:
    assert bench.part_of(url) == part


def _run(figures: float, budget: str = "sample", slow: bool = False, cached: bool = True,
         total: str = "1\u202f000\u00a0€", trees: int = 3) -> bench.Run:
    answers = [bench.Answer("http://127.0.0.1/dataset/b/resource/r", "text/html", 60_000, 14_000),
               bench.Answer("http://127.0.0.1/webassets/issy_vendor/a_echarts.js", "application/javascript",
                            640_000, 220_000),
               bench.Answer("http://127.0.0.1/webassets/base/a_main.css", "text/css", 300_000, 50_000)]
    return bench.Run(budget, slow, cached, figures, 0.1, figures + 1, figures, 80, 30, answers, total, True,
                     ["drawn"] * trees, 19_000, 1.0)


def _budget(label: str = "sample") -> bench.Budget:
    return bench.Budget(label, 700, "r", "/dataset/b/resource/r", "1\u202f000\u00a0€", 3, None)


def test_the_report_and_its_verdicts() -> None:
    runs = [_run(1.2, cached=False), _run(1.0), _run(1.4), _run(3.0, slow=True),
            _run(1.1, budget="20000"), _run(2.5, budget="20000", slow=True)]
    servers = [bench.Server("sample", 0.09, 0.2, 0.04, 18_000, 4_000),
               bench.Server("20000", 0.11, 0.35, 0.06, 18_000, 4_000)]
    timing = bench.timing_table(runs)
    sizes = bench.bytes_table(runs, servers)

    assert "| the sample budget | desktop | 3 | 1.20 (1.20*, 1.00, 1.40) | 0.10 | 2.20 |" in timing
    assert "| 20,000 lines | 4× slower | 1 | 2.50 (2.50) |" in timing
    assert "The total of real expenses is in the first screen (1280 × 900, unscrolled)." in timing
    assert "| **total** | 3, 1,000.0 kB, 284.0 kB | 3, 1,000.0 kB, 284.0 kB |" in sizes
    assert "| 1, 640.0 kB, 220.0 kB |" in sizes and "| 19.0 kB | 19.0 kB |" in sizes
    assert "| the sample budget | 90 ms | 200 ms | 40 ms |" in bench.server_table(servers, 20)
    verdicts = bench.verdicts(runs, [_budget(), _budget("20000")])
    assert [met for _name, met in verdicts] == [True, True, True, True]
    slow = bench.verdicts([_run(1.6), _run(1.0, trees=2), _run(1.0, total="0 €")], [_budget()])
    assert [met for _name, met in slow] == [True, False]
    assert [met for _name, met in bench.verdicts([_run(1.6)], [_budget()])] == [False, True]


def test_write_docs_is_issue_25_s_measure_only(tmp_path: Path) -> None:
    for argv in (["--lines", "300", "--write-docs"], ["--runs", "2", "--write-docs"],
                 ["--requests", "5", "--write-docs"], ["--runs", "0"]):
        with pytest.raises(SystemExit):
            bench.parse_args(argv)
    assert bench.parse_args(["--write-docs", "--reuse"]).write_docs
    page = tmp_path / "performance.md"
    page.write_text(f"before\n{bench.DOCS_BEGIN}\nold\n{bench.DOCS_END}\nafter\n", encoding="utf-8")
    bench.write_docs("new", page)
    assert page.read_text(encoding="utf-8") == f"before\n{bench.DOCS_BEGIN}\nnew\n{bench.DOCS_END}\nafter\n"
    docs = bench.DOCS.read_text(encoding="utf-8")
    assert docs.count(bench.DOCS_BEGIN) == 1 and docs.count(bench.DOCS_END) == 1


def _cached(resource_id: str) -> list[bytes]:
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    return [key for kind in ("budget", "aggregate")
            for key in redis.scan_iter(match=f"issy:{kind}:result:{resource_id}:*")]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_budget_is_loaded_with_its_report_then_reused(app: Any) -> None:
    import ckan.plugins.toolkit as tk

    rows = bench.generate(300)
    with app.flask_app.test_request_context():
        resource_id, seconds = bench.prepare_budget(rows, reuse=False)
        assert seconds is not None
        assert bench.prepare_budget(rows, reuse=True) == (resource_id, None)
        resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        views = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource_id})
        assert resource["issy_role"] == "data" and resource["datastore_active"]
        assert [(view["view_type"], view["title"]) for view in views] == [("issy_budget_view", "Rapport financier")]

        report = bench.report_of(resource_id)
        expense = sum(row["BGT_MTPREV"] for row in rows if row["BGT_CODRD"] == "dépense")
        assert report["totals"]["expense"]["real"] == pytest.approx(expense, abs=0.01)
        assert report["document"]["stage"] == "budget primitif" and report["document"]["year"] == 2024
        expected = bench.euros(report["totals"]["expense"]["real"])
        assert expected.endswith("\u00a0€") and "\u202f" in expected
        assert _cached(resource_id)
        bench.forget(resource_id)
        assert _cached(resource_id) == []
    page = app.get(bench.page_path(rows, resource_id))
    assert page.status_code == 200 and expected in page.body
    with app.flask_app.test_request_context():  # made again: a new dataset, resource and view
        again, seconds = bench.prepare_budget(rows, reuse=False)
        views = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": again})
        assert again != resource_id and seconds is not None and [v["view_type"] for v in views] == ["issy_budget_view"]
