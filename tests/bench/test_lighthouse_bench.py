"""bench/lighthouse.py: its verdict names every target missed (a score, a
server time ratio, the home page's 60 ms, an error or a timeout under wrk),
and it writes its figures between the markers of their catalogue size in
docs/performance.md, which has both. The runs themselves are the bench's;
no timing is asserted here."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench import lighthouse, wrk

SCORES = {"performance": 0.97, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
CLEAN_WRK = wrk.Result(requests=1700, seconds=30.0, per_second=56.7, p50=0.28, p99=0.36,
                       socket={"connect": 0, "read": 0, "write": 0, "timeout": 0}, non_2xx_3xx=0,
                       without_marker=0, statuses={200: 1700}, cache={"none": 1700})


def _run(home_ms: float = 32, off_ms: float = 250, scores: dict[str, float] = SCORES,
         load: dict[str, wrk.Result] | None = None) -> lighthouse.Run:
    page = lighthouse.PageScores("/", scores, [scores] * 3, [3000.0] * 3)
    times = {"/": {"on": lighthouse.ServerTime(home_ms / 1000, home_ms / 1000),
                   "off": lighthouse.ServerTime(off_ms / 1000, off_ms / 1000)}}
    return lighthouse.Run(20_000, [page], times, {"/": CLEAN_WRK} if load is None else load, ("1.00", "1.00"))


def test_a_run_within_every_target_misses_nothing() -> None:
    assert lighthouse.missed(_run()) == []


def test_the_verdict_names_each_target_missed() -> None:
    timed_out = wrk.Result(**{**CLEAN_WRK.__dict__, "socket": {**CLEAN_WRK.socket, "timeout": 61}})
    missed = lighthouse.missed(_run(home_ms=70, off_ms=50, scores={**SCORES, "accessibility": 0.97},
                                    load={"/": timed_out}))
    assert missed == ["/ accessibility 0.97 < 1.00", "/ server time p95 ratio 1.40 > 1.2",
                      "/ server time p95 70 ms > 60 ms", "/ under wrk: 61 errors, 61 timeouts"]


def test_the_figures_go_between_their_catalogue_size_s_markers(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\n<!-- bench/lighthouse.py 20000 datasets: begin -->\nold\n"
                    "<!-- bench/lighthouse.py 20000 datasets: end -->\n\nafter\n")
    monkeypatch.setattr(lighthouse, "DOCS", docs)
    monkeypatch.setattr(lighthouse, "ROOT", tmp_path)

    lighthouse.write_docs("new figures\n", 20_000)

    assert docs.read_text() == ("# Performance\n\n<!-- bench/lighthouse.py 20000 datasets: begin -->\nnew figures\n"
                                "<!-- bench/lighthouse.py 20000 datasets: end -->\n\nafter\n")
    with pytest.raises(SystemExit, match="no <!-- bench/lighthouse.py demo: begin -->"):
        lighthouse.write_docs("figures\n", 0)


@pytest.mark.parametrize("datasets", [0, 20_000])
def test_the_performance_document_has_the_markers_of_both_sizes(datasets: int) -> None:
    text = (lighthouse.ROOT / "docs" / "performance.md").read_text()
    begin, end = lighthouse._markers(datasets)
    assert text.index(begin) < text.index(end)
