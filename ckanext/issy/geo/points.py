"""A points request, checked against the table's columns the way an
aggregation request is (``aggregate/request.py``, whose column, filter and
limit checks it reuses): where the coordinates are, which columns colour,
size and label the points, which rows. Nothing here builds SQL; the points'
SQL is ``aggregate/sql.py``'s ``points``."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ckanext.issy.aggregate.request import Column, Filter, filters, filters_key, invalid, items, limit, table_column
from ckanext.issy.language import _

# Parameters that arrive JSON-encoded on the GET endpoint.
STRUCTURED = ("filters", "popup")
MAX_POPUP = 5


@dataclass(frozen=True)
class Points:
    resource_id: str
    # Either one text column holding "latitude, longitude" (Opendatasoft's
    # geo_point_2d), or two columns of numbers, or of text holding numbers.
    geo: Column | None
    lat: Column | None
    lon: Column | None
    fields: tuple[Column, ...]  # colour, size, then popup columns, each once
    filters: tuple[Filter, ...]
    limit: int

    def cache_key(self) -> str:
        """The request's canonical text (see ``Request.cache_key``)."""
        return json.dumps({
            "c": [c.id if c else None for c in (self.geo, self.lat, self.lon)],
            "d": [c.id for c in self.fields], "f": filters_key(self.filters), "l": self.limit,
        }, sort_keys=True, separators=(",", ":"))


def parse(data: Mapping[str, Any], columns: Mapping[str, Column], most: int) -> Points:
    """The checked request, or ``tk.ValidationError``."""
    geo, lat, lon = _coordinates(data, columns)
    fields: list[Column] = []
    if data.get("color"):
        fields.append(table_column(data["color"], columns, "color"))
    if data.get("size"):
        size = table_column(data["size"], columns, "size")
        if size.kind != "number":
            raise invalid("size", _("The size of the points must come from a column of numbers."))
        fields.append(size)
    fields += [table_column(name, columns, "popup") for name in items(data, "popup", MAX_POPUP)]
    count = limit(data.get("limit"), most, _("The number of points must be a whole number from 1 to {most}."))
    return Points(str(data.get("resource_id") or ""), geo, lat, lon, tuple(dict.fromkeys(fields)),
                  filters(data, columns), count or most)


def _coordinates(data: Mapping[str, Any],
                 columns: Mapping[str, Column]) -> tuple[Column | None, Column | None, Column | None]:
    geo, lat, lon = (data.get(name) or None for name in ("geo", "lat", "lon"))
    if geo and (lat or lon):
        raise invalid("geo", _("Give either the columns lat and lon, or the column geo, not both."))
    if geo:
        column = table_column(geo, columns, "geo")
        if column.kind != "text":
            raise invalid("geo", _("The column “{column}” must hold text such as “48.8239, 2.2704”.").format(
                column=column.id))
        return column, None, None
    if not (lat and lon):
        raise invalid("lon" if lat else "lat", _(
            "Name the coordinates: the columns lat and lon, or one column geo holding “latitude, longitude”."))
    return None, _coordinate(lat, columns, "lat"), _coordinate(lon, columns, "lon")


def _coordinate(name: Any, columns: Mapping[str, Column], field: str) -> Column:
    column = table_column(name, columns, field)
    if column.kind not in ("number", "text"):
        raise invalid(field, _("The column “{column}” holds no coordinates: choose a column of numbers.").format(
            column=column.id))
    return column
