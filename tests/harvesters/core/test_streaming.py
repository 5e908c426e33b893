"""A file of hundreds of megabytes (election results by polling station)
downloaded with http.fetch and read with reading.iter_csv in bounded memory."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.reading import iter_csv
from tests.support import election_results
from tests.support.memory import memory, reset_peak
from tests.support.http_server import Response, serve

MIB = 1024 * 1024
STATIONS = 40_000  # about 210 MiB: 5.4 kB a row
MEMORY_LIMIT = 100 * MIB


def test_election_results_of_200_mb_stream_through_fetch_and_iter_csv_in_bounded_memory(
        tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    url_path = "/europeennes-2024-resultats-bv.csv"
    # Generated chunk by chunk while it is sent: never whole in memory, on either side.
    routes = {url_path: lambda q: Response(stream=election_results.chunks(STATIONS))}
    checked = {0: None, 2_800: None, STATIONS - 1: None}  # the first station, one in Issy, the last
    with serve(routes, host="127.0.0.2") as server:
        settings = http.HttpSettings(timeout=30.0, retries=0, max_bytes=400 * MIB, download_dir=str(tmp_path),
                                     allowed=frozenset({server.url.split("//")[1]}))
        start = reset_peak()
        with http.fetch(server.url + url_path, settings) as download:
            assert download.path is not None
            with iter_csv(download.path, "europeennes-2024-resultats-bv.csv", declared=download.charset) as stream:
                count = 0
                for row in stream.rows:
                    if count in checked:
                        checked[count] = (row.line, row.cells)
                    count += 1
        growth = memory()["VmHWM"] - start
    print(f"\n{download.size / MIB:.1f} MiB ({download.size} bytes, {count} rows of {len(stream.header)} cells) "
          f"streamed with a peak memory growth of {growth / MIB:.1f} MiB")
    record_property("file_bytes", download.size)
    record_property("peak_memory_growth_bytes", growth)

    assert download.size >= 200 * MIB
    assert download.size == server.sent[0]
    assert count == STATIONS
    assert (stream.encoding, stream.delimiter, stream.header) == ("cp1252", ";", election_results.HEADER)
    for index, (line, cells) in checked.items():
        assert (line, cells) == (index + 2, election_results.row(index))
    assert checked[2_800][1][:5] == ["92", "Hauts-de-Seine", "92040", "Issy-les-Moulineaux", "0001"]
    assert checked[STATIONS - 1][1][20:23] == [
        "LECO", "LISTE 01 – LA PAIX ET LA SOUVERAINETÉ",
        "Pour la paix et la souveraineté : liste n° 1 conduite par Hélène Lefèvre-Dupré"]
    assert list(tmp_path.iterdir()) == []
    assert growth < MEMORY_LIMIT
