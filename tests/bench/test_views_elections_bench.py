"""bench/views.py with the election results (bench/views_elections.py):
the rounds are the demo's Européennes 2024 in Issy (45 polling stations, 8
lists, read by the harvester's reader) and one of the number of stations
asked, published as the election harvester publishes a round (the
``election_id`` extra, the turnout and results tables with its columns,
the results as the results table's first view), the turnout the bench
waits for is the one the page shows, the cache is cleared for a cold run,
the bytes are sorted into their parts, and the report and its verdicts
say what the runs measured. The browser part runs in the bench itself; no
timing is asserted."""
from __future__ import annotations

import argparse
from typing import Any

import pytest

from bench import views, views_elections as elections


def test_the_rounds_are_the_demo_s_sample_and_one_of_the_stations_asked() -> None:
    from ckanext.issy.harvesters.election_formats import model

    sample, large = elections.sample_round(), elections.large_round(60)

    assert len(sample.stations) == 45 and len(large.stations) == 60
    assert {station.code_commune for station in sample.stations + large.stations} == {"92040"}
    assert [s.code_bv for s in large.stations][:2] == ["0001", "0002"] and large.stations[-1].code_bv == "0060"
    lists = [(c.panneau, c.nuance, c.liste, c.libelle_liste) for c in sample.stations[0].candidates]
    assert len(lists) == 8 and lists[1][1:3] == ("LENS", "ENSEMBLE POUR L'EUROPE")
    assert all([(c.panneau, c.nuance, c.liste, c.libelle_liste) for c in s.candidates] == lists for s in large.stations)
    tables = model.typed_tables(large)  # consistent figures: the harvester's checks pass
    assert len(tables.turnout) == 60 and len(tables.results) == 480
    assert sum(tables.votes.values()) == tables.totals["exprimes"]
    assert elections.dataset_name("400") == "bench-elections-2024-euro-t1-400"
    assert elections.dataset_title(400) == "Élections européennes 2024 — 1er tour (banc d'essai, 400 bureaux de vote)"


@pytest.mark.parametrize(("url", "part"), [
    ("http://127.0.0.1:5000/dataset/bench-elections/resource/abc", "html"),
    ("http://127.0.0.1:5000/dataset/bench-elections/resource/abc?bureau=12", "html"),
    ("http://127.0.0.1:5000/api/issy/elections?resource_id=abc", "api"),
    ("http://127.0.0.1:5000/webassets/issy_elections/abc_elections.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_elections/abc_elections.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_chart/abc_shared.css", "view"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_copy.js", "view"),
    ("http://127.0.0.1:5000/webassets/issy_budget/abc_budget.js", "page"),
    ("http://127.0.0.1:5000/webassets/issy_vendor/abc_echarts.js", "page"),
    ("http://127.0.0.1:5000/webassets/issy_theme/abc_theme.css", "page"),
    ("http://127.0.0.1:5000/webassets/base/abc_main.css", "page"),
])
def test_each_answer_is_counted_in_its_part(url: str, part: str) -> None:
    assert views.part_of(elections, url) == part


def _run(turnout: float, label: str = "sample", slow: bool = False, cached: bool = True,
         shown: str = "54,75 %", stations: int = 45, buttons: int = 6) -> views.Run:
    pages = (("dataset/e/resource/r", "text/html", 64_000, 11_000),
             ("webassets/issy_elections/a_elections.js", "application/javascript", 3_000, 1_000))
    answers = [views.answer_of(elections)(f"http://127.0.0.1/{path}", *sizes) for path, *sizes in pages]
    found = {"stations": stations, "headers": 6, "buttons": buttons}
    return views.Run(label, slow, cached, turnout, 0.1, turnout + 0.5, turnout, 80, 30, answers, shown,
                     first_screen=True, found=found, load=1.0)


def _election(label: str = "sample", stations: int = 45) -> elections.Election:
    return elections.Election(label, stations, 8, "t", "r", "/dataset/e/resource/r", "54,75 %", None)


def test_the_report_and_its_verdicts() -> None:
    runs = [_run(0.6, cached=False), _run(0.5), _run(1.2, slow=True),
            _run(0.7, label="400", stations=400), _run(1.4, label="400", stations=400, slow=True)]
    timed = elections.timed(_election())
    servers = [views.Server(label, {views.heading(text, computed, 20): 0.1 for text, _p, computed, _s in timed},
                            17_000, 3_000) for label in ("sample", "400")]

    timing = views.timing_table(elections, runs)
    assert "| round | CPU | runs | turnout visible, median s (each run) |" in timing
    assert "| stations table sortable, median s |" in timing
    assert "| the sample round | desktop | 2 | 0.55 (0.60*, 0.50) | 0.10 | 1.05 |" in timing
    assert "| 400 polling stations | 4× slower | 1 | 1.40 (1.40) |" in timing
    assert "\\* the results computed (not in the cache). The turnout is in the first screen" in timing
    sizes = views.bytes_table(elections, runs, servers)
    assert "| the view's scripts and stylesheets (elections.js, elections.css; shared.css, copy.js when the page " \
           "has the embed code) | 1, 3.0 kB, 1.0 kB |" in sizes
    assert "| the results' JSON (`GET /api/issy/elections`, not fetched by the page) | 1, 17.0 kB, 3.0 kB |" in sizes
    server = views.server_table(elections, servers)
    assert server.startswith("| round | resource page, results cached (median of 20) | results computed (median "
                             "of 5) | `?bureau=12`, results cached (median of 20) | `GET /api/issy/elections`, cached "
                             "(median of 20) | computed (median of 5) |")
    assert "| 400 polling stations | 100 ms | 100 ms | 100 ms | 100 ms | 100 ms |" in server
    large = elections.Election("400", 400, 8, "t", "r", "/p", "50 %", 0.31)
    assert views.describe(elections, [_election(), large]) == (
        "The rounds (Européennes 2024 in Issy-les-Moulineaux): the sample round (45 stations × 8 lists: 360 results, "
        "kept from an earlier run) and 400 polling stations (400 stations × 8 lists: 3,200 results, loaded in 0.3 s "
        "by datastore.load); the results are the first view of each results table's resource page.")
    verdicts = views.verdicts(elections, runs, [_election(), _election("400", 400)])
    assert [met for _name, met in verdicts] == [True, True, True, True]
    assert verdicts[1][0] == ("every run of the sample round showed the turnout (54,75 %) and made the table of its "
                              "45 polling stations sortable")
    wrong = [_run(1.6), _run(0.5, shown="54,7 %"), _run(0.5, buttons=0), _run(0.5, stations=44)]
    for run in wrong[1:]:
        assert [met for _name, met in views.verdicts(elections, [run], [_election()])] == [True, False]
    assert [met for _name, met in views.verdicts(elections, wrong[:1], [_election()])] == [False, True]


def test_write_docs_is_issue_26_s_measure_only() -> None:
    for argv in (["--stations", "100", "--write-docs"], ["--view", "elections", "--stations", "100", "--write-docs"],
                 ["--stations", "11"], ["--view", "elections", "--runs", "2", "--write-docs"]):
        with pytest.raises(SystemExit):
            views.parse_args(argv)
    # The budget's size does not matter to the elections' measure.
    assert views.parse_args(["--view", "elections", "--lines", "300", "--write-docs"]).write_docs
    assert views.chosen(views.parse_args(["--view", "elections"])) == [elections]
    docs = views.DOCS.read_text(encoding="utf-8")
    assert docs.count(elections.DOCS_BEGIN) == 1 and docs.count(elections.DOCS_END) == 1
    assert (docs.index("## Financial report view") < docs.index("## Election results view")
            < docs.index(elections.DOCS_BEGIN) < docs.index(elections.DOCS_END))


def _cached(*resource_ids: str) -> list[bytes]:
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    return [key for kind in ("elections", "aggregate", "geojson") for resource_id in resource_ids
            for key in redis.scan_iter(match=f"issy:{kind}:result:{resource_id}:*")]


def _turnout(election_round: Any) -> float:
    """The commune's turnout from the typed tables, as the Ministry counts it (two decimals)."""
    from ckanext.issy.harvesters.election_formats import model

    totals = model.typed_tables(election_round).totals
    return round(100 * totals["votants"] / totals["inscrits"], 2)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_round_is_published_with_its_results_view_and_the_page_shows_the_turnout_expected(app: Any) -> None:
    import ckan.plugins.toolkit as tk

    args = argparse.Namespace(stations=20, reuse=False)
    with app.flask_app.test_request_context():
        sample, large = views.prepare(elections, args)
        package = tk.get_action("package_show")({"ignore_auth": True}, {"id": elections.dataset_name("20")})
        assert {e["key"]: e["value"] for e in package["extras"]}["election_id"] == "2024_euro_t1"
        assert [(r["issy_role"], r["datastore_active"]) for r in package["resources"]] == [
            ("turnout", True), ("results", True), ("stations", False)]
        assert [r["id"] for r in package["resources"]] == [large.turnout_id, large.resource_id, large.stations_id]
        # The stations' places, as the harvester publishes them: one area per station.
        assert len(tk.get_action("issy_elections_map")({"user": ""}, {
            "resource_id": large.resource_id})["features"]) == 20
        for election in (sample, large):
            found = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": election.resource_id})
            assert [(v["view_type"], v["title"]) for v in found] == [("issy_elections_view", "Résultats électoraux")]
            assert election.loading is not None
        assert (sample.stations, sample.lists, large.stations, large.lists) == (45, 8, 20, 8)
        assert sample.expected == elections.percent(_turnout(elections.sample_round())) == "54,75\u00a0%"
        assert large.expected == elections.percent(_turnout(elections.large_round(20)))
        assert _cached(large.turnout_id, large.resource_id, large.stations_id)
        elections.forget(large)
        assert _cached(large.turnout_id, large.resource_id, large.stations_id) == []
    for election in (sample, large):
        page = app.get(election.path)
        assert page.status_code == 200 and f"<dd>{election.expected}</dd>" in page.get_data(as_text=True)
    for _text, path, _computed, shown in elections.timed(large):
        assert shown in app.get(path).get_data(as_text=True)
    with app.flask_app.test_request_context():  # kept, then made again
        kept = elections.prepare_round("20", elections.large_round(20), reuse=True)
        assert kept == (large.turnout_id, large.resource_id, None)
        again = elections.prepare_round("20", elections.large_round(20), reuse=False)
        assert again[1] != large.resource_id and again[2] is not None
