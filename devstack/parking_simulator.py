"""A simulated real-time parking feed of Issy-les-Moulineaux for the demo and
the tests (issue 21): five garages and 1,000 on-street spaces (one sensor
each, in 12 sectors), invented but placed in the town.

Their state is a pure function of the minute and a seed. Garages are nearly
empty at night and fuller in working hours, the two near the town hall fill
up at lunchtime, the Mairie garage closes at night. A space keeps its state
until a change point (drawn per space and minute), where it is drawn again
with its sector's occupancy at that time of day; change points come often
enough that about 5 % of the spaces change from one minute to the next.

The renderers answer as Issy's Opendatasoft datasets (Explore v2.1) and a
DATEX II v2 feed do; :func:`serve` serves them at the current minute on a
loopback address of its own (the demo's sample feeds keep 127.0.0.2:8702).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from devstack.loopback import LoopbackHTTPServer

HOST, PORT = "127.0.0.3", 8703
URL = f"http://{HOST}:{PORT}"
SEED = 21
TIMEZONE = ZoneInfo("Europe/Paris")
# Issy's dataset ids on data.issy.com, served under the Explore API's paths.
GARAGES_DATASET = "park-indigo-disponibilite-temps-reel"
SPACES_DATASET = "disponibilite-parking-aximumcolas"
API = "/api/explore/v2.1/catalog/datasets"
DATEX_TABLE_PATH, DATEX_STATUS_PATH = "/datex/table.xml", "/datex/status.xml"
DATEX_V2 = "http://datex2.eu/schema/2/2_0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TABLE_PUBLISHED = "2026-01-05T09:00:00+01:00"  # the garages' description does not change
MAX_LIMIT = 100  # the largest /records page the API serves
# The vocabulary of ckanext.issy.harvesters.parking_feeds.model (not
# imported: the simulator runs without CKAN).
GARAGE, SPACE = "garage", "space"
OPEN, FULL, CLOSED = "open", "full", "closed"
ODS_STATUS = {OPEN: "ouvert", FULL: "complet", CLOSED: "fermé"}

CHANGE_RATE = 0.05  # share of the spaces that change in a minute
LOOKBACK = 240  # minutes searched back for a space's last change point
# Occupancy by local hour, interpolated in between.
GARAGE_DAY = ((0, .12), (6, .12), (8, .35), (10, .80), (17, .74), (19, .40), (22, .18), (24, .12))
STREET_DAY = ((0, .86), (6, .86), (8.5, .62), (10, .92), (18, .88), (19.5, .72), (22, .84), (24, .86))
LUNCH_RUSH = .3  # added at 13:00 near the town hall, none before 12:00 or after 14:00
CLOSED_HOURS = {"issy-mairie": (60, 360)}  # minutes of the day: 01:00 to 06:00


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str  # GARAGE or SPACE
    capacity: int
    lat: float
    lon: float
    sector: str = ""  # a space's
    lunch: bool = False  # a garage near the town hall


@dataclass(frozen=True)
class PlaceState:
    place: Place
    occupied: int
    status: str  # OPEN, FULL or CLOSED

    @property
    def free(self) -> int:
        return self.place.capacity - self.occupied


GARAGES = (
    Place("issy-centre-ville", "Parking Centre-Ville", GARAGE, 520, 48.8239, 2.2704, lunch=True),
    Place("issy-mairie", "Parking Mairie", GARAGE, 180, 48.8247, 2.2736, lunch=True),
    Place("issy-epinettes", "Parking Les Épinettes", GARAGE, 240, 48.8212, 2.2662),
    Place("issy-corentin-celton", "Parking Corentin-Celton", GARAGE, 380, 48.8270, 2.2785),
    Place("issy-val-de-seine", "Parking Val de Seine", GARAGE, 590, 48.8296, 2.2628),
)
# name, centre, spaces, how much fuller than the town's average
SECTORS = (
    ("Centre-Ville", 48.8241, 2.2712, 110, .05), ("Corentin-Celton", 48.8268, 2.2775, 100, .04),
    ("Les Épinettes", 48.8205, 2.2655, 80, -.02), ("Val de Seine", 48.8292, 2.2625, 90, -.04),
    ("Fort d'Issy", 48.8195, 2.2575, 70, -.08), ("Les Hauts d'Issy", 48.8200, 2.2620, 60, -.06),
    ("Île Saint-Germain", 48.8285, 2.2560, 70, -.07), ("Isséane", 48.8298, 2.2670, 90, .02),
    ("Les Arches", 48.8228, 2.2758, 80, .03), ("La Ferme", 48.8215, 2.2598, 70, -.03),
    ("Les Chartreux", 48.8190, 2.2695, 80, 0.0), ("Porte d'Issy", 48.8282, 2.2760, 100, .04),
)
_MASK = (1 << 64) - 1


def _unit(*parts: int) -> float:
    """A number in [0, 1) that depends only on ``parts`` (splitmix64's mixing)."""
    h = 0
    for part in parts:
        h = (h + part + 0x9E3779B97F4A7C15) & _MASK
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
        h ^= h >> 31
    return h / 2.0 ** 64


def _spaces() -> tuple[Place, ...]:
    spaces: list[Place] = []
    for name, lat, lon, count, _fuller in SECTORS:
        for _n in range(count):
            number = len(spaces) + 1
            place_id = f"ISSY-{number:04d}"
            spaces.append(Place(place_id, place_id, SPACE, 1, round(lat + (_unit(number, 1) - .5) * .0024, 6),
                                round(lon + (_unit(number, 2) - .5) * .0036, 6), sector=name))
    return tuple(spaces)


SPACES = _spaces()


def _minute(at: datetime) -> int:
    """Minutes since the epoch: the states change once a minute."""
    if at.tzinfo is None:
        raise ValueError(f"{at} has no time zone")
    return int(at.timestamp()) // 60


def _local_hour(minute: int) -> float:
    local = datetime.fromtimestamp(minute * 60, TIMEZONE)
    return local.hour + local.minute / 60


def _curve(points: tuple[tuple[float, float], ...], hour: float) -> float:
    for (h0, v0), (h1, v1) in zip(points, points[1:]):
        if hour <= h1:
            return v0 + (v1 - v0) * (hour - h0) / (h1 - h0)
    return points[-1][1]


def garage_states(at: datetime, seed: int = SEED) -> list[PlaceState]:
    minute = _minute(at)
    hour = _local_hour(minute)
    return [_garage(place, index, minute, hour, seed) for index, place in enumerate(GARAGES)]


def _garage(place: Place, index: int, minute: int, hour: float, seed: int) -> PlaceState:
    rate = _curve(GARAGE_DAY, hour) + (_unit(seed, 2, index) - .5) * .1
    if place.lunch:
        rate += LUNCH_RUSH * max(0.0, 1 - abs(hour - 13))
    # Noise drawn every 20 minutes and interpolated: the counts drift, they do not jump.
    block, into = divmod(minute, 20)
    before, after = _unit(seed, 3, index, block), _unit(seed, 3, index, block + 1)
    rate += (before + (after - before) * into / 20 - .5) * .08
    occupied = round(place.capacity * min(max(rate, 0.0), 1.0))
    closed = CLOSED_HOURS.get(place.id)
    if closed and closed[0] <= hour * 60 < closed[1]:
        return PlaceState(place, occupied, CLOSED)
    return PlaceState(place, occupied, FULL if occupied == place.capacity else OPEN)


def space_states(at: datetime, seed: int = SEED) -> list[PlaceState]:
    minute = _minute(at)
    town = [_curve(STREET_DAY, _local_hour(minute - back)) for back in range(LOOKBACK)]
    profiles = {}
    for name, _lat, _lon, _count, fuller in SECTORS:
        occupancy = [min(max(p + fuller, .2), .95) for p in town]  # minute by minute, back in time
        # A new draw differs from the state with chance 2p(1 - p): change
        # points come at CHANGE_RATE / (2p(1 - p)) for CHANGE_RATE changes.
        profiles[name] = occupancy, [min(1.0, CHANGE_RATE / (2 * p * (1 - p))) for p in occupancy]
    states = []
    for index, place in enumerate(SPACES):
        occupied = _space_occupied(seed, index, minute, *profiles[place.sector])
        states.append(PlaceState(place, int(occupied), FULL if occupied else OPEN))
    return states


def _space_occupied(seed: int, index: int, minute: int, occupancy: list[float], change: list[float]) -> bool:
    for back in range(LOOKBACK):
        if _unit(seed, 1, index, minute - back, 0) < change[back]:
            break
    return _unit(seed, 1, index, minute - back, 1) < occupancy[back]


def state(at: datetime, seed: int = SEED) -> list[PlaceState]:
    """Every site at the minute of ``at`` (timezone-aware): the garages, then the spaces."""
    return garage_states(at, seed) + space_states(at, seed)


# --- Opendatasoft Explore API v2.1 ---------------------------------------------
def _utc(at: datetime) -> str:
    """The minute of ``at`` as the API writes times (its default timezone=UTC)."""
    return datetime.fromtimestamp(_minute(at) * 60, timezone.utc).isoformat()


def _garage_record(site: PlaceState, at: datetime) -> dict[str, Any]:
    place = site.place
    return {
        "parking_id": place.id, "name": place.name, "ville": "Issy-les-Moulineaux",
        "value_free_spots": site.free, "nombre_de_places_contractuelles": place.capacity,
        "remplissage": round(100 * site.occupied / place.capacity, 1), "value_status": ODS_STATUS[site.status],
        "geo": {"lat": place.lat, "lon": place.lon}, "last_update": _utc(at),
    }


def _space_record(site: PlaceState, at: datetime) -> dict[str, Any]:
    place = site.place
    return {"identifiant_place": place.id, "etat": "occupé" if site.occupied else "libre", "implantation": place.sector,
            "geo": {"lat": place.lat, "lon": place.lon}, "last_update": _utc(at)}


def _records_answer(records: list[dict[str, Any]], limit: int | None, offset: int) -> bytes:
    page = records[offset:] if limit is None else records[offset:offset + limit]
    return json.dumps({"total_count": len(records), "results": page}, ensure_ascii=False).encode()


def _export(records: list[dict[str, Any]]) -> bytes:
    """A CSV export as v2.1 writes it: BOM, ``;``, CRLF, points as ``"lat, lon"``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(records[0])
    for record in records:
        writer.writerow(f"{value['lat']}, {value['lon']}" if isinstance(value, dict) else value
                        for value in record.values())
    return codecs.BOM_UTF8 + out.getvalue().encode()


def ods_garages_json(at: datetime, seed: int = SEED, limit: int | None = None, offset: int = 0) -> bytes:
    return _records_answer([_garage_record(site, at) for site in garage_states(at, seed)], limit, offset)


def ods_garages_csv(at: datetime, seed: int = SEED) -> bytes:
    return _export([_garage_record(site, at) for site in garage_states(at, seed)])


def ods_spaces_json(at: datetime, seed: int = SEED, limit: int | None = None, offset: int = 0) -> bytes:
    return _records_answer([_space_record(site, at) for site in space_states(at, seed)], limit, offset)


def ods_spaces_csv(at: datetime, seed: int = SEED) -> bytes:
    return _export([_space_record(site, at) for site in space_states(at, seed)])


# --- DATEX II v2 (garages only) ------------------------------------------------
def _datex(published: str, publication: str, body: Iterable[str]) -> bytes:
    creator = "<country>fr</country><nationalIdentifier>ISSY</nationalIdentifier>"
    element = publication[0].lower() + publication[1:]  # parkingStatusPublication
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<d2LogicalModel xmlns="{DATEX_V2}" xmlns:xsi="{XSI}" modelBaseVersion="2">'
        f"<exchange><supplierIdentification>{creator}</supplierIdentification></exchange>",
        f'<payloadPublication xsi:type="GenericPublication" lang="fr"><publicationTime>{published}</publicationTime>'
        f"<publicationCreator>{creator}</publicationCreator>"
        f"<genericPublicationName>{publication}</genericPublicationName><genericPublicationExtension><{element}>",
        *body, f"</{element}></genericPublicationExtension></payloadPublication></d2LogicalModel>", "",
    ]).encode()


def datex_table() -> bytes:
    records = (
        f'<parkingRecord xsi:type="ParkingSite" id={quoteattr(place.id)} version="1">'
        f'<parkingName><values><value lang="fr">{escape(place.name)}</value></values></parkingName>'
        f"<parkingRecordVersionTime>{TABLE_PUBLISHED}</parkingRecordVersionTime>"
        f"<parkingNumberOfSpaces>{place.capacity}</parkingNumberOfSpaces>"
        '<parkingLocation xsi:type="Point"><pointByCoordinates><pointCoordinates>'
        f"<latitude>{place.lat}</latitude><longitude>{place.lon}</longitude>"
        "</pointCoordinates></pointByCoordinates></parkingLocation></parkingRecord>"
        for place in GARAGES
    )
    return _datex(TABLE_PUBLISHED, "ParkingTablePublication", [
        '<parkingTable id="ISSY_PARKINGS" version="1">', *records, "</parkingTable>"])


def _datex_status(site: PlaceState, origin: str) -> str:
    place = site.place
    status = "full" if site.free == 0 else "almostFull" if site.free < place.capacity * .05 else "spacesAvailable"
    return (
        '<parkingRecordStatus xsi:type="ParkingSiteStatus">'
        f'<parkingRecordReference targetClass="ParkingRecord" id={quoteattr(place.id)} version="1"/>'
        f"<parkingStatusOriginTime>{origin}</parkingStatusOriginTime><parkingOccupancy>"
        f"<parkingNumberOfVacantSpaces>{site.free}</parkingNumberOfVacantSpaces>"
        f"<parkingNumberOfOccupiedSpaces>{site.occupied}</parkingNumberOfOccupiedSpaces>"
        f"<parkingOccupancy>{round(100 * site.occupied / place.capacity, 1)}</parkingOccupancy>"
        f"</parkingOccupancy><parkingSiteStatus>{status}</parkingSiteStatus>"
        f"<parkingSiteOpeningStatus>{'closed' if site.status == CLOSED else 'open'}</parkingSiteOpeningStatus>"
        "</parkingRecordStatus>"
    )


def datex_status(at: datetime, seed: int = SEED) -> bytes:
    """The garages at the minute of ``at``, times in Paris time with their offset."""
    origin = datetime.fromtimestamp(_minute(at) * 60, TIMEZONE).isoformat()
    return _datex(origin, "ParkingStatusPublication", [_datex_status(site, origin) for site in garage_states(at, seed)])


# --- the server ---------------------------------------------------------------
Answer = tuple[int, str, bytes]  # status, content type, body
Route = Callable[[dict[str, list[str]]], Answer]  # the query's parameters -> the answer
JSON, CSV, XML = "application/json; charset=utf-8", "text/csv; charset=utf-8", "application/xml; charset=utf-8"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _records_page(query: dict[str, list[str]], render: Callable[[int, int], bytes]) -> Answer:
    """A /records page: ``limit`` 10 by default and at most 100, as the API's."""
    try:
        limit, offset = int(query.get("limit", ["10"])[0]), int(query.get("offset", ["0"])[0])
    except ValueError:
        limit = offset = -1
    if not (0 <= limit <= MAX_LIMIT and offset >= 0):
        message = f"Invalid value for limit or offset: limit from 0 to {MAX_LIMIT}, offset positive expected"
        return 400, JSON, json.dumps({"message": message, "error_code": "InvalidRESTParameterError"}).encode()
    return 200, JSON, render(limit, offset)


def _routes(clock: Callable[[], datetime] = _now, seed: int = SEED) -> dict[str, Route]:
    """The paths served, each answering at ``clock()``'s minute."""
    paths: dict[str, Route] = {
        DATEX_TABLE_PATH: lambda _query: (200, XML, datex_table()),
        DATEX_STATUS_PATH: lambda _query: (200, XML, datex_status(clock(), seed)),
    }
    for dataset, as_json, as_csv in ((GARAGES_DATASET, ods_garages_json, ods_garages_csv),
                                     (SPACES_DATASET, ods_spaces_json, ods_spaces_csv)):
        paths[f"{API}/{dataset}/records"] = lambda query, as_json=as_json: _records_page(
            query, lambda limit, offset: as_json(clock(), seed, limit, offset))
        paths[f"{API}/{dataset}/exports/csv"] = lambda _query, as_csv=as_csv: (200, CSV, as_csv(clock(), seed))
    return paths


def make_server(host: str = HOST, port: int = PORT, clock: Callable[[], datetime] = _now,
                seed: int = SEED) -> LoopbackHTTPServer:
    """The simulator's HTTP server, bound, not serving yet (``port=0``: any free port)."""
    paths = _routes(clock, seed)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            route = paths.get(parts.path)
            status, content_type, body = route(parse_qs(parts.query)) if route else (404, JSON, b"{}")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return LoopbackHTTPServer((host, port), Handler)


def serve(host: str = HOST, port: int = PORT, clock: Callable[[], datetime] = _now, seed: int = SEED) -> int:
    """Serve the simulated feeds until stopped."""
    with make_server(host, port, clock, seed) as server:
        print(f"Parking simulator: http://{host}:{server.server_address[1]}{API}/ and /datex/", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(serve())
