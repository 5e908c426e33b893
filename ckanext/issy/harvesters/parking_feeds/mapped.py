"""Parking feeds read field by field with a mapping, since no two operators
name fields alike: Opendatasoft real-time datasets (CSV export with ``;`` and
a byte order mark, or JSON) and plain JSON or CSV feeds. A source's mapping::

    {"kind": "garage" | "space",           # required: what one record describes
     "id": "<field>",                      # required
     "name": "<field>",                    # default: the id
     # how many spaces are free, at least one of:
     "free": "<field>",
     "occupied": "<field>", "capacity": "<field>",  # free = capacity - occupied (model.checked)
     "occupancy": "<field>",               # a percentage, with "capacity", for a record
                                           # that gives neither free nor occupied spaces
     "state": "<field>", "free_values": ["libre"],  # "kind": "space", one record per space:
                                           # free=1/occupied=0 for a value of free_values,
                                           # free=0/occupied=1 for another, capacity 1
     # optional:
     "status": "<field>", "status_values": {"<value>": "open" | "full" | "closed" | "unknown"},
     "time": "<field>",                    # ISO 8601 with an offset, or naive in Europe/Paris
     "geo": "<field>",                     # geo_point_2d: "48.82, 2.27", {"lat", "lon"}, [lat, lon]
     "lat": "<field>", "lon": "<field>",   # instead of "geo": WGS84 degrees
     "sector": "<field>",                  # an on-street space's sector
     "records": "<key>"}                   # JSON: the key holding the list ("results")

Values of ``state`` and ``status`` are compared without case or surrounding
spaces. ``ouvert``/``open``, ``complet``/``full``, ``fermé``/``closed`` are
understood without ``status_values``; another status is read as unknown and
reported once. Without ``time`` in the mapping, records are dated ``now`` (a
feed without times describes the moment it answers); an empty time is None.
A bad record is left out and reported. Counts keep their sign:
:func:`model.checked` clamps them.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ckanext.issy.harvesters.core import ods, reading
from ckanext.issy.harvesters.core.mapping import refuse_invalid
from ckanext.issy.harvesters.parking_feeds import model
from ckanext.issy.harvesters.parking_feeds.mapping import FIELDS, mapping_problems
from ckanext.issy.language import _

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_STATUSES = {"open": model.OPEN, "ouvert": model.OPEN, "full": model.FULL, "complet": model.FULL,
                    "closed": model.CLOSED, "ferme": model.CLOSED, "fermé": model.CLOSED,
                    "unknown": model.UNKNOWN, "inconnu": model.UNKNOWN}


# --- values ----------------------------------------------------------------
class _Unreadable(ValueError):
    """A value that cannot be read; its record is left out."""


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _folded(text: str) -> str:
    # "Occupé" written decomposed or in capitals is still "occupé".
    return unicodedata.normalize("NFC", text).strip().casefold()


def _number(value: Any, field: str, message: str) -> Decimal | None:
    """``value`` as a number (a JSON number, or text read by ``parse_number``);
    ``message`` (with {field} and {value}) when it is not one."""
    if value is None:
        return None
    number: Decimal | None = Decimal("NaN")  # what is neither text nor a number
    if isinstance(value, str):
        try:
            number = reading.parse_number(value)
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(str(value))
    if number is not None and not number.is_finite():
        raise _Unreadable(message.format(field=field, value=_shown(value)))
    return number


def _count(value: Any, field: str) -> int | None:
    message = _('"{field}": {value} is not a whole number')
    number = _number(value, field, message)
    if number is not None and number != number.to_integral_value():
        raise _Unreadable(message.format(field=field, value=_shown(value)))
    return None if number is None else int(number)


def _time(value: Any, field: str) -> datetime | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):  # AttributeError: not text
        raise _Unreadable(_('"{field}": {value} is not an ISO 8601 date and time').format(
            field=field, value=_shown(value)))
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def _point(value: Any, field: str) -> tuple[float | None, float | None]:
    try:
        point = ods.geo_point(value)
    except ValueError:
        raise _Unreadable(_('"{field}": {value} is not a point (latitude, longitude)').format(
            field=field, value=_shown(value)))
    return (None, None) if point is None else (point.lat, point.lon)


# --- the records -----------------------------------------------------------
class _Records:
    """The records of one answer read into a Poll, the bad ones left out."""

    def __init__(self, mapping: dict[str, Any], now: datetime, file: str) -> None:
        self.mapping, self.now, self.file = mapping, now, file
        self.statuses = {**DEFAULT_STATUSES, **{_folded(value): status
                                                for value, status in mapping.get("status_values", {}).items()}}
        self.free_values = {_folded(value) for value in mapping.get("free_values", ())}
        self.poll = model.Poll()
        self.read_in: dict[str, str] = {}  # where each site was read
        self.unmapped: dict[str, tuple[str, str]] = {}  # folded status not understood: as written, where first

    def read(self, record: Any, where: str) -> None:
        try:
            site, observation = self._read(record, where)
        except _Unreadable as error:
            self.poll.problems.append(_("{file}, {where}: {problem}; the record is left out").format(
                file=self.file, where=where, problem=error))
            return
        self.read_in[site.id] = where
        self.poll.sites[site.id] = site
        self.poll.observations.append(observation)

    def finished(self) -> model.Poll:
        self.poll.problems += [
            _('{file}: the status {value} of "{field}" is not in "status_values": read as unknown (first in {where})')
            .format(file=self.file, value=_shown(value), field=self.mapping["status"], where=where)
            for value, where in self.unmapped.values()]
        return self.poll

    def _get(self, record: Mapping[str, Any], key: str) -> Any:
        return record.get(self.mapping[key]) if key in self.mapping else None

    def _text(self, record: Mapping[str, Any], key: str) -> str:
        value = self._get(record, key)
        if value is None:
            return ""
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return str(value).strip()
        raise _Unreadable(_('"{field}": {value} is not text').format(field=self.mapping[key], value=_shown(value)))

    def _read(self, record: Any, where: str) -> tuple[model.Site, model.Observation]:
        if not isinstance(record, Mapping):
            raise _Unreadable(_("the record is not an object"))
        site_id = self._text(record, "id")
        if not site_id:
            raise _Unreadable(_('"{field}": the id is empty').format(field=self.mapping["id"]))
        if site_id in self.read_in:
            raise _Unreadable(_("the id {id} was already read in {first}").format(id=site_id, first=self.read_in[site_id]))
        free, occupied, capacity = self._counts(record)
        lat, lon = self._place(record)
        site = model.Site(id=site_id, name=self._text(record, "name") or site_id, kind=self.mapping["kind"],
                          capacity=capacity, lat=lat, lon=lon, sector=self._text(record, "sector"))
        observed_at = self.now if "time" not in self.mapping else _time(self._get(record, "time"), self.mapping["time"])
        # Last: a status is reported as not understood only for a record that is read.
        return site, model.Observation(site_id, free, occupied, self._status(record, where), observed_at, where)

    def _counts(self, record: Mapping[str, Any]) -> tuple[int | None, int | None, int | None]:
        """Free spaces, occupied ones and the capacity, as the feed gives them."""
        if "state" in self.mapping:
            state = _folded(self._text(record, "state"))
            return (None, None, 1) if not state else (1, 0, 1) if state in self.free_values else (0, 1, 1)
        free, occupied, capacity = (_count(self._get(record, key), self.mapping.get(key, key))
                                    for key in ("free", "occupied", "capacity"))
        if capacity is not None and capacity < 0:  # unlike a count, nothing to clamp it to
            raise _Unreadable(_('"{field}": {value} is not a number of spaces').format(
                field=self.mapping["capacity"], value=_shown(self._get(record, "capacity"))))
        if free is None and occupied is None and capacity is not None and "occupancy" in self.mapping:
            occupancy = _number(self._get(record, "occupancy"), self.mapping["occupancy"],
                                _('"{field}": {value} is not a percentage'))
            if occupancy is not None:
                free = int((capacity * (100 - occupancy) / 100).to_integral_value(ROUND_HALF_UP))
        return free, occupied, capacity

    def _place(self, record: Mapping[str, Any]) -> tuple[float | None, float | None]:
        if "geo" in self.mapping:
            return _point(self._get(record, "geo"), self.mapping["geo"])
        pair = [self._get(record, key) for key in ("lat", "lon")]
        if any(value is None or str(value).strip() == "" for value in pair):  # no place, or half of one
            return None, None
        # French files write "48,8239": geo_point reads a decimal point.
        return _point([str(value).replace(",", ".") for value in pair], "{lat}, {lon}".format_map(self.mapping))

    def _status(self, record: Mapping[str, Any], where: str) -> str:
        value = self._text(record, "status")
        status = self.statuses.get(_folded(value)) if value else model.UNKNOWN
        if status is None:
            self.unmapped.setdefault(_folded(value), (value, where))
        return status or model.UNKNOWN


def _mapped_fields(mapping: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(mapping[key] for key in FIELDS if key in mapping))


def read_csv_records(stream: reading.CsvStream, mapping: dict[str, Any], now: datetime, file: str) -> model.Poll:
    """The sites and observations of a CSV answer read with ``mapping`` (see
    the module); ``now``: when it was received. ReadError when the mapping is
    invalid or a mapped field is not a column."""
    refuse_invalid(mapping_problems(mapping), file)
    columns = reading.find_columns(stream.header, _mapped_fields(mapping), (), file)
    records, where = _Records(mapping, now, file), _("line {line}")
    for line, cells in stream.rows:
        records.read({field: cells[index] for field, index in columns.items()}, where.format(line=line))
    return records.finished()


def read_json_records(data: Any, mapping: dict[str, Any], now: datetime, file: str) -> model.Poll:
    """The sites and observations of a parsed JSON answer: a list of records,
    or an object holding it under ``mapping["records"]``. ReadError when the
    mapping is invalid or the answer holds no list of records."""
    refuse_invalid(mapping_problems(mapping), file)
    listed = _record_list(data, mapping, file)
    records, where = _Records(mapping, now, file), _("record {number}")
    for number, record in enumerate(listed, 1):
        records.read(record, where.format(number=number))
    poll = records.finished()
    poll.problems += _cut_short(data, len(listed), file)
    return poll


def _record_list(data: Any, mapping: dict[str, Any], file: str) -> list[Any]:
    if isinstance(data, list):  # an export: the records themselves
        return data
    key = mapping.get("records")
    if not isinstance(data, dict) or key is None:
        raise reading.ReadError(_('{file}: the answer is not a list of records (for an object holding one, '
                                  'name its key in "records")').format(file=file))
    if not isinstance(data.get(key), list):
        raise reading.ReadError(_('{file}: the answer has no list of records under "{key}"').format(file=file, key=key))
    return data[key]


def _cut_short(data: Any, count: int, file: str) -> list[str]:
    # An Opendatasoft page of /records holds 100 records at most: the others are missing, not gone.
    total = data.get("total_count") if isinstance(data, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total <= count:
        return []
    return [_("{file}: the answer holds {count} of {total} records: read the dataset's export, "
              "not a page of its records").format(file=file, count=count, total=total)]

