"""DATEX II v2 parking feeds read into sites and observations: the table and
the status in both shapes, what feeds leave out or reorder, broken records
left out with a problem, documents that are not DATEX II refused. No database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.core.xmlreader import UnsafeXmlError
from ckanext.issy.harvesters.parking_feeds import datex, model

# The messages are checked in English, whatever the French catalogue says.
pytestmark = [pytest.mark.ckan_config("ckan.locale_default", "en"), pytest.mark.usefixtures("ckan_config")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PARKING = FIXTURES / "parking"
PARIS_SUMMER = timezone(timedelta(hours=2))
NOW = datetime(2026, 4, 21, 8, 31, tzinfo=timezone.utc)


def table() -> dict[str, model.Site]:
    return datex.read_table(PARKING / "datex-table.xml", "table.xml").sites


def status(name: str, sites: dict[str, model.Site] | None = None) -> model.Poll:
    return datex.read_status(PARKING / name, name, table() if sites is None else sites)


def counts(poll: model.Poll) -> dict[str, tuple[int | None, int | None, str]]:
    return {seen.site_id: (seen.free, seen.occupied, seen.status) for seen in poll.observations}


def test_the_table_gives_names_positions_and_capacities_and_leaves_out_broken_records() -> None:
    poll = datex.read_table(PARKING / "datex-table.xml", "table.xml")
    assert poll.sites["PARK:1"] == model.Site("PARK:1", "Parking Centre-Ville", model.GARAGE, 520, 48.8239, 2.2704)
    # Position before name, capacity only by kind of space (360 + 20).
    assert poll.sites["PARK:2"] == model.Site("PARK:2", "Parking Corentin-Celton", model.GARAGE, 380, 48.827, 2.2785)
    # No French name: the one given; no position: none.
    assert poll.sites["PARK:3"] == model.Site("PARK:3", "Town hall", model.GARAGE, 180)
    assert list(poll.sites) == ["PARK:1", "PARK:2", "PARK:3", "PARK:4", "PARK:5"]
    assert poll.sites["PARK:5"].name == "Parking Les Épinettes"
    assert poll.observations == []
    assert poll.problems == [
        "table.xml: parking PARK:6 left out: latitude 48,8195 is not a number",
        "table.xml: parkingRecord 7 has no id: left out",
    ]


def test_a_status_in_a_generic_publication_is_read_by_name_whatever_the_order() -> None:
    poll = status("datex-status-generic.xml")
    assert counts(poll) == {
        "PARK:1": (137, 383, model.OPEN),
        "PARK:2": (None, 380, model.FULL),  # only the occupied spaces, out of the XSD's order
        "PARK:3": (150, 30, model.CLOSED),  # spacesAvailable, but closed
        "PARK:4": (None, 295, model.OPEN),  # 50 % of 590; almostFull is open
        "PARK:5": (None, 200, model.OPEN),  # vehicles, no site status but open
        "PARK:99": (12, None, model.CLOSED),  # closedAbnormal wins over full
    }
    assert poll.sites == {}  # a status describes no site
    assert poll.problems == [
        "datex-status-generic.xml: parking PARK:99 is not in the parking table: its state is kept "
        "without a name, capacity or position"]


def test_times_keep_their_offsets() -> None:
    times = {seen.site_id: seen.observed_at for seen in status("datex-status-generic.xml").observations}
    assert times["PARK:1"] == datetime(2026, 4, 21, 10, 29, tzinfo=PARIS_SUMMER)
    assert times["PARK:1"].utcoffset() == timedelta(hours=2)
    assert times["PARK:2"] == datetime(2026, 4, 21, 8, 28, 30, 250000, tzinfo=timezone.utc)
    direct = {seen.site_id: seen.observed_at for seen in status("datex-status-direct.xml").observations}
    # "Z" and "+02:00": the same instant.
    assert direct["PARK:1"] == direct["PARK:3"] == datetime(2026, 4, 21, 8, 29, tzinfo=timezone.utc)


def test_vacant_spaces_are_computed_from_the_capacity_when_the_feed_gives_only_occupied_ones() -> None:
    sites = table()
    checked = {seen.site_id: model.checked(seen, sites.get(seen.site_id), NOW)
               for seen in status("datex-status-generic.xml", sites).observations}
    free = {site_id: (seen.free, seen.occupied) for site_id, (seen, problems) in checked.items()}
    assert free == {"PARK:1": (137, 383), "PARK:2": (0, 380), "PARK:3": (150, 30), "PARK:4": (295, 295),
                    "PARK:5": (40, 200), "PARK:99": (12, None)}
    assert all(problems == [] for _seen, problems in checked.values())


def test_a_percentage_without_a_known_capacity_gives_no_count() -> None:
    poll = status("datex-status-generic.xml", sites={})
    assert counts(poll)["PARK:4"] == (None, None, model.OPEN)
    assert len(poll.problems) == 6  # every site is unknown


def test_a_status_as_its_own_payload_publication_with_prefixes() -> None:
    poll = status("datex-status-direct.xml")
    assert counts(poll) == {"PARK:1": (0, 520, model.FULL), "PARK:3": (4, None, model.UNKNOWN)}
    assert poll.problems == []


def test_broken_records_are_left_out_with_a_problem_naming_them() -> None:
    poll = status("datex-status-malformed-records.xml")
    file = "datex-status-malformed-records.xml"
    assert counts(poll) == {"PARK:5": (None, -3, model.OPEN)}  # the first of two
    assert poll.problems == [
        f"{file}: the status of parking PARK:1 is left out: parkingNumberOfVacantSpaces douze "
        "is not a number of spaces",
        f"{file}: the status of parking PARK:2 is left out: parkingStatusOriginTime 21/04/2026 10:29 "
        "is not a date and time",
        f"{file}: the status of parking PARK:3 is left out: parkingStatusOriginTime 2026-04-21T10:29:00 "
        "has no UTC offset",
        f"{file}: parkingRecordStatus 4 has no parkingRecordReference id: left out",
        f"{file}: the status of parking PARK:4 is left out: parkingOccupancy NaN is not a number",
        f"{file}: parking PARK:5 has two statuses: the first one is kept",
    ]
    # A negative count is read as written, and never stored as such.
    (seen,) = poll.observations
    stored, problems = model.checked(seen, table()["PARK:5"], NOW)
    assert (stored.free, stored.occupied) == (240, 0)
    assert len(problems) == 1 and "PARK:5" in problems[0] and "-3" in problems[0]


def test_the_soap_fixture_of_the_xml_reader_reads_too() -> None:
    poll = datex.read_status(FIXTURES / "datex2-v2-parking-status-soap-bom.xml", "parkings.xml", {})
    assert counts(poll) == {"ISSY_PARK_HOTEL_DE_VILLE": (0, 412, model.FULL),
                            "ISSY_PARK_CORENTIN_CELTON": (87, 233, model.OPEN)}


@pytest.mark.parametrize("name, message", [
    ("datex-soap-fault.xml", "datex-soap-fault.xml: not a DATEX II v2 publication (no payloadPublication in the "
                             "namespace http://datex2.eu/schema/2/2_0)"),
    ("datex-table.xml", "datex-table.xml: this DATEX II document is a ParkingTablePublication, "
                        "not a ParkingStatusPublication"),
    ("../datex2-v3-parking-status.xml", "../datex2-v3-parking-status.xml: not a DATEX II v2 publication"),
], ids=["soap fault", "a table", "datex ii v3"])
def test_a_document_that_is_not_a_datex_ii_v2_status_is_refused(name: str, message: str) -> None:
    with pytest.raises(ReadError) as refused:
        datex.read_status(PARKING / name, name, {})
    assert str(refused.value).startswith(message)


def test_a_status_given_as_the_table_is_refused() -> None:
    with pytest.raises(ReadError, match="^status.xml: this DATEX II document is a ParkingStatusPublication, "
                                        "not a ParkingTablePublication$"):
        datex.read_table(PARKING / "datex-status-generic.xml", "status.xml")


@pytest.mark.parametrize("body, message", [
    (b'{"results": []}', r"^status\.xml, line 1, column 1: malformed XML \(Start tag expected"),
    (b"", r"^status\.xml: the file is empty$"),
    ((PARKING / "datex-status-generic.xml").read_bytes()[:900], r"the file looks truncated$"),
], ids=["json", "empty", "truncated"])
def test_a_body_that_is_not_xml_is_refused(tmp_path: Path, body: bytes, message: str) -> None:
    path = tmp_path / "status.xml"
    path.write_bytes(body)
    with pytest.raises(ReadError, match=message):
        datex.read_status(path, "status.xml", {})


def test_a_billion_laughs_document_is_refused_before_any_entity_expands() -> None:
    with pytest.raises(UnsafeXmlError, match=r"^billion\.xml: documents with a DTD \(<!DOCTYPE d2LogicalModel>\) "
                                             r"are refused"):
        datex.read_status(PARKING / "datex-billion-laughs.xml", "billion.xml", {})
