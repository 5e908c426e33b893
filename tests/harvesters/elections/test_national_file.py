"""A national-style file (every commune of France, about 20 MB here) is
read as a stream: only the commune's stations are kept and published."""
from __future__ import annotations

from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.elections.conftest import datasets, election_source, table
from tests.support import election_results
from tests.support.http_server import Response

ROWS = 4_000  # about 21 MB, 5.4 kB a row; Issy-les-Moulineaux's 400 stations are rows 2,800 to 3,199
ISSY = range(2_800, 3_200)


def test_a_national_file_yields_the_communes_stations_only_with_the_right_totals(harvest: Harvest, feed: Feed) -> None:
    name = "resultats-definitifs-par-bureau-de-vote.csv"
    # Generated chunk by chunk as it is sent: never whole in memory.
    feed.files[name] = lambda: Response(stream=election_results.chunks(ROWS))
    report = harvest.run(election_source(harvest, feed.url(name), {"format": "miom_b", "election": "2024_euro_t1"}))
    assert errors(report) == []
    assert feed.server.sent[0] >= 20 * 1024 * 1024

    (package,) = datasets()
    turnout, results = table(package, "turnout"), table(package, "results")
    expected = [election_results.row(index) for index in ISSY]
    assert [r["id_brut_miom"] for r in turnout] == [f"92040_{cells[4]}" for cells in expected]
    assert sum(r["inscrits"] for r in turnout) == sum(int(cells[5]) for cells in expected)
    assert sum(r["votants"] for r in turnout) == sum(int(cells[6]) for cells in expected)
    assert len(results) == len(ISSY) * election_results.LISTS
    first_list = [r["voix"] for r in results if r["no_panneau"] == "1"]
    assert sum(first_list) == sum(int(cells[23]) for cells in expected)
    assert {r["code_commune"] for r in turnout + results} == {"92040"}
