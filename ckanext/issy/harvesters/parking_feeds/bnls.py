"""The national description of car parks, "Lieux de stationnement" (BNLS,
schema ``etalab/schema-stationnement`` 0.1.5): one commune's garages as
sites, with no observations (a live feed says how many spaces are free).

Only what a site needs is read: ``id`` (``92040-P-001``), ``nom``, ``insee``,
``nb_places``, ``Xlong`` and ``Ylat`` (WGS84; the schema's decimal point, or a
decimal comma). A row that cannot be read is left out and reported; an empty
``nb_places`` or coordinate is unknown, not an error.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from ckanext.issy.harvesters.core import ods, reading
from ckanext.issy.harvesters.parking_feeds import model
from ckanext.issy.language import _

COLUMNS = ("id", "nom", "insee", "nb_places", "Xlong", "Ylat")

Cell = Callable[[str], str]  # a row's cell in a column, stripped


def _getter(cells: list[str], columns: dict[str, int]) -> Cell:
    return lambda name: cells[columns[name]].strip()


class _BadRow(ValueError):
    """A row that cannot be read; it is left out."""


def _shown(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _places(cell: Cell) -> int | None:
    text = cell("nb_places")
    try:
        number = reading.parse_number(text)
        if number is not None and (number < 0 or number != number.to_integral_value()):
            raise ValueError(text)
    except ValueError:
        raise _BadRow(_('"{field}": {value} is not a number of spaces').format(field="nb_places", value=_shown(text)))
    return None if number is None else int(number)


def _place(cell: Cell) -> tuple[float | None, float | None]:
    pair = [cell("Ylat"), cell("Xlong")]
    if "" in pair:  # no place, or half of one
        return None, None
    try:
        point = ods.geo_point([value.replace(",", ".") for value in pair])  # "2,2704" in some files
    except ValueError:
        raise _BadRow(_('"{field}": {value} is not a point (latitude, longitude)').format(
            field="Ylat, Xlong", value=_shown(", ".join(pair))))
    assert point is not None  # both coordinates are given
    return point.lat, point.lon


def _site(cell: Cell) -> model.Site:
    site_id = cell("id")
    if not site_id:
        raise _BadRow(_('"{field}": the id is empty').format(field="id"))
    lat, lon = _place(cell)
    return model.Site(id=site_id, name=cell("nom") or site_id, kind=model.GARAGE, capacity=_places(cell),
                      lat=lat, lon=lon)


def read_bnls(stream: reading.CsvStream, insee: str, file: str) -> model.Poll:
    """The garages of commune ``insee`` described in a BNLS file, as sites.
    ReadError when a column the sites need is missing (naming each one)."""
    columns = reading.find_columns(stream.header, COLUMNS, (), file)
    insee = insee.strip().zfill(5)
    poll, where = model.Poll(), _("line {line}")
    read_in: dict[str, str] = {}  # where each garage was read
    for line, cells in stream.rows:
        cell, here = _getter(cells, columns), where.format(line=line)
        if cell("insee").zfill(5) != insee:  # "1004" for 01004, as spreadsheets write it
            continue
        try:
            site = _site(cell)
            if site.id in read_in:
                raise _BadRow(_("the id {id} was already read in {first}").format(id=site.id, first=read_in[site.id]))
        except _BadRow as error:
            poll.problems.append(_("{file}, {where}: {problem}; the record is left out").format(
                file=file, where=here, problem=error))
            continue
        read_in[site.id] = here
        poll.sites[site.id] = site
    return poll
