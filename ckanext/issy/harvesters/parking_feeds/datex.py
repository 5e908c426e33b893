"""DATEX II v2 parking feeds: the static ``ParkingTablePublication`` (names,
positions, capacities) and the minute-by-minute ``ParkingStatusPublication``.

Both come either as their own ``payloadPublication`` (``xsi:type``) or inside
a ``GenericPublication``'s ``genericPublicationExtension``; the records are
found by namespace and local name wherever the wrapper puts them, and their
children by name, never by position (the XSD's order is not always kept).
The core's hardened reader streams the document: the status of a thousand
sites is read in bounded memory, and a DTD is refused before it is used.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.core.xmlreader import (
    Element, find, find_all, find_attribute, find_text, is_named, iter_elements, xsi_type,
)
from ckanext.issy.harvesters.parking_feeds import model
from ckanext.issy.language import _

DATEX_V2 = "http://datex2.eu/schema/2/2_0"
TABLE, STATUS = "ParkingTablePublication", "ParkingStatusPublication"
# ParkingSiteStatusEnum; parkingSiteOpeningStatus "closed"/"closedAbnormal" wins over it.
SITE_STATUSES = {
    "spacesAvailable": model.OPEN, "almostFull": model.OPEN,
    "fullAtEntrance": model.FULL, "full": model.FULL,
    "unknown": model.UNKNOWN, "other": model.UNKNOWN,
}
CLOSED_OPENINGS = ("closed", "closedAbnormal")
OPEN_OPENINGS = ("open", "openingTimesInForce")
PREFERRED_LANGUAGE = "fr"
INTEGER = re.compile(r"[+-]?[0-9]+")


class _Malformed(ValueError):
    """A record that cannot be read; the message says which element and why."""


def read_table(path: Path, file: str) -> model.Poll:
    """The garages of a ParkingTablePublication (sites only, no observation)."""
    poll = model.Poll()
    for number, record in enumerate(_records(path, file, "parkingRecord", TABLE), start=1):
        site_id = (record.get("id") or "").strip()
        if not site_id:
            poll.problems.append(_("{file}: parkingRecord {number} has no id: left out").format(
                file=file, number=number))
            continue
        try:
            site = _site(record, site_id)
        except _Malformed as error:
            poll.problems.append(_("{file}: parking {id} left out: {error}").format(
                file=file, id=site_id, error=error))
            continue
        if site_id in poll.sites:
            poll.problems.append(_("{file}: parking {id} is described twice: the first one is kept").format(
                file=file, id=site_id))
            continue
        poll.sites[site_id] = site
    return poll


def read_status(path: Path, file: str, sites: dict[str, model.Site]) -> model.Poll:
    """One observation per ``parkingRecordStatus`` of a ParkingStatusPublication,
    joined with ``sites`` (read from the table) for capacities. A status
    describes no site: the poll's ``sites`` stays empty."""
    poll = model.Poll()
    seen: set[str] = set()
    for number, record in enumerate(_records(path, file, "parkingRecordStatus", STATUS), start=1):
        site_id = (find_attribute(record, DATEX_V2, "parkingRecordReference", attribute="id") or "").strip()
        if not site_id:
            poll.problems.append(_("{file}: parkingRecordStatus {number} has no parkingRecordReference id: "
                                   "left out").format(file=file, number=number))
            continue
        if site_id in seen:
            poll.problems.append(_("{file}: parking {id} has two statuses: the first one is kept").format(
                file=file, id=site_id))
            continue
        seen.add(site_id)
        site = sites.get(site_id)
        try:
            poll.observations.append(_observation(record, site_id, site, number))
        except _Malformed as error:
            poll.problems.append(_("{file}: the status of parking {id} is left out: {error}").format(
                file=file, id=site_id, error=error))
            continue
        if site is None:
            # Observed all the same: the table may describe it on its next reading.
            poll.problems.append(_("{file}: parking {id} is not in the parking table: its state is kept "
                                   "without a name, capacity or position").format(file=file, id=site_id))
    return poll


def _records(path: Path, file: str, record: str, publication: str) -> Iterator[Element]:
    """The ``record`` elements of a DATEX II v2 document, then a ReadError if
    the document is not DATEX II v2, or is another publication and has none."""
    payload_type, generic_name, found = None, None, False
    for element in iter_elements(path, DATEX_V2, (record, "publicationTime", "genericPublicationName"),
                                 name=file):
        if is_named(element, DATEX_V2, record):
            found = True
            yield element
        elif is_named(element, DATEX_V2, "publicationTime"):
            # Its parent, the payloadPublication, is still being parsed: its
            # xsi:type and namespace declarations are there.
            payload = element.getparent()
            payload_type = (xsi_type(payload) if payload is not None else None) or (DATEX_V2, "")
        else:
            generic_name = (element.text or "").strip()
    if payload_type is None:
        raise ReadError(_("{file}: not a DATEX II v2 publication (no payloadPublication in the "
                          "namespace {namespace})").format(file=file, namespace=DATEX_V2))
    kind = generic_name if payload_type[1] == "GenericPublication" and generic_name else payload_type[1]
    if not found and kind != publication:
        raise ReadError(_("{file}: this DATEX II document is a {kind}, not a {expected}").format(
            file=file, kind=kind or "?", expected=publication))


def _site(record: Element, site_id: str) -> model.Site:
    point = find(record, DATEX_V2, "parkingLocation", "pointByCoordinates", "pointCoordinates")
    lat = _coordinate(point, "latitude", 90) if point is not None else None
    lon = _coordinate(point, "longitude", 180) if point is not None else None
    return model.Site(site_id, _name(record) or site_id, model.GARAGE, _capacity(record), lat, lon)


def _name(record: Element) -> str:
    """The name in French, else the first one given."""
    values = find(record, DATEX_V2, "parkingName", "values")
    names = [] if values is None else [
        (value.get("lang"), (value.text or "").strip()) for value in find_all(values, DATEX_V2, "value")]
    names = [(lang, text) for lang, text in names if text]
    return next((text for lang, text in names if lang == PREFERRED_LANGUAGE), names[0][1] if names else "")


def _capacity(record: Element) -> int | None:
    """The record's number of spaces, or the sum of its groups' when it
    gives only those (each group counts one kind of space)."""
    total = _count(record, "parkingNumberOfSpaces")
    if total is not None:
        return total
    groups = [_count(group, "parkingNumberOfSpaces")
              for group in find_all(record, DATEX_V2, "groupOfParkingSpaces")]
    counted = [count for count in groups if count is not None]
    return sum(counted) if counted else None


def _observation(record: Element, site_id: str, site: model.Site | None, number: int) -> model.Observation:
    occupancy = find(record, DATEX_V2, "parkingOccupancy")
    free = occupied = percentage = None
    if occupancy is not None:
        free = _count(occupancy, "parkingNumberOfVacantSpaces")
        occupied = _count(occupancy, "parkingNumberOfOccupiedSpaces")
        if occupied is None:
            occupied = _count(occupancy, "parkingNumberOfVehicles")
        # v2 nests the percentage <parkingOccupancy> in the <parkingOccupancy> block.
        percentage = _number(occupancy, "parkingOccupancy")
    capacity = site.capacity if site is not None else None
    if free is None and occupied is None and percentage is not None and capacity is not None:
        occupied = round(capacity * percentage / 100)
    return model.Observation(site_id, free, occupied, _status(record), _origin_time(record),
                             where=f"parkingRecordStatus {number}")


def _status(record: Element) -> str:
    opening = find_text(record, DATEX_V2, "parkingSiteOpeningStatus")
    if opening in CLOSED_OPENINGS:
        return model.CLOSED
    status = find_text(record, DATEX_V2, "parkingSiteStatus")
    if status is None:
        return model.OPEN if opening in OPEN_OPENINGS else model.UNKNOWN
    return SITE_STATUSES.get(status, model.UNKNOWN)


def _origin_time(record: Element) -> datetime:
    text = find_text(record, DATEX_V2, "parkingStatusOriginTime")
    if not text:
        raise _Malformed(_("no parkingStatusOriginTime"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Malformed(_("parkingStatusOriginTime {value} is not a date and time").format(value=text)) from None
    if moment.tzinfo is None:
        # A local time without its offset is ambiguous twice a year and
        # across operators: it is not guessed.
        raise _Malformed(_("parkingStatusOriginTime {value} has no UTC offset").format(value=text))
    return moment


def _count(parent: Element, name: str) -> int | None:
    text = find_text(parent, DATEX_V2, name)
    if not text:
        return None
    if not INTEGER.fullmatch(text):
        raise _Malformed(_("{element} {value} is not a number of spaces").format(element=name, value=text))
    return int(text)  # a negative count is kept, for model.checked to report


def _number(parent: Element, name: str) -> float | None:
    text = find_text(parent, DATEX_V2, name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _Malformed(_("{element} {value} is not a number").format(element=name, value=text))
    return value


def _coordinate(point: Element, name: str, limit: float) -> float | None:
    value = _number(point, name)
    if value is not None and abs(value) > limit:
        raise _Malformed(_("{element} {value} is out of range").format(element=name, value=value))
    return value
