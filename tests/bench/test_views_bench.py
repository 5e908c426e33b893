"""bench/views.py with the financial report (bench/views_budget.py): the
budgets are the demo's sample and one of the size asked, loaded as the
finance harvester publishes a budget document (its extras, the table's
SCDL types, the report as the resource's first view), the cache is
cleared for a cold run, the bytes are sorted into their parts, and the
report and its verdicts say what the runs measured, so that the bench
cannot rot. The browser part runs in the bench itself (and the report's
drawing in tests/browser/); no timing is asserted."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench import views, views_budget as budget


def test_the_budgets_are_the_demo_s_sample_and_one_of_the_size_asked() -> None:
    sample, large = budget.generate(None), budget.generate(1200)

    assert 600 <= len(sample) <= 800 and len(large) == 1200
    assert {row["BGT_NATDEC"] for row in sample + large} == {"budget primitif"}
    assert budget.dataset_name(large) == "bench-budget-primitif-2024-1200"
    assert budget.dataset_title(large) == "Budget primitif 2024 (banc d'essai, 1\u202f200 lignes)"
    assert budget.extras()["scdl_document"] == "budget primitif" and budget.extras()["temporal_start"] == "2024-01-01"


def test_the_lines_are_copy_s_text_in_the_scdl_order() -> None:
    rows = budget.generate(None)[:3]
    names = [column[0] for column in budget.columns()]
    text = budget.as_text(rows)

    assert names[0] == "BGT_NATDEC" and dict(zip(names, (c[1] for c in budget.columns())))["BGT_MTPREV"] == "numeric"
    assert all(len(line) == len(names) for line in text)
    first = dict(zip(names, text[0]))
    assert first["BGT_ANNEE"] == "2024" and first["BGT_MTREAL"] is None  # a budget primitif: nothing spent yet
    assert first["BGT_MTPREV"] == f"{rows[0]['BGT_MTPREV']:.2f}"
    assert budget.voted(rows) == sum(Decimal(dict(zip(names, line))["BGT_MTPREV"]) for line in text)


@pytest.mark.parametrize(("url", "part"), [
    ("http://127.0.0.1:5000/dataset/bench-budget/resource/abc", "html"),
    ("http://127.0.0.1:5000/api/issy/budget?resource_id=abc", "api"),
    ("http://127.0.0.1:5000/webassets/issy_budget/abc_budget.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_budget/abc_budget.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_echarts.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_format.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_shared.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_copy.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_theme.css", "page"),
    ("http://127.0.0.1:5000/webassets/issy_elections/abc_elections.js", "page"),
    ("http://127.0.0.1:5000/webassets/base/abc_main.css", "page"),
    ("http://127.0.0.1:5000/dataset/bench-budget", "page"),
])
def test_each_answer_is_counted_in_its_part(url: str, part: str) -> None:
    assert views.part_of(budget, url) == part
    assert views.answer_of(budget)(url, "text/plain", 1, 1).part == part


def _run(figures: float, label: str = "sample", slow: bool = False, cached: bool = True,
         total: str = "1\u202f000\u00a0€", trees: int = 3) -> views.Run:
    answer = views.answer_of(budget)
    answers = [answer("http://127.0.0.1/dataset/b/resource/r", "text/html", 60_000, 14_000),
               answer("http://127.0.0.1/webassets/issy_vendor/a_echarts.js", "application/javascript",
                      640_000, 220_000),
               answer("http://127.0.0.1/webassets/base/a_main.css", "text/css", 300_000, 50_000)]
    return views.Run(label, slow, cached, figures, 0.1, figures + 1, figures, 80, 30, answers, total, True,
                     {"trees": ["drawn"] * trees, "json": 19_000}, 1.0)


def _budget(label: str = "sample") -> budget.Budget:
    return budget.Budget(label, 700, "r", "/dataset/b/resource/r", "1\u202f000\u00a0€", 3, None)


def _server(label: str, *seconds: float) -> views.Server:
    timed = budget.timed(_budget(label))
    return views.Server(label, {views.heading(text, computed, 20): value
                                for (text, _path, computed, _shown), value in zip(timed, seconds)}, 18_000, 4_000)


def test_the_report_and_its_verdicts() -> None:
    runs = [_run(1.2, cached=False), _run(1.0), _run(1.4), _run(3.0, slow=True),
            _run(1.1, label="20000"), _run(2.5, label="20000", slow=True)]
    servers = [_server("sample", 0.09, 0.2, 0.04), _server("20000", 0.11, 0.35, 0.06)]
    timing = views.timing_table(budget, runs)
    sizes = views.bytes_table(budget, runs, servers)
    server = views.server_table(budget, servers)

    assert timing.startswith("| budget | CPU | runs | key figures visible, median s (each run) | HTML's first byte, "
                             "median s | treemaps drawn, median s |")
    assert "| the sample budget | desktop | 3 | 1.20 (1.20*, 1.00, 1.40) | 0.10 | 2.20 |" in timing
    assert "| 20,000 lines | 4× slower | 1 | 2.50 (2.50) |" in timing
    assert "\\* the report's figures computed (not in the cache). The total of real expenses is in the first " \
           "screen (1280 × 900, unscrolled)." in timing
    assert "| **total** | 3, 1,000.0 kB, 284.0 kB | 3, 1,000.0 kB, 284.0 kB |" in sizes
    assert "| 1, 640.0 kB, 220.0 kB |" in sizes
    assert "| the report's JSON block in the HTML | 19.0 kB | 19.0 kB |" in sizes
    assert "| the report's JSON (`GET /api/issy/budget`, not fetched by the page) | 1, 18.0 kB, 4.0 kB |" in sizes
    assert server.startswith("| budget | resource page, report cached (median of 20) | report computed (median of 5) "
                             "| `GET /api/issy/budget`, cached (median of 20) |")
    assert "| the sample budget | 90 ms | 200 ms | 40 ms |" in server
    assert views.describe(budget, [_budget(), dataclasses.replace(_budget("20000"), lines=20_000, loading=1.62)]) == (
        "The budgets: the sample budget (700 lines, kept from an earlier run) and 20,000 lines (20,000 lines, "
        "loaded in 1.6 s by datastore.load); the report is the first view of each table's resource page.")
    verdicts = views.verdicts(budget, runs, [_budget(), _budget("20000")])
    assert [met for _name, met in verdicts] == [True, True, True, True]
    assert verdicts[1][0] == ("every run of the sample budget showed the total of real expenses (1\u202f000\u00a0€) "
                              "and drew its 3 treemaps")
    slow = views.verdicts(budget, [_run(1.6), _run(1.0, trees=2), _run(1.0, total="0 €")], [_budget()])
    assert [met for _name, met in slow] == [True, False]
    assert [met for _name, met in views.verdicts(budget, [_run(1.6)], [_budget()])] == [False, True]


def test_write_docs_is_issue_25_s_measure_only(tmp_path: Path) -> None:
    for argv in (["--lines", "300", "--write-docs"], ["--runs", "2", "--write-docs"],
                 ["--requests", "5", "--write-docs"], ["--runs", "0"], ["--lines", "0"],
                 ["--view", "budget", "--lines", "300", "--write-docs"], ["--view", "map"]):
        with pytest.raises(SystemExit):
            views.parse_args(argv)
    assert views.parse_args(["--write-docs", "--reuse"]).write_docs
    assert views.parse_args(["--view", "budget"]).view == "budget" and views.parse_args([]).view == "all"
    assert views.chosen(views.parse_args(["--view", "budget"])) == [budget]
    page = tmp_path / "performance.md"
    page.write_text(f"before\n{budget.DOCS_BEGIN}\nold\n{budget.DOCS_END}\nafter\n", encoding="utf-8")
    views.write_docs(budget, "new", page)
    assert page.read_text(encoding="utf-8") == f"before\n{budget.DOCS_BEGIN}\nnew\n{budget.DOCS_END}\nafter\n"
    docs = views.DOCS.read_text(encoding="utf-8")
    assert docs.count(budget.DOCS_BEGIN) == 1 and docs.count(budget.DOCS_END) == 1
    assert docs.index("## Financial report view") < docs.index(budget.DOCS_BEGIN)


def _cached(resource_id: str) -> list[bytes]:
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    return [key for kind in ("budget", "aggregate")
            for key in redis.scan_iter(match=f"issy:{kind}:result:{resource_id}:*")]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_budget_is_loaded_with_its_report_then_reused(app: Any) -> None:
    import ckan.plugins.toolkit as tk

    rows = budget.generate(300)
    with app.flask_app.test_request_context():
        resource_id, seconds = budget.prepare_budget(rows, reuse=False)
        views.ensure_view(budget, resource_id)
        assert seconds is not None
        assert budget.prepare_budget(rows, reuse=True) == (resource_id, None)
        resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        found = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource_id})
        assert resource["issy_role"] == "data" and resource["datastore_active"]
        assert [(view["view_type"], view["title"]) for view in found] == [("issy_budget_view", "Rapport financier")]

        report = budget.report_of(resource_id)
        expense = sum(row["BGT_MTPREV"] for row in rows if row["BGT_CODRD"] == "dépense")
        assert report["totals"]["expense"]["real"] == pytest.approx(expense, abs=0.01)
        assert report["document"]["stage"] == "budget primitif" and report["document"]["year"] == 2024
        expected = budget.euros(report["totals"]["expense"]["real"])
        assert expected.endswith("\u00a0€") and "\u202f" in expected
        assert _cached(resource_id)
        budget.forget_report(resource_id)
        assert _cached(resource_id) == []
    page = app.get(budget.page_path(rows, resource_id))
    assert page.status_code == 200 and expected in page.body
    with app.flask_app.test_request_context():  # made again: a new dataset, resource and view
        again, seconds = budget.prepare_budget(rows, reuse=False)
        views.ensure_view(budget, again)
        found = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": again})
        assert again != resource_id and seconds is not None and [v["view_type"] for v in found] == ["issy_budget_view"]
