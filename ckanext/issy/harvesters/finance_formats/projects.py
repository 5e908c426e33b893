"""Capital expenditure projects with their locations, for the map of the
financial report: a CSV file with coordinates (``latitude`` and
``longitude`` columns, or one Opendatasoft ``geo_point_2d`` column
``"48.8239, 2.2704"``; addresses already geocoded), or a GeoJSON
FeatureCollection of points.

Each project has a label, an amount, a year, optionally a function and an
address. The source's ``mapping`` names the column (CSV) or property
(GeoJSON) of each; without it, columns are expected under the names of
``PROJECT_COLUMNS``. The projects are split by year: one document each.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core import ods as ods_api
from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.mapping import is_field, refuse_invalid
from ckanext.issy.harvesters.core.reading import ReadError, find_columns, read_csv
from ckanext.issy.harvesters.finance_formats.ods import json_cell
from ckanext.issy.language import _

PROJECT_COLUMNS = [
    Column("annee", "int4", "Exercice", "Année de l'exercice budgétaire de la dépense."),
    Column("libelle", "text", "Projet", "Intitulé du projet d'investissement."),
    Column("montant", "numeric", "Montant", "Montant de la dépense d'investissement, en euros."),
    Column("fonction", "text", "Fonction", "Fonction budgétaire ou politique publique du projet."),
    Column("adresse", "text", "Adresse", "Adresse du projet."),
    Column("latitude", "numeric", "Latitude", "Latitude WGS 84 (degrés décimaux)."),
    Column("longitude", "numeric", "Longitude", "Longitude WGS 84 (degrés décimaux)."),
]
NAMES = [column.id for column in PROJECT_COLUMNS]
ESSENTIAL = frozenset({"annee", "libelle", "montant", "latitude", "longitude"})
REQUIRED = ("annee", "libelle", "montant")
OPTIONAL = ("fonction", "adresse")
# CSV only: where the coordinates are (two columns, or one geo_point_2d).
COORDINATES = ("latitude", "longitude", "geo_point")
KEYS = (*REQUIRED, *OPTIONAL, *COORDINATES)


def mapping_problems(mapping: Any) -> list[str]:
    """Every problem of a projects mapping, translated; none when it is valid."""
    if not isinstance(mapping, dict):
        return [_("the field mapping must be an object")]
    problems = [_('"{key}" is not a key of the field mapping ({keys})').format(key=key, keys=", ".join(KEYS))
                for key in mapping if key not in KEYS]
    problems += [_('"{key}": a field name is required').format(key=key)
                 for key, field in mapping.items() if not is_field(field)]
    if "geo_point" in mapping and ("latitude" in mapping or "longitude" in mapping):
        problems.append(_('give either "geo_point" or "latitude" and "longitude", not both'))
    return problems


def _csv_rows(raw: bytes, url: str, mapping: dict[str, str], config: dict[str, Any],
              declared: str | None) -> Iterable[tuple[Any, ...]]:
    file = http.file_name(url)
    table = read_csv(raw, file, config.get("encoding"), declared)
    # Without a mapping, a value is in the column named as the table's.
    coordinates = ("geo_point",) if "geo_point" in mapping else ("latitude", "longitude")
    required = {key: mapping.get(key, key) for key in (*REQUIRED, *coordinates)}
    optional = {key: mapping.get(key, key) for key in OPTIONAL}
    index = find_columns(table.header, list(required.values()), list(optional.values()), file)
    where = {key: index[field] for key, field in {**required, **optional}.items() if field in index}
    for row in table.rows:
        cells = {key: row.cells[i].strip() for key, i in where.items()}
        if "geo_point" in cells:
            point = _geo_point(cells.pop("geo_point"), file, row.line)
            cells.update(latitude=point[0], longitude=point[1])
        yield (row.line, *(cells.get(name, "") for name in NAMES))


def _geo_point(value: str, file: str, line: int) -> tuple[str, str]:
    try:
        point = ods_api.geo_point(value)
    except ValueError:
        raise ReadError(_('{file}, line {line}: "{value}" is not a point "latitude, longitude"').format(
            file=file, line=line, value=value))
    return ("", "") if point is None else (json_cell(point.lat), json_cell(point.lon))


def _geojson_rows(raw: bytes, url: str, mapping: dict[str, str]) -> Iterable[tuple[Any, ...]]:
    file = http.file_name(url)
    try:
        collection = json.loads(raw)
    except ValueError as error:
        raise ReadError(_("{file} is not valid JSON ({error})").format(file=file, error=error))
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ReadError(_("{file} is not a GeoJSON FeatureCollection").format(file=file))
    properties_of = {key: mapping.get(key, key) for key in (*REQUIRED, *OPTIONAL)}
    for rank, feature in enumerate(features, 1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not (isinstance(geometry, dict) and geometry.get("type") == "Point"
                and isinstance(coordinates, list) and len(coordinates) >= 2):
            raise ReadError(_("{file}, feature {rank}: a project is located by a point "
                              "(a GeoJSON Point geometry)").format(file=file, rank=rank))
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        cells = {key: json_cell(properties.get(name)).strip() for key, name in properties_of.items()}
        cells.update(longitude=json_cell(coordinates[0]), latitude=json_cell(coordinates[1]))
        yield (rank, *(cells[name] for name in NAMES))


def is_geojson(url: str, raw: bytes) -> bool:
    """Whether a file is GeoJSON (by its name, or its first character)."""
    if url.lower().split("?")[0].endswith((".geojson", ".json")):
        return True
    return raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def read_documents(download: http.Download, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The projects of a file, one document per year: rows in
    ``PROJECT_COLUMNS`` order, (line, cell, cell...)."""
    mapping = config["mapping"]
    file = http.file_name(download.url)
    refuse_invalid(mapping_problems(mapping), file)
    raw = download.read_bytes()
    geojson = is_geojson(download.url, raw)
    if geojson and "geo_point" in mapping:
        raise ReadError(_('{file}: "geo_point" is for CSV files; a GeoJSON feature is located by '
                          'its geometry').format(file=file))
    rows = (_geojson_rows(raw, download.url, mapping) if geojson
            else _csv_rows(raw, download.url, mapping, config, download.charset))
    years: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        years.setdefault(row[1], []).append(row)
    columns = {name: f"« {mapping.get(name, name)} »" for name in NAMES}
    return [{"source_url": download.url, "file": file, "format": "projects", "columns": columns, "rows": rows}
            for rows in years.values()]


def feature_collection(rows: Sequence[Sequence[str]]) -> bytes:
    """Typed project rows as a GeoJSON FeatureCollection of points (UTF-8)."""
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(row[6]), float(row[5])]},
        "properties": {"annee": int(row[0]), "libelle": row[1], "montant": float(row[2]),
                       "fonction": row[3], "adresse": row[4]},
    } for row in rows]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
