"""The parking source and its poller against the real database, DataStore and
Redis: each feed kind polled into the current state and the history, only
changed rows written, no revision, activity or harvest job per poll, one
poll per interval whatever the number of pollers, staleness, retention."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from sqlalchemy import text

from ckanext.issy.harvesters import parking_poll
from ckanext.issy.harvesters.core.datastore import table_version
from devstack import parking_simulator as sim
from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.parking.conftest import (
    GARAGES_MAPPING, SPACES_MAPPING, T0, Simulator, by_id, json_feed, next_interval, ods_config,
    parking_source, poll, resource, rows, the_dataset,
)

pytestmark = pytest.mark.usefixtures("with_request_context")
MINUTE = timedelta(minutes=1)
# A plain JSON feed of an operator that names its fields its own way.
JSON_MAPPING = {"kind": "garage", "id": "id_parking", "name": "nom", "free": "places_libres", "capacity": "capacite",
                "status": "etat", "time": "horodatage", "lat": "latitude", "lon": "longitude", "records": "results"}


def garage(ident: str, name: str, free: Any, capacity: int = 200, status: str = "Ouvert",
           time: str = "2026-12-01T09:30:00+01:00") -> dict[str, Any]:
    return {"id_parking": ident, "nom": name, "places_libres": free, "capacite": capacity, "etat": status,
            "horodatage": time, "latitude": "48,8247", "longitude": "2,2736"}


GARAGES = [garage("P-MAIRIE", "Parking de la Mairie", 87, 180), garage("P-CELTON", "Parking Corentin-Celton", 31),
           garage("P-EPINETTES", "Parking des Épinettes", 120, 240)]


def expected_garages(at: datetime) -> dict[str, tuple[int, int, str]]:
    return {s.place.id: (s.free, s.place.capacity, s.status) for s in sim.garage_states(at)}


def stored_counts(package: dict[str, Any], kind: str) -> dict[str, tuple[int, int, str]]:
    return {i: (r["free"], r["capacity"], r["status"]) for i, r in by_id(package).items() if r["kind"] == kind}


def published_source(harvest: Harvest, url: str, config: dict[str, Any]) -> dict[str, Any]:
    source = parking_source(harvest, url, config)
    report = harvest.run(source)
    assert errors(report) == []
    return source


@pytest.fixture
def json_source(harvest: Harvest, feed: Feed) -> dict[str, Any]:
    json_feed(feed, "parkings.json", GARAGES)
    return published_source(harvest, feed.url("parkings.json"), {"format": "json", "mapping": JSON_MAPPING})


# --- each kind ----------------------------------------------------------------
@pytest.mark.ckan_config("ckan.views.default_views", "datatables_view")
def test_opendatasoft_garages_and_spaces_make_one_dataset_polled_into_current_state_and_history(
        harvest: Harvest, simulator: Simulator) -> None:
    config = ods_config(sim.GARAGES_DATASET, GARAGES_MAPPING,
                        feeds=[{"url": simulator.url, **ods_config(sim.SPACES_DATASET, SPACES_MAPPING)}])
    source = published_source(harvest, simulator.url, config)
    package = the_dataset(source)
    assert package["title"] == "Disponibilité du stationnement en temps réel"
    assert {r["issy_role"] for r in package["resources"]} == {"current", "history", "sites"}
    # French numbers: a narrow no-break space between thousands.
    assert "5 parkings (1\u202f910 places) et 1\u202f000 places sur voirie équipées d'un capteur, en 12 secteurs" \
        in package["notes"]

    outcome = poll(source, T0)
    assert outcome.status == parking_poll.POLLED, outcome
    assert outcome.written == 1005
    package = the_dataset(source)
    assert stored_counts(package, "garage") == expected_garages(T0)
    spaces = {s.place.id: s for s in sim.space_states(T0)}
    stored = {i: r for i, r in by_id(package).items() if r["kind"] == "space"}
    assert {i: (r["free"], r["sector"]) for i, r in stored.items()} == {
        i: (s.free, s.place.sector) for i, s in spaces.items()}
    history = rows(package, "history")
    assert len(history) == 5 + 12  # one sample per garage and per sector
    centre = next(r for r in history if r["id"] == "Centre-Ville")
    in_centre = [s for s in spaces.values() if s.place.sector == "Centre-Ville"]
    assert (centre["kind"], centre["capacity"], Decimal(centre["free"])) == (
        "sector", len(in_centre), sum(s.free for s in in_centre))
    assert centre["resolution"] == "sample"
    assert {"time", "id"} <= indexed_columns(resource(package, "history")["id"])
    for role in ("current", "history"):  # the site's table view, created once the table exists
        views = tk.get_action("resource_view_list")({"ignore_auth": True}, {"id": resource(package, role)["id"]})
        assert [view["view_type"] for view in views] == ["datatables_view"]


def indexed_columns(resource_id: str) -> set[str]:
    from ckanext.datastore.backend.postgres import get_read_engine

    with get_read_engine().connect() as connection:
        return {row[0] for row in connection.exec_driver_sql(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indnatts = 1",
            (f'"{resource_id}"',))}


def test_a_datex_status_is_joined_with_its_table_and_polled(harvest: Harvest, simulator: Simulator) -> None:
    source = published_source(harvest, simulator.url + sim.DATEX_STATUS_PATH, {
        "format": "datex", "table_url": simulator.url + sim.DATEX_TABLE_PATH})
    outcome = poll(source, T0)
    assert outcome.status == parking_poll.POLLED, outcome
    package = the_dataset(source)
    assert stored_counts(package, "garage") == expected_garages(T0)
    mairie = by_id(package)["issy-mairie"]
    assert mairie["name"] == "Parking Mairie" and Decimal(str(mairie["lat"])) == Decimal("48.8247")
    assert {r["id"]: (r["kind"], Decimal(str(r["free"]))) for r in rows(package, "history")} == {
        site: ("garage", Decimal(free)) for site, (free, _capacity, _status) in expected_garages(T0).items()}


def test_a_json_feed_is_read_with_its_mapping_and_its_times_keep_their_offset(
        json_source: dict[str, Any]) -> None:
    outcome = poll(json_source, T0 + MINUTE)
    assert outcome.status == parking_poll.POLLED and outcome.problems == []
    mairie = by_id(the_dataset(json_source))["P-MAIRIE"]
    assert (mairie["free"], mairie["occupied"], mairie["capacity"], mairie["status"]) == (87, 93, 180, "open")
    assert Decimal(str(mairie["occupancy_rate"])) == Decimal("51.7")
    assert datetime.fromisoformat(mairie["observed_at"]).replace(tzinfo=None) == datetime(2026, 12, 1, 8, 30)
    assert mairie["stale"] is False
    history = rows(the_dataset(json_source), "history")
    assert [(r["id"], r["name"], r["capacity"], Decimal(str(r["free"])), Decimal(str(r["occupancy_rate"])))
            for r in history] == [("P-CELTON", "Parking Corentin-Celton", 200, 31, Decimal("84.5")),
                                  ("P-EPINETTES", "Parking des Épinettes", 240, 120, Decimal("50.0")),
                                  ("P-MAIRIE", "Parking de la Mairie", 180, 87, Decimal("51.7"))]


def test_a_csv_feed_is_read_with_its_mapping(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file("places.csv", "numero;etat;secteur\r\nA-001;Libre;Mairie\r\nA-002;Occupé;Mairie\r\n"
                    "A-003;libre;Gare\r\n".encode("cp1252"), headers={"Content-Type": "text/csv"})
    source = published_source(harvest, feed.url("places.csv"), {"format": "csv", "mapping": {
        "kind": "space", "id": "numero", "state": "etat", "free_values": ["libre"], "sector": "secteur"}})
    assert poll(source, T0).status == parking_poll.POLLED
    package = the_dataset(source)
    assert {i: (r["free"], r["sector"]) for i, r in by_id(package).items()} == {
        "A-001": (1, "Mairie"), "A-002": (0, "Mairie"), "A-003": (1, "Gare")}
    assert {r["id"]: Decimal(r["free"]) for r in rows(package, "history")} == {"Gare": 1, "Mairie": 1}


# --- what a poll writes -------------------------------------------------------
def test_a_second_poll_writes_exactly_the_rows_that_changed(harvest: Harvest, feed: Feed,
                                                            json_source: dict[str, Any]) -> None:
    poll(json_source, T0)
    package = the_dataset(json_source)
    current = resource(package, "current")["id"]
    before, version = by_id(package), table_version(current)
    json_feed(feed, "parkings.json", [garage("P-MAIRIE", "Parking de la Mairie", 80, 180),
                                      GARAGES[1], garage("P-EPINETTES", "Parking des Épinettes", 119, 240)])
    outcome = poll(json_source, T0 + MINUTE)
    assert outcome.written == 2
    after = by_id(the_dataset(json_source))
    assert {i for i in after if after[i] != before[i]} == {"P-MAIRIE", "P-EPINETTES"}
    assert after["P-MAIRIE"]["received_at"] != before["P-MAIRIE"]["received_at"]
    assert table_version(current) != version

    version = table_version(current)
    assert poll(json_source, T0 + 2 * MINUTE).written == 0
    assert table_version(current) == version  # nothing written, nothing for caches to refresh


def test_ten_polls_change_no_metadata_and_make_no_activity_or_harvest_job(
        harvest: Harvest, simulator: Simulator) -> None:
    source = published_source(harvest, simulator.url, ods_config(sim.SPACES_DATASET, SPACES_MAPPING))
    package = the_dataset(source)
    activities = model.Session.execute(text("SELECT count(*) FROM activity")).scalar()
    jobs = len(tk.get_action("harvest_job_list")({"ignore_auth": True}, {"source_id": source["id"]}))
    written = []
    for minute in range(10):
        simulator.at = T0 + minute * MINUTE
        outcome = poll(source, simulator.at)
        assert outcome.status == parking_poll.POLLED, outcome
        written.append(outcome.written)
    assert written[0] == 1000 and all(0 < count < 150 for count in written[1:])  # about 5 % a minute
    after = the_dataset(source)
    assert after["metadata_modified"] == package["metadata_modified"]
    assert [r["last_modified"] for r in after["resources"]] == [r["last_modified"] for r in package["resources"]]
    assert model.Session.execute(text("SELECT count(*) FROM activity")).scalar() == activities
    assert len(tk.get_action("harvest_job_list")({"ignore_auth": True}, {"source_id": source["id"]})) == jobs


def test_a_new_site_in_the_feed_asks_for_a_harvest_job_that_publishes_it(
        harvest: Harvest, feed: Feed, json_source: dict[str, Any]) -> None:
    poll(json_source, T0)
    json_feed(feed, "parkings.json", [*GARAGES, garage("P-ISSEANE", "Parking Isséane", 300, 400)])
    outcome = poll(json_source, T0 + MINUTE)
    assert outcome.written == 1 and "P-ISSEANE" in by_id(the_dataset(json_source))
    jobs = tk.get_action("harvest_job_list")({"ignore_auth": True}, {"source_id": json_source["id"]})
    assert sorted(job["status"] for job in jobs) == ["Finished", "Running"]  # sent to the gather queue
    poll(json_source, T0 + 2 * MINUTE)  # asked for once, not every minute
    assert len(tk.get_action("harvest_job_list")({"ignore_auth": True}, {"source_id": json_source["id"]})) == len(jobs)
    from tests.support.harvest import run_queued

    run_queued(harvest.sysadmin["name"])
    sites = json.loads(_download(resource(the_dataset(json_source), "sites")))
    assert [f["id"] for f in sites["features"]] == ["P-CELTON", "P-EPINETTES", "P-ISSEANE", "P-MAIRIE"]


def _download(resource_dict: dict[str, Any]) -> bytes:
    from ckan.lib.uploader import get_resource_uploader

    with open(get_resource_uploader(resource_dict).get_path(resource_dict["id"]), "rb") as file:
        return file.read()


# --- several pollers ----------------------------------------------------------
def test_two_pollers_started_together_poll_once(json_source: dict[str, Any], feed: Feed, app: Any) -> None:
    next_interval(json_source)
    feed.server.requests.clear()
    outcomes: list[list[parking_poll.Outcome]] = []
    start = threading.Barrier(2)

    def poller() -> None:
        with app.flask_app.app_context():
            start.wait()
            outcomes.append(parking_poll.poll_all(T0))

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(o.status for found in outcomes for o in found if o.source_id == json_source["id"])
    assert statuses == [parking_poll.LOCKED, parking_poll.POLLED]
    assert len([r for r in feed.server.requests if "parkings.json" in r]) == 1


# --- staleness ----------------------------------------------------------------
def test_staleness_appears_when_the_feed_fails_for_too_long_and_clears_when_it_returns(
        feed: Feed, json_source: dict[str, Any]) -> None:
    good = feed.files["parkings.json"]
    assert poll(json_source, T0).status == parking_poll.POLLED
    before = by_id(the_dataset(json_source))
    feed.serve_file("parkings.json", b"Internal Server Error", status=500)
    assert poll(json_source, T0 + 5 * MINUTE).status == parking_poll.FAILED
    assert by_id(the_dataset(json_source)) == before  # not stale yet (threshold: 10 min)
    outcome = poll(json_source, T0 + 11 * MINUTE)
    assert outcome.status == parking_poll.FAILED and outcome.written == 3
    stale = by_id(the_dataset(json_source))
    assert all(row["stale"] for row in stale.values())
    assert {i: r["free"] for i, r in stale.items()} == {i: r["free"] for i, r in before.items()}
    feed.files["parkings.json"] = good
    # The garages' times are those of T0 + 1 h: fresh again at T0 + 12 min.
    json_feed(feed, "parkings.json", [garage(g["id_parking"], g["nom"], g["places_libres"], g["capacite"],
                                             time="2026-12-01T09:42:00+01:00") for g in GARAGES])
    assert poll(json_source, T0 + 12 * MINUTE).status == parking_poll.POLLED
    assert not any(row["stale"] for row in by_id(the_dataset(json_source)).values())


def test_a_feed_that_answers_with_old_times_is_stale(feed: Feed, json_source: dict[str, Any]) -> None:
    # The garages say 09:30 (+01:00); at 08:45 UTC their data is 15 minutes old.
    assert poll(json_source, T0 + 15 * MINUTE).status == parking_poll.POLLED
    assert all(row["stale"] for row in by_id(the_dataset(json_source)).values())


def test_a_site_missing_from_the_feed_keeps_its_state_then_is_flagged_stale(
        feed: Feed, json_source: dict[str, Any]) -> None:
    poll(json_source, T0)
    before = by_id(the_dataset(json_source))
    json_feed(feed, "parkings.json", GARAGES[:2])
    assert poll(json_source, T0 + MINUTE).written == 0
    assert by_id(the_dataset(json_source)) == before
    poll(json_source, T0 + 12 * MINUTE)  # the other garages' times are 12 min old: their data is stale too
    json_feed(feed, "parkings.json", [garage(g["id_parking"], g["nom"], g["places_libres"], g["capacite"],
                                             time="2026-12-01T09:43:00+01:00") for g in GARAGES[:2]])
    poll(json_source, T0 + 13 * MINUTE)
    after = by_id(the_dataset(json_source))
    assert {i: r["stale"] for i, r in after.items()} == {"P-MAIRIE": False, "P-CELTON": False, "P-EPINETTES": True}
    assert after["P-EPINETTES"]["free"] == before["P-EPINETTES"]["free"]
    feed.serve_file("parkings.json", b"Bad Gateway", status=502)
    assert poll(json_source, T0 + 14 * MINUTE).status == parking_poll.FAILED
    assert by_id(the_dataset(json_source)) == after  # a failed poll learns nothing: still stale


# --- history ------------------------------------------------------------------
def test_retention_rolls_samples_up_by_hour_and_prunes_old_roll_ups(
        feed: Feed, json_source: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.parking.retention_days", 1)
    monkeypatch.setitem(tk.config, "ckanext.issy.parking.rollup_retention_days", 2)
    now = datetime(2026, 12, 6, 9, 2, tzinfo=T0.tzinfo)

    def poll_with(at: datetime, free: int) -> None:
        json_feed(feed, "parkings.json", [garage("P-MAIRIE", "Parking de la Mairie", free, 180,
                                                 time=at.isoformat())])
        assert poll(json_source, at).status == parking_poll.POLLED

    poll_with(now - timedelta(hours=50), 10)  # beyond both retentions
    poll_with(now - timedelta(hours=30, minutes=20), 40)  # rolled up: 10:40 and 10:50 (UTC) of two days ago
    poll_with(now - timedelta(hours=30, minutes=10), 60)
    poll_with(now, 100)
    history = [r for r in rows(the_dataset(json_source), "history", sort="time") if r["id"] == "P-MAIRIE"]
    assert [(r["time"][:16], r["resolution"], Decimal(str(r["free"])), r["free_min"], r["free_max"])
            for r in history] == [
        ("2026-12-05T02:00", "hour", Decimal(50), 40, 60),
        ("2026-12-06T09:00", "sample", Decimal(100), 100, 100),
    ]


def test_an_hour_is_rolled_up_whole_when_polls_come_a_few_seconds_after_the_minute(
        feed: Feed, json_source: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.parking.retention_days", 1)
    hour = datetime(2026, 12, 4, 10, tzinfo=T0.tzinfo)

    def poll_at(at: datetime, free: int) -> None:
        json_feed(feed, "parkings.json", [garage("P-MAIRIE", "Parking de la Mairie", free, 180, time=at.isoformat())])
        assert poll(json_source, at).status == parking_poll.POLLED

    poll_at(hour + timedelta(seconds=3), 40)  # the 10:00 sample
    poll_at(hour + timedelta(minutes=5, seconds=3), 61)  # the 10:05 sample
    poll_at(hour + timedelta(days=1, seconds=4), 80)  # retention reached in the middle of 10:00
    poll_at(hour + timedelta(days=1, hours=1, seconds=4), 90)  # ... and past it
    rolled = [r for r in rows(the_dataset(json_source), "history", sort="time")
              if r["id"] == "P-MAIRIE" and r["resolution"] == "hour"]
    assert [(r["time"][:16], Decimal(str(r["free"])), r["free_min"], r["free_max"]) for r in rolled] == [
        ("2026-12-04T10:00", Decimal("50.5"), 40, 61)]


# --- faults -------------------------------------------------------------------
@pytest.mark.parametrize("answer", [
    pytest.param({"data": b"Internal Server Error", "status": 500}, id="HTTP 500"),
    pytest.param({"data": b'{"results": [{"id_parking": "P-MAIRIE", "nom": "Parking de la Mai'}, id="malformed JSON"),
    pytest.param({"data": b'{"total_count": 3}'}, id="no records"),
])
def test_a_broken_answer_keeps_the_last_good_state_and_says_why(
        feed: Feed, json_source: dict[str, Any], answer: dict[str, Any]) -> None:
    poll(json_source, T0)
    before = by_id(the_dataset(json_source))
    feed.serve_file("parkings.json", **answer)
    outcome = poll(json_source, T0 + MINUTE)
    assert outcome.status == parking_poll.FAILED and "parkings.json" in outcome.error
    assert by_id(the_dataset(json_source)) == before


def test_a_feed_that_is_down_keeps_the_last_good_state(feed: Feed, json_source: dict[str, Any]) -> None:
    poll(json_source, T0)
    before = by_id(the_dataset(json_source))
    feed.stop()
    outcome = poll(json_source, T0 + MINUTE)
    assert outcome.status == parking_poll.FAILED and outcome.error
    assert by_id(the_dataset(json_source)) == before


def test_malformed_datex_keeps_the_last_good_state(harvest: Harvest, feed: Feed, simulator: Simulator) -> None:
    feed.serve_file("status.xml", sim.datex_status(T0), headers={"Content-Type": "application/xml"})
    source = published_source(harvest, feed.url("status.xml"), {
        "format": "datex", "table_url": simulator.url + sim.DATEX_TABLE_PATH})
    poll(source, T0)
    before = by_id(the_dataset(source))
    feed.serve_file("status.xml", sim.datex_status(T0)[:-200])
    outcome = poll(source, T0 + MINUTE)
    assert outcome.status == parking_poll.FAILED and "status.xml" in outcome.error
    assert by_id(the_dataset(source)) == before


def test_impossible_counts_are_clamped_and_reported_and_future_times_replaced(
        feed: Feed, json_source: dict[str, Any]) -> None:
    json_feed(feed, "parkings.json", [
        garage("P-MAIRIE", "Parking de la Mairie", -4, 180),
        garage("P-CELTON", "Parking Corentin-Celton", 250),
        garage("P-EPINETTES", "Parking des Épinettes", 120, 240, time="2026-12-01T12:00:00+01:00"),
    ])
    outcome = poll(json_source, T0)
    assert outcome.status == parking_poll.POLLED
    assert len(outcome.problems) == 3 and all(any(i in p for i in ("P-MAIRIE", "P-CELTON", "P-EPINETTES"))
                                              for p in outcome.problems)
    stored = by_id(the_dataset(json_source))
    assert (stored["P-MAIRIE"]["free"], stored["P-CELTON"]["free"]) == (0, 200)
    assert datetime.fromisoformat(stored["P-EPINETTES"]["observed_at"]) == T0  # the time of receipt


def test_a_national_description_of_car_parks_completes_the_live_garages(harvest: Harvest, feed: Feed) -> None:
    from tests.harvesters.parking.test_bnls import HEADER, ROWS

    feed.serve_file("stationnement.csv", "\n".join([HEADER, *ROWS.values()]).encode(), headers={"Content-Type": "text/csv"})
    json_feed(feed, "libres.json", [{"id": "92040-P-001", "libres": 120}, {"id": "92040-P-002", "libres": 400}])
    source = published_source(harvest, feed.url("libres.json"), {
        "format": "json", "mapping": {"kind": "garage", "id": "id", "free": "libres", "records": "results"},
        "feeds": [{"url": feed.url("stationnement.csv"), "format": "bnls"}]})
    outcome = poll(source, T0)
    assert outcome.status == parking_poll.POLLED
    assert [problem for problem in outcome.problems if "92040-P-002" in problem]  # 400 > 310 spaces: clamped
    stored = by_id(the_dataset(source))
    assert {i: (r["name"], r["capacity"], r["free"], r["status"]) for i, r in stored.items()} == {
        "92040-P-001": ("CENTRE VILLE", 520, 120, "unknown"),
        "92040-P-002": ("LES EPINETTES", 310, 310, "unknown"),
        "92040-P-003": ("CORENTIN CELTON", 280, None, "unknown"),  # described, never observed
    }
    assert Decimal(str(stored["92040-P-001"]["occupancy_rate"])) == Decimal("76.9")
    assert Decimal(str(stored["92040-P-001"]["lat"])) == Decimal("48.8239")


# --- the command ------------------------------------------------------------------
def test_the_documented_command_polls_once_and_says_what_it_wrote(cli: Any, feed: Feed,
                                                                  json_source: dict[str, Any]) -> None:
    from ckanext.issy.cli import issy

    unit = (Path(__file__).resolve().parents[3] / "deploy" / "systemd" / "ckan-parking-poller.service").read_text()
    assert re.search(r"ExecStart=\S+/ckan -c \S+ issy parking poll\n", unit)
    result = cli.invoke(issy, ["parking", "poll", "--once"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Stationnement en temps réel\W+[^\n]*\b3\b", result.output), result.output
    assert {i: r["free"] for i, r in by_id(the_dataset(json_source)).items()} == {
        "P-MAIRIE": 87, "P-CELTON": 31, "P-EPINETTES": 120}
    next_interval(json_source)
    feed.serve_file("parkings.json", b"[", headers={"Content-Type": "application/json"})
    result = cli.invoke(issy, ["parking", "poll", "--once"])
    assert result.exit_code == 1 and "parkings.json" in result.output


def test_the_health_check_names_a_source_not_polled_successfully_for_too_long(
        app: Any, json_source: dict[str, Any]) -> None:
    """GET /api/issy/health (health.py) reads the poller's last success."""
    now = datetime.now(timezone.utc)
    assert poll(json_source, now - 11 * MINUTE).status == parking_poll.POLLED  # threshold: 10 min
    checks = app.get("/api/issy/health", status=503).json["checks"]
    assert checks["parking_poller"] == {"ok": False,
                                        "detail": "no successful poll for too long: Stationnement en temps réel"}

    assert poll(json_source, now).status == parking_poll.POLLED
    checks = app.get("/api/issy/health", status=200).json["checks"]
    assert checks["parking_poller"] == {"ok": True, "detail": "1 source(s) polled recently"}
