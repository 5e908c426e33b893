"""Polling-station locations or contours: a GeoJSON file read as a stream,
reduced to the stations of one commune.

Etalab's national "contours des bureaux de vote" is one FeatureCollection of
about 645 MB, so features are read one at a time (``ijson``) and only those
of the commune are kept. A station is recognised by its national key
(``codeBureauVote`` in Etalab's file, ``id_brut_miom`` in data.gouv.fr's
results: ``92040_0001``), or by its number alone in a commune's own file
(``numeroBureauVote``, ``code_bv``, ``bureau``...), which then must not
name another commune (``codeCommune``, ``code_commune``, ``insee``).

The published file keeps each station's geometry (longitude and latitude
rounded to 6 decimals) and only the properties the election view uses:
``id_brut_miom``, ``bureau`` (its number), and ``nom`` and ``adresse``
when the file names them. Results are never written into it: the view
joins them at request time, so the map always shows the figures of the
tables beside it."""
from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.election_formats.model import station_key
from ckanext.issy.language import _

KEY_PROPERTIES = ("codeBureauVote", "id_brut_miom", "code_bureau_vote")
NUMBER_PROPERTIES = ("numeroBureauVote", "code_bv", "numero_bureau", "num_bureau", "bureau", "numero")
COMMUNE_PROPERTIES = ("codeCommune", "code_commune", "insee", "code_insee")
NAME_PROPERTIES = ("nomBureauVote", "nom_bureau", "libelle_bureau", "lieu", "nom", "name")
ADDRESS_PROPERTIES = ("adresse", "adresseBureauVote", "adresse_bureau", "address")
GEOMETRIES = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
MAX_STATIONS = 2000  # Paris has about 900; more is not one commune's file
MAX_TEXT = 200


@dataclass(frozen=True)
class Location:
    """One polling station's place: its key, number, geometry, name and address."""

    key: str  # 92040_0001
    number: str  # "1"
    geometry: dict[str, Any]
    name: str = ""
    address: str = ""

    def feature(self) -> dict[str, Any]:
        properties = {"id_brut_miom": self.key, "bureau": self.number,
                      **({"nom": self.name} if self.name else {}),
                      **({"adresse": self.address} if self.address else {})}
        return {"type": "Feature", "id": self.key, "geometry": self.geometry, "properties": properties}


def _text(properties: Mapping[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = properties.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return " ".join(str(value).split())[:MAX_TEXT]
    return ""


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # int() would read other scripts' digits too


def _key(properties: Mapping[str, Any], insee: str) -> str | None:
    """The station's national key when it is one of the commune's, else None."""
    key = _text(properties, KEY_PROPERTIES)
    if key:
        commune, _sep, number = key.partition("_")
        return station_key(insee, number.lstrip("0") or "0") if commune == insee and _digits(number) else None
    commune = _text(properties, COMMUNE_PROPERTIES)
    number = _text(properties, NUMBER_PROPERTIES)
    if (commune and commune != insee) or not _digits(number):
        return None
    return station_key(insee, str(int(number)))


def _positions(value: Any) -> list[Any]:
    """The coordinates rounded to 6 decimals (about 11 cm); ValueError when a
    position is not longitude and latitude in degrees (a file in Lambert 93)."""
    if not isinstance(value, list) or not value:
        raise ValueError(value)
    if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):
        lon, lat = float(value[0]), float(value[1]) if len(value) > 1 else math.nan
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            raise ValueError(value)
        return [round(lon, 6), round(lat, 6)]
    return [_positions(item) for item in value]


def _geometry(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping) or value.get("type") not in GEOMETRIES:
        return None
    try:
        return {"type": value["type"], "coordinates": _positions(value.get("coordinates"))}
    except (ValueError, TypeError):
        return None


def _features(path: Path, name: str) -> Iterator[Any]:
    with path.open("rb") as file:
        try:
            yield from ijson.items(file, "features.item", use_float=True)
        except ijson.JSONError as error:
            # yajl's message draws the place on lines of their own: its first line says it.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ReadError(_("{file} is not a GeoJSON file: {reason}").format(file=name, reason=reason)) from None


def read_locations(path: Path, name: str, insee: str) -> list[Location]:
    """The polling stations of the commune of ``insee`` in the GeoJSON file at
    ``path`` (``name``: for messages), in the order of their numbers; raises
    ReadError when the file cannot be read or holds none of them."""
    found: dict[str, Location] = {}
    for feature in _features(path, name):
        properties = feature.get("properties") if isinstance(feature, Mapping) else None
        key = _key(properties, insee) if isinstance(properties, Mapping) else None
        geometry = _geometry(feature.get("geometry")) if key else None
        if key is None or geometry is None or key in found:
            continue  # another commune's, no place, or a station already placed
        found[key] = Location(key, key.partition("_")[2].lstrip("0") or "0", geometry,
                              _text(properties, NAME_PROPERTIES), _text(properties, ADDRESS_PROPERTIES))
        if len(found) > MAX_STATIONS:
            raise ReadError(_("{file} has more than {most} polling stations for the commune {insee}").format(
                file=name, most=MAX_STATIONS, insee=insee))
    if not found:
        raise ReadError(_("{file} has no polling station of the commune {insee} with a place (a point or an "
                          "area, in longitude and latitude: WGS 84) and a number (codeBureauVote, numeroBureauVote...)").format(file=name, insee=insee))
    return sorted(found.values(), key=lambda location: location.key)


def feature_collection(features: list[dict[str, Any]]) -> bytes:
    """The commune's stations (``Location.feature()`` each) as the GeoJSON
    file the harvester publishes."""
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
