"""The parking simulator of the demo and the tests: deterministic, plausible
over a day, and its Opendatasoft and DATEX II answers say the same as its
state, also through the DATEX II reader and over HTTP. No database."""
from __future__ import annotations

import codecs
import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from ckanext.issy.harvesters.parking_feeds import datex, model
from devstack import parking_simulator as simulator

DAY = datetime(2026, 4, 21, tzinfo=simulator.TIMEZONE)  # a Tuesday, summer time
AT = DAY.replace(hour=10, minute=29, second=41)
Counts = dict[str, tuple[int, int, str]]  # site id: free, capacity, status


def at_hour(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def expected(sites: list[simulator.PlaceState]) -> Counts:
    return {site.place.id: (site.free, site.place.capacity, site.status) for site in sites}


def test_the_state_depends_only_on_the_minute_and_the_seed() -> None:
    first = simulator.state(AT)
    assert simulator.state(AT) == first
    # The same minute in another time zone, or a few seconds later.
    assert simulator.state(AT.astimezone(timezone.utc).replace(second=5)) == first
    assert simulator.state(AT, seed=7) != first
    assert simulator.state(AT + timedelta(minutes=1)) != first
    with pytest.raises(ValueError):
        simulator.state(AT.replace(tzinfo=None))


def test_five_garages_and_a_thousand_spaces_in_twelve_sectors_inside_issy() -> None:
    garages, spaces = simulator.garage_states(AT), simulator.space_states(AT)
    assert len(garages) == 5 and all(150 <= site.place.capacity <= 600 for site in garages)
    assert len(spaces) == 1000 and len({site.place.sector for site in spaces}) == 12
    assert len({site.place.id for site in garages + spaces}) == 1005
    for site in garages + spaces:
        assert 48.815 < site.place.lat < 48.835 and 2.245 < site.place.lon < 2.285, site.place
        assert 0 <= site.occupied <= site.place.capacity


def test_about_five_percent_of_the_spaces_change_from_one_minute_to_the_next() -> None:
    shares = []
    for minute in (at_hour(hour, 13 + 2 * hour) for hour in range(24)):  # a sample over the day
        before, after = simulator.space_states(minute), simulator.space_states(minute + timedelta(minutes=1))
        shares.append(sum(a.occupied != b.occupied for a, b in zip(before, after)) / len(before))
    assert 0.04 <= sum(shares) / len(shares) <= 0.06, shares
    assert max(shares) <= 0.09, shares  # every minute, not only on average
    # Over midnight (summer time is UTC+2: the minute itself is not special).
    before, after = simulator.space_states(DAY - timedelta(minutes=1)), simulator.space_states(DAY)
    assert sum(a.occupied != b.occupied for a, b in zip(before, after)) <= 90


def test_garages_are_fuller_in_working_hours_and_near_the_town_hall_at_lunchtime() -> None:
    def occupied(hour: int) -> dict[str, int]:
        return {site.place.id: site.occupied for site in simulator.garage_states(at_hour(hour))}

    night, morning, lunch = occupied(4), occupied(10), occupied(13)
    assert all(morning[garage] > 2 * night[garage] for garage in night), (night, morning)
    for garage in ("issy-centre-ville", "issy-mairie"):  # the two near the town hall
        assert lunch[garage] > morning[garage]
    # Streets: residents leave in the morning, visitors come after.
    streets = {hour: sum(site.occupied for site in simulator.space_states(at_hour(hour, 30))) for hour in (8, 11)}
    assert streets[8] < streets[11]


def test_a_garage_closes_at_night_and_garages_fill_up() -> None:
    statuses = {(hour, site.place.id): site.status for hour in (3, 13)
                for site in simulator.garage_states(at_hour(hour))}
    assert statuses[3, "issy-mairie"] == simulator.CLOSED and statuses[13, "issy-mairie"] != simulator.CLOSED
    lunchtimes = (DAY + timedelta(minutes=minute) for minute in range(11 * 60, 15 * 60, 10))
    day = [site for minute in lunchtimes for site in simulator.garage_states(minute)]
    assert any(site.status == simulator.FULL and site.free == 0 for site in day)


def ods_json(answer: bytes) -> list[dict]:
    body = json.loads(answer)
    assert body["total_count"] == len(body["results"])
    return body["results"]


def ods_csv(answer: bytes) -> list[dict]:
    assert answer.startswith(codecs.BOM_UTF8) and answer.endswith(b"\r\n")
    return list(csv.DictReader(io.StringIO(answer[3:].decode(), newline=""), delimiter=";"))


def test_the_opendatasoft_garages_say_what_the_state_says() -> None:
    from_json = {record["parking_id"]: record for record in ods_json(simulator.ods_garages_json(AT))}
    from_csv = {record["parking_id"]: record for record in ods_csv(simulator.ods_garages_csv(AT))}
    statuses = {"ouvert": model.OPEN, "complet": model.FULL, "fermé": model.CLOSED}
    assert {site_id: (record["value_free_spots"], record["nombre_de_places_contractuelles"],
                      statuses[record["value_status"]]) for site_id, record in from_json.items()} == expected(
        simulator.garage_states(AT))
    for site_id, record in from_json.items():
        row = from_csv[site_id]
        assert (int(row["value_free_spots"]), int(row["nombre_de_places_contractuelles"]), row["value_status"],
                row["name"]) == (record["value_free_spots"], record["nombre_de_places_contractuelles"],
                                 record["value_status"], record["name"])
        assert row["geo"] == f"{record['geo']['lat']}, {record['geo']['lon']}"
        assert float(row["remplissage"]) == record["remplissage"]
        assert row["last_update"] == record["last_update"] == "2026-04-21T08:29:00+00:00"
    assert from_json["issy-epinettes"]["name"] == "Parking Les Épinettes"


def test_the_opendatasoft_spaces_say_what_the_state_says() -> None:
    spaces = simulator.space_states(AT)
    from_json, from_csv = ods_json(simulator.ods_spaces_json(AT)), ods_csv(simulator.ods_spaces_csv(AT))
    assert [(record["identifiant_place"], record["etat"], record["implantation"]) for record in from_json] == [
        (site.place.id, "occupé" if site.occupied else "libre", site.place.sector) for site in spaces]
    assert [(row["identifiant_place"], row["etat"], row["implantation"], row["geo"]) for row in from_csv] == [
        (record["identifiant_place"], record["etat"], record["implantation"],
         f"{record['geo']['lat']}, {record['geo']['lon']}") for record in from_json]
    page = json.loads(simulator.ods_spaces_json(AT, limit=100, offset=900))
    assert page["total_count"] == 1000 and page["results"] == from_json[900:]


@pytest.mark.ckan_config("ckan.locale_default", "en")
@pytest.mark.usefixtures("ckan_config")
def test_the_datex_ii_answers_read_back_to_the_state(tmp_path: Path) -> None:
    (tmp_path / "table.xml").write_bytes(simulator.datex_table())
    (tmp_path / "status.xml").write_bytes(simulator.datex_status(AT))
    table = datex.read_table(tmp_path / "table.xml", "table.xml")
    assert table.problems == []
    assert table.sites == {
        place.id: model.Site(place.id, place.name, model.GARAGE, place.capacity, place.lat, place.lon)
        for place in simulator.GARAGES}
    for minute in (AT, at_hour(3), at_hour(13)):  # open, closed, and (near the town hall) full
        (tmp_path / "status.xml").write_bytes(simulator.datex_status(minute))
        status = datex.read_status(tmp_path / "status.xml", "status.xml", table.sites)
        assert status.problems == []
        assert {seen.site_id: (seen.free, table.sites[seen.site_id].capacity, seen.status)
                for seen in status.observations} == expected(simulator.garage_states(minute))
        local = minute.replace(second=0)
        assert {seen.observed_at for seen in status.observations} == {local}
        assert all(seen.observed_at.utcoffset() == timedelta(hours=2) for seen in status.observations)


@pytest.fixture
def server() -> Iterator[str]:
    running = simulator.make_server(port=0, clock=lambda: AT)
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{simulator.HOST}:{running.server_address[1]}"
    finally:
        running.shutdown()
        running.server_close()
        thread.join()


def get(url: str) -> tuple[str, bytes]:
    with urlopen(url, timeout=10) as answer:
        return answer.headers["Content-Type"], answer.read()


def test_the_server_answers_every_path_at_its_clock_s_minute(server: str) -> None:
    datasets = f"{server}{simulator.API}"
    assert get(f"{server}/datex/table.xml") == ("application/xml; charset=utf-8", simulator.datex_table())
    assert get(f"{server}/datex/status.xml")[1] == simulator.datex_status(AT)
    garages, spaces = simulator.GARAGES_DATASET, simulator.SPACES_DATASET
    assert get(f"{datasets}/{garages}/exports/csv") == ("text/csv; charset=utf-8", simulator.ods_garages_csv(AT))
    assert get(f"{datasets}/{spaces}/exports/csv")[1] == simulator.ods_spaces_csv(AT)
    assert get(f"{datasets}/{garages}/records")[1] == simulator.ods_garages_json(AT, limit=10)
    assert get(f"{datasets}/{spaces}/records?limit=100&offset=200")[1] == simulator.ods_spaces_json(
        AT, limit=100, offset=200)


@pytest.mark.parametrize("path, status", [
    (f"{simulator.API}/{simulator.SPACES_DATASET}/records?limit=1000", 400),  # as the API: 100 at most
    (f"{simulator.API}/{simulator.SPACES_DATASET}/records?limit=dix", 400),
    (f"{simulator.API}/inconnu/records", 404),
    ("/datex/", 404),
])
def test_the_server_refuses_what_the_api_refuses(server: str, path: str, status: int) -> None:
    with pytest.raises(HTTPError) as refused:
        get(f"{server}{path}")
    assert refused.value.code == status
    refused.value.close()
