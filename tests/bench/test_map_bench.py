"""bench/map.py: the table is reproducible and lies in Issy, its load and
reuse work, the bytes are sorted and counted as nginx would send them, and
the report and its verdicts say what the runs measured, so that the bench
cannot rot. The browser part runs in the bench itself (and the map's
drawing in tests/browser/test_map_browser.py); no timing is asserted."""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from bench import loading
from bench import map as bench

SEED = 7


def test_the_street_objects_are_reproducible_and_inside_issy() -> None:
    rows = bench.generate(2000, SEED)
    south, west, north, east = bench.BOUNDS

    assert rows == bench.generate(2000, SEED) and rows != bench.generate(2000, SEED + 1)
    assert len({row[0] for row in rows}) == 2000
    assert all(south <= float(row[7]) <= north and west <= float(row[8]) <= east for row in rows)
    assert {row[1] for row in rows} == {name for name, _weight in bench.CATEGORIES}
    # Street trees are the largest category, and only they have a height.
    counts = {name: sum(row[1] == name for row in rows) for name, _weight in bench.CATEGORIES}
    assert max(counts, key=counts.get) == "Arbre d'alignement"
    assert all((row[5] is not None) == (row[1] == "Arbre d'alignement") for row in rows)
    assert bench.as_text(rows[:1])[0][5:] == [None if rows[0][5] is None else str(rows[0][5]),
                                               str(rows[0][6]), str(rows[0][7]), str(rows[0][8])]


def test_the_permalink_asks_a_clustered_map_coloured_by_category() -> None:
    query = bench.map_query("abc")

    assert query.startswith("/creer?kind=map&resource_id=abc&lat=latitude&lon=longitude&color=categorie")
    assert "cluster=yes" in query and query.count("popup=") == 3


@pytest.mark.parametrize(("url", "part"), [
    ("http://127.0.0.1:5000/api/issy/points?resource_id=x", "points"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_leaflet.js", "map"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_leaflet.css", "map"),
    ("http://127.0.0.1:5000/webassets/issy_map/abc_map.js", "map"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_format.js", "map"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_echarts.js", "page"),
    ("http://127.0.0.1:5000/webassets/base/abc_main.css", "page"),
    ("http://127.0.0.1:5000/creer?kind=map", "page"),
])
def test_each_answer_is_counted_in_its_part(url: str, part: str) -> None:
    assert bench.part_of(url) == part


def test_text_is_counted_gzipped_as_nginx_sends_it_and_images_as_they_are() -> None:
    text = b'{"points": [[2.27, 48.82, "Banc"]]}' * 100

    assert bench.sent_bytes(text, "application/json; charset=utf-8") == len(gzip.compress(text, 5))
    assert bench.sent_bytes(text, "image/png") == len(text)
    assert bench.sent_bytes(b"tiny", "text/css") == 4  # under gzip_min_length


def _run(seconds: float, slow: bool = False, cached: bool = True, drawn: int = 5000) -> bench.Run:
    answers = [bench.Answer("http://127.0.0.1/api/issy/points?x", "application/json", 500_000, 60_000),
               bench.Answer("http://127.0.0.1/webassets/issy_vendor/a_leaflet.js", "application/javascript",
                            180_000, 50_000),
               bench.Answer("http://127.0.0.1/creer?kind=map", "text/html", 40_000, 9_000)]
    return bench.Run(slow, cached, seconds, 0.4, 80, 30, answers, drawn, drawn, False)


def test_the_report_and_its_verdicts() -> None:
    runs = [_run(1.2, cached=False), _run(1.0), _run(1.4), _run(3.0, slow=True)]
    text = bench.table(runs)

    assert "| desktop | 3 | 1.20 (1.20*, 1.00, 1.40) |" in text and "| 4× slower | 1 | 3.00 (3.00) |" in text
    assert "| 500.0 kB | 60.0 kB |" in text and "| **total** | 3 | 720.0 kB | 119.0 kB |" in text
    verdicts = dict((name.split(":")[0], met) for name, met in bench.verdicts(runs, 5000))
    assert all(verdicts.values()), verdicts
    slow = [_run(1.6), _run(1.7, slow=True)]
    assert [met for _name, met in bench.verdicts(slow, 5000)] == [False, True, True]
    assert [met for _name, met in bench.verdicts([_run(1.0, drawn=4999)], 5000)] == [True, True, False]


def test_blocking_counts_the_long_tasks_after_the_first_paint() -> None:
    assert bench._blocking([[10, 300], [500, 120], [700, 60]], 400) == (120, 70 + 10)
    assert bench._blocking([], 400) == (0.0, 0)


def test_write_docs_is_issue_24_s_measure_only(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--points", "300", "--write-docs"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--runs", "2", "--write-docs"])
    assert bench.parse_args(["--write-docs", "--reuse"]).write_docs
    page = tmp_path / "performance.md"
    page.write_text(f"before\n{bench.DOCS_BEGIN}\nold\n{bench.DOCS_END}\nafter\n", encoding="utf-8")
    bench.write_docs("new", page)
    assert page.read_text(encoding="utf-8") == f"before\n{bench.DOCS_BEGIN}\nnew\n{bench.DOCS_END}\nafter\n"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_the_table_is_loaded_then_reused(app: Any) -> None:
    rows = bench.generate(300, SEED)
    with app.flask_app.test_request_context():
        loading.check_test_databases()
        resource_id, seconds = bench.prepare_table(rows, SEED, reuse=False)
        assert seconds is not None and bench._table_holds(resource_id, rows)
        assert bench.prepare_table(rows, SEED, reuse=True) == (resource_id, None)
        bench.forget(resource_id)  # nothing cached: nothing to delete
