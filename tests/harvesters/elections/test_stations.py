"""The polling stations' places (``stations_url``): the commune's stations
are read from Etalab's national contours or from the commune's own file of
points, published with each round as a GeoJSON file the map can draw; a
stations file that cannot be read never holds the results back and leaves
the last good one in place."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ckanext.issy.geo.geojson import upload_path
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.election_formats.stations import read_locations
from devstack import election_samples, station_samples
from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.elections.conftest import datasets, election_source, resource, table

EUROPEENNES = {"format": "miom_b", "election": "2024_euro_t1"}


def _harvest(harvest: Harvest, feed: Feed, stations: bytes, results: bytes | None = None,
             source: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Harvests the sample Européennes with ``stations`` as its places: the
    source, the dataset and the job's errors."""
    feed.serve_file("europeennes.csv", results or election_samples.europeennes_2024_format_b())
    feed.serve_file("bureaux.geojson", stations)
    source = source or election_source(harvest, feed.url("europeennes.csv"),
                                       {**EUROPEENNES, "stations_url": feed.url("bureaux.geojson")})
    report = harvest.run(source)
    (package,) = datasets()
    return source, package, errors(report)


def _published(package: dict[str, Any]) -> dict[str, Any]:
    stations = resource(package, "stations")
    assert stations["url_type"] == "upload" and stations["format"] == "GeoJSON"
    return json.loads(Path(upload_path(stations)).read_text(encoding="utf-8"))


def _features(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["features"]


def test_the_communes_stations_of_a_national_contours_file_are_published_with_the_round(
        harvest: Harvest, feed: Feed) -> None:
    _source, package, problems = _harvest(harvest, feed, station_samples.contours())
    assert problems == []
    published = _features(_published(package))
    national = [f for f in _features(json.loads(station_samples.contours()))
                if f["properties"]["codeCommune"] == "92040"]
    assert [f["properties"]["id_brut_miom"] for f in published] == sorted(
        f["properties"]["codeBureauVote"] for f in national)
    assert {row["id_brut_miom"] for row in table(package, "turnout")} == {f["id"] for f in published}
    station_12 = next(f for f in published if f["id"] == "92040_0012")
    assert station_12["properties"] == {"id_brut_miom": "92040_0012", "bureau": "12"}
    original = next(f for f in national if f["properties"]["codeBureauVote"] == "92040_0012")
    assert station_12["geometry"] == original["geometry"]
    assert resource(package, "stations_source")["url"].endswith("/bureaux.geojson")


def test_a_communes_own_file_of_points_gives_each_stations_name_and_address(harvest: Harvest, feed: Feed) -> None:
    _source, package, problems = _harvest(harvest, feed, station_samples.points())
    assert problems == []
    station_3 = next(f for f in _features(_published(package)) if f["id"] == "92040_0003")
    assert station_3["geometry"]["type"] == "Point"
    assert station_3["properties"] == {"id_brut_miom": "92040_0003", "bureau": "3",
                                       "nom": "Centre administratif municipal (3)",
                                       "adresse": "3 rue Ernest-Renan, 92130 Issy-les-Moulineaux"}


@pytest.mark.parametrize("broken", [b"<html>Maintenance</html>", b'{"type": "FeatureCollection", "features": ['])
def test_a_stations_file_that_cannot_be_read_leaves_the_last_one_and_the_results_are_updated(
        harvest: Harvest, feed: Feed, broken: bytes) -> None:
    source, before, _problems = _harvest(harvest, feed, station_samples.contours())
    map_before, results_before = _published(before), table(before, "results")
    later = election_samples.europeennes_2024_format_b(seed=7)
    _source, after, problems = _harvest(harvest, feed, broken, later, source)
    assert table(after, "results") != results_before  # the new results are published
    assert resource(after, "stations")["id"] == resource(before, "stations")["id"]
    assert _published(after) == map_before
    assert len(problems) == 1 and "bureaux.geojson" in problems[0]


def test_a_stations_file_that_is_gone_does_not_hold_the_first_results_back(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file("europeennes.csv", election_samples.europeennes_2024_format_b())
    source = election_source(harvest, feed.url("europeennes.csv"),
                             {**EUROPEENNES, "stations_url": feed.url("absent.geojson")})
    problems = errors(harvest.run(source))
    (package,) = datasets()
    assert len(table(package, "turnout")) == 45
    assert [r.get("issy_role") for r in package["resources"] if r.get("issy_role") == "stations"] == []
    assert len(problems) == 1 and "absent.geojson" in problems[0] and "404" in problems[0]


# --- the reader ------------------------------------------------------------
def _file(tmp_path: Path, features: list[dict[str, Any]]) -> Path:
    path = tmp_path / "bureaux.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(properties: dict[str, Any], geometry: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties,
            "geometry": geometry if geometry is not None else {"type": "Point", "coordinates": [2.26, 48.82]}}


def test_stations_are_known_by_national_key_or_by_number_and_other_communes_are_left_out(tmp_path: Path) -> None:
    path = _file(tmp_path, [
        _feature({"codeBureauVote": "92040_0002"}),
        _feature({"codeBureauVote": "92075_0001"}),  # Vanves
        _feature({"numero": "001", "code_commune": "92040", "nom_bureau": " Mairie\n d'Issy "}),
        _feature({"numero": "3", "code_commune": "92075"}),  # Vanves again
        _feature({"numeroBureauVote": "0004"}),  # a commune's own file names no commune
        _feature({"codeBureauVote": "92040_٠٠٠٧"}),  # Arabic-Indic digits are not a station's number
        _feature({"codeBureauVote": "92040_0002"}, {"type": "Point", "coordinates": [2.0, 48.0]}),  # twice
        _feature({"codeBureauVote": "92040_0005"}, {"type": "LineString", "coordinates": [[2.2, 48.8], [2.3, 48.9]]}),
        {"type": "Feature", "properties": {"codeBureauVote": "92040_0006"}, "geometry": None},
    ])
    found = read_locations(path, "bureaux.geojson", "92040")
    assert [(s.key, s.number, s.name) for s in found] == [
        ("92040_0001", "1", "Mairie d'Issy"), ("92040_0002", "2", ""), ("92040_0004", "4", "")]
    assert found[1].geometry == {"type": "Point", "coordinates": [2.26, 48.82]}  # the first one given


@pytest.mark.parametrize("content, reason", [
    (b"<html>Maintenance</html>", "GeoJSON"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"codeBureauVote": "92040_0001"},
         "geometry": {"type": "Point", "coordinates": [648000.0, 6860000.0]}}]}).encode(), "WGS 84"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"codeBureauVote": "92075_0001"},
         "geometry": {"type": "Point", "coordinates": [2.28, 48.82]}}]}).encode(), "92040"),
])
def test_a_file_without_the_communes_stations_says_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "contours.geojson"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=reason) as raised:
        read_locations(path, "contours.geojson", "92040")
    assert "contours.geojson" in str(raised.value)
