"""bench/load.py: wrk's summary is read whole (its latency units, the
socket errors and non-2xx/3xx lines it prints only when there are some,
the lines of the bench's script), the verdict counts every kind of error
and asks for a harvest that rewrote the tables during each run, the table
says what was measured, and what each address must answer is what the
view writes, so that the bench cannot rot. The load itself runs in the
bench; no timing is asserted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import load, wrk
from devstack import election_samples

ID = "30aae8e4-9a14-4d1d-8820-2491243b432d"
CLEAN = """\
Running 10s test @ http://127.0.0.1:41789/api/issy/elections?resource_id=x
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.35ms  201.10ms   1.62s    70.12%
    Req/Sec    39.50     12.31    80.00     68.00%
  Latency Distribution
     50%  380.50ms
     75%  520.00ms
     90%  700.25ms
     99%    1.21s
  790 requests in 10.04s, 13.29MB read
Requests/sec:     78.69
Transfer/sec:      1.32MB
Status 200: 790
Cache none: 790
Without the marker: 0
"""
KEPT = CLEAN.replace("Cache none: 790\n", "Cache MISS: 4\nCache HIT: 770\nCache UPDATING: 16\n")
FAILING = """\
Running 1m test @ http://127.0.0.1:41789/dataset/x/resource/y
  2 threads and 32 connections
  Latency Distribution
     50%  850.00us
     75%    1.00ms
     90%    1.50ms
     99%    1.98s
  1200 requests in 1.00m, 80.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 86
  Non-2xx or 3xx responses: 7
Requests/sec:     19.98
Transfer/sec:      1.33MB
Status 200: 1193
Status 429: 5
Status 500: 2
Without the marker: 4
"""


def test_a_clean_run_is_read_whole() -> None:
    result = wrk.parse(CLEAN)

    assert (result.requests, result.seconds, result.per_second) == (790, pytest.approx(10.04), pytest.approx(78.69))
    assert result.p50 == pytest.approx(0.3805) and result.p99 == pytest.approx(1.21)
    assert result.socket == {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    assert (result.non_2xx_3xx, result.without_marker, result.statuses) == (0, 0, {200: 790})
    assert result.cache == {"none": 790}
    assert result.errors == 0 and result.timeouts == 0


def test_the_answers_nginx_kept_are_counted() -> None:
    assert wrk.parse(KEPT).cache == {"MISS": 4, "HIT": 770, "UPDATING": 16}
    assert wrk.parse(FAILING).cache == {}  # an output of an older script


def test_every_kind_of_error_counts() -> None:
    result = wrk.parse(FAILING)

    assert result.seconds == pytest.approx(60) and result.p50 == pytest.approx(0.00085)
    assert result.p99 == pytest.approx(1.98)
    assert result.socket == {"connect": 1, "read": 2, "write": 3, "timeout": 86}
    assert result.non_2xx_3xx == 7 and result.statuses == {200: 1193, 429: 5, 500: 2}
    assert result.timeouts == 86
    assert result.errors == 1 + 2 + 3 + 86 + 7 + 4  # socket errors, non-2xx/3xx, 2xx without the content


def test_an_output_without_the_script_s_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="Without the marker"):
        wrk.parse(CLEAN.replace("Without the marker: 0\n", ""))


def test_the_script_prints_what_the_parser_reads() -> None:
    assert 'string.format("Status %d: %d\\n"' in wrk.SCRIPT
    assert 'string.format("Without the marker: %d\\n"' in wrk.SCRIPT
    assert 'string.format("Cache %s: %d\\n"' in wrk.SCRIPT
    assert 'headers["X-Cache-Status"]' in wrk.SCRIPT


def _job(rewritten: bool = True, errors: int = 0, seconds: float = 2.0, within: bool = True) -> load.Job:
    return load.Job(seconds, errors, rewritten, within)


def _measure(output: str = CLEAN, jobs: list[load.Job] | None = None, name: str = "API",
             mixed: int = 0, target: bool = True) -> load.Measure:
    path = f"/api/issy/elections?resource_id={ID}"
    return load.Measure(name, path, wrk.parse(output), [_job()] if jobs is None else jobs, 3, mixed, target)


def test_the_target_is_no_error_while_a_harvest_rewrites_the_tables() -> None:
    assert load.missed([_measure(), _measure(name="view page")]) == []

    failing = load.missed([_measure(FAILING)])
    assert len(failing) == 1 and failing[0].startswith("API: 103 errors (socket connect 1, read 2, write 3, timeout 86;")
    assert failing[0].endswith("86 timeouts")
    for jobs in ([], [_job(rewritten=False)], [_job(errors=1)]):
        assert load.missed([_measure(jobs=jobs)]) == ["API: no harvest job rewrote the tables during the run"]
    assert load.missed([_measure(mixed=1)]) == [
        "API: 1 of the 3 figures computed mixed two files (the lists' votes are not the votes cast)"]


def test_an_address_measured_for_comparison_is_not_a_target() -> None:
    with_session = _measure(FAILING, name="view page, visitor with a session", target=False)
    assert load.missed([_measure(), with_session]) == []
    text = load.markdown([_measure(KEPT, name="view page"), with_session], SETTING)
    assert "| view page, visitor with a session (not a target) `/api/issy/elections?resource_id=…` | 20.0 |" in text
    assert "- view page: 790 answers in 10.0 s (nginx's X-Cache-Status: HIT 770, MISS 4, UPDATING 16);" in text
    assert text.endswith("rewrite the tables: met")


def _figures(cast: list[int | None], votes: dict[str, dict[str, int]]) -> dict[str, object]:
    return {"stations": {f"92040_{n:04d}": {"code": str(n), "exprimes": value} for n, value in enumerate(cast, 1)},
            "votes": votes, "candidates": {}}


def test_figures_are_consistent_when_the_lists_votes_are_the_votes_cast() -> None:
    votes = {"1": {"92040_0001": 60, "92040_0002": 30}, "2": {"92040_0001": 40}}
    assert load.consistent(_figures([100, 30], votes))
    assert load.consistent(_figures([100, 30, None], votes))  # a station not counted yet
    assert not load.consistent(_figures([100, 31], votes))  # the turnout of one file, the votes of another


SETTING = {"date": "2026-12-07", "ckan": "2.12.0", "wrk": "wrk 4.1.0", "workers": "5 workers (0 replaced during the runs)", "connections": "32",
           "duration": "60", "harvests": "back to back", "load_before": "0.10 0.20 0.30", "load_after": "2.00 1.00 0.50"}


def test_the_table_says_what_was_measured() -> None:
    jobs = [_job(seconds=1.4), _job(seconds=2.6, within=False), _job(rewritten=False, seconds=2.0)]
    text = load.markdown([_measure(jobs=jobs)], SETTING)

    assert ID not in text
    assert ("| API `/api/issy/elections?resource_id=…` | 78.7 | 380 ms | 1,210 ms | 0 | 0 | 200: 790 | "
            "3 (2 ended within it), 2 rewrote both tables; 1.4–2.6 s each | 3 (0 mixed) |") in text
    assert "gunicorn 5 workers (0 replaced during the runs) behind nginx; 32 connections (2 threads) for 60 s per address" in text
    assert "harvest jobs back to back" in text and "0.10 0.20 0.30 before, 2.00 1.00 0.50 after" in text
    assert text.endswith("and figures from one file, while harvest jobs rewrite the tables: met")

    failed = load.markdown([_measure(FAILING, jobs=[]), _measure(name="view page")], SETTING)
    assert "| 200: 1,193, 429: 5, 500: 2 | none | 3 (0 mixed) |" in failed
    assert ("- API: 1,200 answers in 60.0 s (none kept by nginx); errors: socket connect 1, read 2, write 3, "
            "timeout 86;") in failed
    assert failed.endswith("rewrite the tables: NOT MET (API)")


def test_write_docs_replaces_its_block_only(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(f"## Election results view: load\n\nBefore.\n\n{load.DOCS_BEGIN}\nold\n{load.DOCS_END}\n\nAfter.\n")

    load.write_docs("new", page)

    assert page.read_text() == (f"## Election results view: load\n\nBefore.\n\n{load.DOCS_BEGIN}\nnew\n"
                                f"{load.DOCS_END}\n\nAfter.\n")


def test_the_docs_have_the_block() -> None:
    text = load.DOCS.read_text(encoding="utf-8")
    assert text.index("## Financial report view") < text.index("## Election results view: load") \
        < text.index(load.DOCS_BEGIN) < text.index(load.DOCS_END) < text.index("## Theme")


def test_each_address_asks_for_what_the_view_writes() -> None:
    template = Path(load.ROOT / "ckanext/issy/views/elections/templates/issy_elections/snippets/results.html").read_text()
    page, station, _api, api_station, places = (marker for _name, _query, marker in load.ADDRESSES)

    assert page in template and station in template
    assert json.dumps({"station": {"key": "92040_0012"}}, separators=(",", ":")).startswith('{' + api_station)
    assert places in json.dumps({"features": [{"type": "Feature"}]}, separators=(",", ":"))


def test_the_feed_changes_at_each_download_and_the_source_reads_it() -> None:
    first, second = (election_samples.europeennes_2024_format_b(seed) for seed in load.SEEDS)
    assert first != second and first.splitlines()[0] == second.splitlines()[0]
    config = json.loads(load.SOURCE["config"])
    assert config["format"] == "miom_b" and config["election"] == "2024_euro_t1"
