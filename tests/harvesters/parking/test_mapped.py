"""Parking feeds read with a field mapping (``mapped``): Issy's Opendatasoft
garages (Indigo) as a v2.1 JSON answer and as a CSV export (``;``, byte
order mark, CRLF), its on-street sensors (Aximum) with one record per space,
and a plain CSV feed; the bad records left out, and the mapping's checks."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ckanext.issy.harvesters.core.reading import ReadError, iter_csv
from ckanext.issy.harvesters.parking_feeds.mapped import read_csv_records, read_json_records
from ckanext.issy.harvesters.parking_feeds.mapping import mapping_problems
from ckanext.issy.harvesters.parking_feeds.model import (
    CLOSED, FULL, GARAGE, OPEN, SPACE, UNKNOWN, Observation, Poll, Site,
)

# The messages are checked in English, whatever the French catalogue says.
pytestmark = [pytest.mark.ckan_config("ckan.locale_default", "en"), pytest.mark.usefixtures("ckan_config")]

PARIS = ZoneInfo("Europe/Paris")
SUMMER = timezone(timedelta(hours=2))
NOW = datetime(2024, 6, 12, 14, 32, tzinfo=PARIS)

INDIGO: dict[str, Any] = {
    "kind": "garage", "records": "results", "id": "parking_id", "name": "name", "free": "value_free_spots",
    "capacity": "nombre_de_places_contractuelles", "occupancy": "remplissage", "status": "value_status",
    "time": "value_date", "geo": "geo",
}
INDIGO_ANSWER: dict[str, Any] = {"total_count": 2, "results": [
    {"parking_id": "92040-P-001", "name": "Parking Centre-Ville", "ville": "Issy-les-Moulineaux",
     "nombre_de_places_contractuelles": 520, "value_free_spots": 137, "remplissage": 73.7,
     "value_status": "ouvert", "value_date": "2024-06-12T14:31:00+02:00", "geo": {"lat": 48.8239, "lon": 2.2704}},
    {"parking_id": "92040-P-002", "name": "Parking Les Épinettes", "ville": "Issy-les-Moulineaux",
     "nombre_de_places_contractuelles": 310, "value_free_spots": 0, "remplissage": 100.0,
     "value_status": "complet", "value_date": "2024-06-12T12:30:00+00:00", "geo": {"lat": 48.8225, "lon": 2.2585}},
]}
CENTRE_VILLE = Site("92040-P-001", "Parking Centre-Ville", GARAGE, 520, 48.8239, 2.2704)
EPINETTES = Site("92040-P-002", "Parking Les Épinettes", GARAGE, 310, 48.8225, 2.2585)
CORENTIN_CELTON = Site("92040-P-003", "Parking Corentin-Celton", GARAGE, 280, 48.827, 2.279)

# The same dataset's CSV export; "FERMÉ" with its accent written as a combining character.
INDIGO_EXPORT = "\ufeff" + "".join(line + "\r\n" for line in [
    "parking_id;name;ville;nombre_de_places_contractuelles;value_free_spots;remplissage;value_status;value_date;geo",
    "92040-P-001;Parking Centre-Ville;Issy-les-Moulineaux;520;137;73,7;OUVERT;2024-06-12T14:31:00+02:00;48.8239, 2.2704",
    "92040-P-002;Parking Les Épinettes;Issy-les-Moulineaux;310;;96.5;Ouvert;2024-06-12T14:31:00+02:00;48.8225, 2.2585",
    "92040-P-003;Parking Corentin-Celton;Issy-les-Moulineaux;280;;;FERME\u0301;2024-06-12T03:10:00+02:00;48.8270, 2.2790",
])

AXIMUM: dict[str, Any] = {
    "kind": "space", "id": "identifiant_place", "state": "etat", "free_values": ["libre", "Disponible"],
    "sector": "implantation", "time": "date_maj", "geo": "geo_point_2d",
}
AXIMUM_EXPORT: list[dict[str, Any]] = [  # /exports/json: a bare list
    {"identifiant_place": "IS-GLE-0412", "etat": "libre", "implantation": "Rue du Général Leclerc",
     "date_maj": "2024-06-12T14:29:41", "geo_point_2d": {"lat": 48.8261, "lon": 2.2731}},
    {"identifiant_place": "IS-GLE-0413", "etat": "Occupé", "implantation": "Rue du Général Leclerc",
     "date_maj": "2024-01-15T08:05:00", "geo_point_2d": {"lat": 48.8262, "lon": 2.2733}},
    {"identifiant_place": "IS-REP-0031", "etat": " DISPONIBLE ", "implantation": "Place de la République",
     "date_maj": "2024-06-12T12:29:02Z", "geo_point_2d": None},
    {"identifiant_place": "IS-REP-0032", "etat": "", "implantation": "Place de la République",
     "date_maj": "", "geo_point_2d": {"lat": 48.8237, "lon": 2.2669}},
]

# A city feed of its own: comma-separated, occupied spaces, status codes, French coordinates.
CITY: dict[str, Any] = {
    "kind": "garage", "id": "id", "name": "nom", "occupied": "places_occupees", "capacity": "capacite",
    "status": "statut", "status_values": {"5": "open", "1": "closed", "2": "full"}, "time": "maj",
    "lat": "latitude", "lon": "longitude",
}
CITY_FEED = "".join(line + "\n" for line in [
    "id,nom,places_occupees,capacite,statut,latitude,longitude,maj",
    '92040-P-001,Parking Centre-Ville,383,520,5,"48,8239","2,2704",2024-06-12 14:31:00',
    '92040-P-002,Parking Les Épinettes,310,310,2,"48,8225",,2024-12-03 09:00:00',
    "92040-P-003,Parking Corentin-Celton,,280,9,,,2024-06-12T14:31:00.250+0200",
])


def _csv(tmp_path: Path, text: str, mapping: dict[str, Any], name: str = "indigo.csv") -> Poll:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    with iter_csv(path, name) as stream:
        return read_csv_records(stream, mapping, NOW, name)


def _json(data: Any, mapping: dict[str, Any] = INDIGO) -> Poll:
    return read_json_records(data, mapping, NOW, "indigo.json")


def _indigo_with(**changes: Any) -> dict[str, Any]:
    """The JSON answer with fields of its first record changed (None: removed)."""
    answer = copy.deepcopy(INDIGO_ANSWER)
    for field, value in changes.items():
        if value is None:
            del answer["results"][0][field]
        else:
            answer["results"][0][field] = value
    return answer


# --- Opendatasoft garages -----------------------------------------------------
def test_an_opendatasoft_answer_gives_its_garages_and_their_state() -> None:
    poll = _json(INDIGO_ANSWER)

    assert poll.sites == {"92040-P-001": CENTRE_VILLE, "92040-P-002": EPINETTES}
    assert poll.observations == [
        Observation("92040-P-001", 137, None, OPEN, datetime(2024, 6, 12, 14, 31, tzinfo=SUMMER), "record 1"),
        Observation("92040-P-002", 0, None, FULL, datetime(2024, 6, 12, 12, 30, tzinfo=timezone.utc), "record 2"),
    ]
    assert poll.problems == []


def test_offsets_are_kept_as_the_feed_gives_them() -> None:
    first, second = (o.observed_at for o in _json(INDIGO_ANSWER).observations)
    assert first is not None and second is not None
    assert (first.utcoffset(), second.utcoffset()) == (timedelta(hours=2), timedelta(0))
    assert first - second == timedelta(minutes=1)


def test_an_export_is_a_bare_list_read_with_the_same_mapping() -> None:
    poll = _json(INDIGO_ANSWER["results"])
    assert list(poll.sites) == ["92040-P-001", "92040-P-002"] and poll.problems == []


def test_the_csv_export_reads_the_same_with_french_decimals_and_statuses_in_any_case(tmp_path: Path) -> None:
    poll = _csv(tmp_path, INDIGO_EXPORT, INDIGO)

    assert poll.sites == {"92040-P-001": CENTRE_VILLE, "92040-P-002": EPINETTES, "92040-P-003": CORENTIN_CELTON}
    assert [(o.site_id, o.free, o.occupied, o.status, o.where) for o in poll.observations] == [
        ("92040-P-001", 137, None, OPEN, "line 2"),
        ("92040-P-002", 11, None, OPEN, "line 3"),  # 96.5 % of 310 occupied: 10.85 free, rounded
        ("92040-P-003", None, None, CLOSED, "line 4"),  # closed at night: no count at all
    ]
    assert poll.observations[2].observed_at == datetime(2024, 6, 12, 3, 10, tzinfo=SUMMER)
    assert poll.problems == []


@pytest.mark.parametrize("capacity, occupancy, free", [
    (520, 73.7, 137),  # 136.76
    (200, 12.25, 176),  # 175.5: half up
    (310, 0, 310),
    (310, "100 %", 0),
    (310, 104.5, -14),  # kept as the feed says it: model.checked clamps it
])
def test_the_occupancy_rate_gives_free_spaces_when_the_feed_gives_no_count(
        capacity: int, occupancy: Any, free: int) -> None:
    answer = _indigo_with(nombre_de_places_contractuelles=capacity, remplissage=occupancy, value_free_spots=None)
    assert _json(answer).observations[0].free == free


def test_a_count_given_wins_over_the_occupancy_rate_and_keeps_its_sign() -> None:
    poll = _json(_indigo_with(value_free_spots=-3, remplissage=12.0))
    assert (poll.observations[0].free, poll.problems) == (-3, [])


def test_a_status_not_understood_is_read_as_unknown_and_reported_once() -> None:
    answer = _indigo_with(value_status="en travaux")
    answer["results"][1]["value_status"] = "En travaux"
    poll = _json(answer)

    assert [o.status for o in poll.observations] == [UNKNOWN, UNKNOWN]
    assert poll.problems == ['indigo.json: the status "en travaux" of "value_status" is not in "status_values": '
                             'read as unknown (first in record 1)']


def test_status_values_name_the_feed_s_own_statuses_and_an_empty_status_is_unknown() -> None:
    answer = _indigo_with(value_status="en travaux")
    answer["results"][1]["value_status"] = ""
    poll = _json(answer, {**INDIGO, "status_values": {"EN TRAVAUX": "closed"}})
    assert ([o.status for o in poll.observations], poll.problems) == ([CLOSED, UNKNOWN], [])


def test_a_feed_without_times_is_dated_by_its_receipt() -> None:
    mapping = {key: field for key, field in INDIGO.items() if key != "time"}
    assert [o.observed_at for o in _json(INDIGO_ANSWER, mapping).observations] == [NOW, NOW]


def test_a_page_of_records_that_holds_fewer_than_the_total_is_reported() -> None:
    poll = _json({**INDIGO_ANSWER, "total_count": 214})
    assert len(poll.observations) == 2
    assert poll.problems == ["indigo.json: the answer holds 2 of 214 records: read the dataset's export, "
                             "not a page of its records"]


# --- on-street spaces, one record each ----------------------------------------
def test_each_on_street_space_is_free_or_occupied_from_its_state_with_its_sector() -> None:
    poll = _json(AXIMUM_EXPORT, AXIMUM)

    assert poll.sites == {
        "IS-GLE-0412": Site("IS-GLE-0412", "IS-GLE-0412", SPACE, 1, 48.8261, 2.2731, "Rue du Général Leclerc"),
        "IS-GLE-0413": Site("IS-GLE-0413", "IS-GLE-0413", SPACE, 1, 48.8262, 2.2733, "Rue du Général Leclerc"),
        "IS-REP-0031": Site("IS-REP-0031", "IS-REP-0031", SPACE, 1, None, None, "Place de la République"),
        "IS-REP-0032": Site("IS-REP-0032", "IS-REP-0032", SPACE, 1, 48.8237, 2.2669, "Place de la République"),
    }
    assert [(o.site_id, o.free, o.occupied, o.status) for o in poll.observations] == [
        ("IS-GLE-0412", 1, 0, UNKNOWN), ("IS-GLE-0413", 0, 1, UNKNOWN),
        ("IS-REP-0031", 1, 0, UNKNOWN), ("IS-REP-0032", None, None, UNKNOWN),
    ]
    assert poll.problems == []


def test_naive_times_are_in_paris_summer_and_winter_utc_ones_stay_utc_and_an_empty_one_is_none() -> None:
    times = [o.observed_at for o in _json(AXIMUM_EXPORT, AXIMUM).observations]

    assert times == [datetime(2024, 6, 12, 14, 29, 41, tzinfo=PARIS), datetime(2024, 1, 15, 8, 5, tzinfo=PARIS),
                     datetime(2024, 6, 12, 12, 29, 2, tzinfo=timezone.utc), None]
    assert [t.utcoffset() for t in times[:3] if t] == [timedelta(hours=2), timedelta(hours=1), timedelta(0)]


# --- a plain CSV feed ---------------------------------------------------------
def test_a_plain_feed_with_occupied_spaces_status_codes_and_latitude_longitude(tmp_path: Path) -> None:
    poll = _csv(tmp_path, CITY_FEED, CITY, "parkings.csv")

    assert poll.sites == {
        "92040-P-001": CENTRE_VILLE,
        "92040-P-002": Site("92040-P-002", "Parking Les Épinettes", GARAGE, 310),  # half a place is none
        "92040-P-003": Site("92040-P-003", "Parking Corentin-Celton", GARAGE, 280),
    }
    assert poll.observations == [
        Observation("92040-P-001", None, 383, OPEN, datetime(2024, 6, 12, 14, 31, tzinfo=PARIS), "line 2"),
        Observation("92040-P-002", None, 310, FULL, datetime(2024, 12, 3, 9, 0, tzinfo=PARIS), "line 3"),
        Observation("92040-P-003", None, None, UNKNOWN,
                    datetime(2024, 6, 12, 14, 31, 0, 250000, tzinfo=SUMMER), "line 4"),
    ]
    assert poll.problems == ['parkings.csv: the status "9" of "statut" is not in "status_values": '
                             "read as unknown (first in line 4)"]


def test_a_mapped_field_that_is_not_a_column_fails_the_answer(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        _csv(tmp_path, CITY_FEED, {**CITY, "time": "date_maj", "name": "libelle"}, "parkings.csv")
    assert str(error.value) == "parkings.csv: missing columns: libelle, date_maj"


# --- bad records ----------------------------------------------------------------
@pytest.mark.parametrize("changes, problem", [
    ({"value_free_spots": "beaucoup"}, '"value_free_spots": "beaucoup" is not a whole number'),
    ({"value_free_spots": 12.5}, '"value_free_spots": 12.5 is not a whole number'),
    ({"value_free_spots": True}, '"value_free_spots": true is not a whole number'),
    ({"value_free_spots": None, "remplissage": "n/a"}, '"remplissage": "n/a" is not a percentage'),
    ({"nombre_de_places_contractuelles": -520}, '"nombre_de_places_contractuelles": -520 is not a number of spaces'),
    ({"value_date": "12/06/2024 14:31"}, '"value_date": "12/06/2024 14:31" is not an ISO 8601 date and time'),
    ({"value_date": 1718195460}, '"value_date": 1718195460 is not an ISO 8601 date and time'),
    ({"parking_id": ""}, '"parking_id": the id is empty'),
    ({"parking_id": None}, '"parking_id": the id is empty'),  # no such key
    ({"parking_id": {"id": 1}}, '"parking_id": {"id": 1} is not text'),
    ({"geo": {"lat": 148.8, "lon": 2.27}}, '"geo": {"lat": 148.8, "lon": 2.27} is not a point (latitude, longitude)'),
])
def test_a_bad_record_is_left_out_and_reported_the_others_are_read(changes: dict[str, Any], problem: str) -> None:
    poll = _json(_indigo_with(**changes))

    assert list(poll.sites) == ["92040-P-002"] and [o.where for o in poll.observations] == ["record 2"]
    assert poll.problems == [f"indigo.json, record 1: {problem}; the record is left out"]


def test_a_site_twice_in_an_answer_is_read_once() -> None:
    answer = copy.deepcopy(INDIGO_ANSWER)
    answer["results"][1]["parking_id"] = "92040-P-001"
    poll = _json(answer)

    assert poll.sites == {"92040-P-001": CENTRE_VILLE} and [o.free for o in poll.observations] == [137]
    assert poll.problems == ["indigo.json, record 2: the id 92040-P-001 was already read in record 1; "
                             "the record is left out"]


def test_a_record_that_is_not_an_object_is_left_out() -> None:
    poll = _json({"total_count": 2, "results": ["92040-P-001", INDIGO_ANSWER["results"][1]]})
    assert list(poll.sites) == ["92040-P-002"]
    assert poll.problems == ["indigo.json, record 1: the record is not an object; the record is left out"]


def test_a_bad_line_of_a_csv_feed_names_its_line(tmp_path: Path) -> None:
    poll = _csv(tmp_path, INDIGO_EXPORT.replace(";0;100.0;", ";12a;100.0;").replace("48.8225, 2.2585", "48.8225"),
                INDIGO)
    assert list(poll.sites) == ["92040-P-001", "92040-P-003"]
    assert poll.problems == ['indigo.csv, line 3: "geo": "48.8225" is not a point (latitude, longitude); '
                             "the record is left out"]


@pytest.mark.parametrize("data, message", [
    ({"results": {"parking_id": "92040-P-001"}}, 'indigo.json: the answer has no list of records under "results"'),
    ({"total_count": 0}, 'indigo.json: the answer has no list of records under "results"'),
    ("92040-P-001", 'indigo.json: the answer is not a list of records (for an object holding one, '
                    'name its key in "records")'),
])
def test_an_answer_without_a_list_of_records_fails(data: Any, message: str) -> None:
    with pytest.raises(ReadError) as error:
        _json(data)
    assert str(error.value) == message


def test_an_object_needs_records_in_the_mapping() -> None:
    with pytest.raises(ReadError) as error:
        _json(INDIGO_ANSWER, {key: field for key, field in INDIGO.items() if key != "records"})
    assert str(error.value) == ('indigo.json: the answer is not a list of records (for an object holding one, '
                                'name its key in "records")')


def test_an_invalid_mapping_fails_the_answer_with_its_problems(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        _csv(tmp_path, INDIGO_EXPORT, {"kind": "garage", "id": "parking_id"})
    assert str(error.value) == (
        'indigo.csv: the field mapping is invalid: the field mapping must say how many spaces are free: '
        '"free", "occupied" and "capacity", "occupancy" and "capacity", or "state" and "free_values"')


# --- the mapping ------------------------------------------------------------------
@pytest.mark.parametrize("mapping", [
    INDIGO, AXIMUM, CITY,
    {"kind": "garage", "id": "parking_id", "occupancy": "remplissage", "capacity": "nombre_de_places"},
    {"kind": "space", "id": "identifiant_place", "free": "libre", "sector": "implantation", "lat": "y", "lon": "x"},
])
def test_valid_mappings_have_no_problem(mapping: dict[str, Any]) -> None:
    assert mapping_problems(mapping) == []


FREE_WAYS = ('the field mapping must say how many spaces are free: "free", "occupied" and "capacity", '
             '"occupancy" and "capacity", or "state" and "free_values"')


@pytest.mark.parametrize("mapping, problems", [
    (["parking_id"], ["the field mapping must be an object"]),
    ({}, ['"id": a field name is required', '"kind" must be one of garage, space', FREE_WAYS]),
    ({"kind": "parking", "id": "parking_id", "free": "libres", "libre": "x"},
     ['"libre" is not a key of the field mapping', '"kind" must be one of garage, space']),
    ({"kind": "garage", "id": " ", "free": 3, "records": ""},
     ['"id": a field name is required', '"free": a field name is required',
      '"records" must name the key of the answer that holds the records']),
    ({"kind": "garage", "id": "id", "occupied": "occupees"}, [FREE_WAYS]),
    ({"kind": "garage", "id": "id", "occupancy": "remplissage"}, [FREE_WAYS]),
    ({"kind": "garage", "id": "id", "state": "etat", "free_values": "libre", "capacity": "c", "free": "f"},
     ['"state" describes one space per record: "kind" must be "space"', '"state" cannot be used with free, capacity',
      '"free_values" must be a list of the values of "state" that mean free']),
    ({"kind": "space", "id": "id", "state": "etat"},
     ['"free_values" must be a list of the values of "state" that mean free']),
    ({"kind": "space", "id": "id", "state": "etat", "free_values": ["libre", ""]},
     ['"free_values" must be a list of the values of "state" that mean free']),
    ({"kind": "space", "id": "id", "free": "f", "free_values": ["libre"]}, ['"free_values" is used only with "state"']),
    ({"kind": "garage", "id": "id", "free": "f", "status_values": {"5": "open"}},
     ['"status_values" is used only with "status"']),
    ({"kind": "garage", "id": "id", "free": "f", "status": "s", "status_values": {"5": "ouvert"}},
     ['"status_values" must be an object giving one of open, full, closed, unknown for each value of the feed']),
    ({"kind": "garage", "id": "id", "free": "f", "status": "s", "status_values": ["open"]},
     ['"status_values" must be an object giving one of open, full, closed, unknown for each value of the feed']),
    ({"kind": "garage", "id": "id", "free": "f", "geo": "geo", "lat": "y"},
     ['"geo" and "lat"/"lon" cannot be used together', '"lat" and "lon" go together']),
    ({"kind": "garage", "id": "id", "free": "f", "sector": "quartier"},
     ['"sector" is for on-street spaces: "kind" must be "space"']),
])
def test_every_problem_of_a_mapping_is_given(mapping: Any, problems: list[str]) -> None:
    assert mapping_problems(mapping) == problems
