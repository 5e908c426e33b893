"""A small Opendatasoft Explore API v2.1 for tests, served by http_server.

It answers as the real API does where the client depends on it: the
catalogue in pages (``total_count``, ``results``, ``limit`` at most 100,
``offset + limit`` at most 10,000, ``refine=facet:value``), a dataset's
metadata, CSV exports (UTF-8 with a byte order mark, ``;`` between cells,
``geo_point_2d`` as ``"lat, lon"``), and JSON error bodies
(``{"message", "error_code"}``) for an unknown dataset or a bad parameter.
A test replaces any path's answer through ``Portal.routes`` (a 429, a cut-off
export...).
"""
from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.support.http_server import Response, Route

API = "/api/explore/v2.1"
JSON = {"Content-Type": "application/json; charset=utf-8"}
CSV = {"Content-Type": "text/csv; charset=utf-8"}
LO_2 = ("Licence Ouverte v2.0 (Etalab)",
        "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf")
ISSY = "Ville d'Issy-les-Moulineaux"


def error(status: int, message: str, code: str) -> Response:
    return Response(json.dumps({"message": message, "error_code": code}).encode(), status, dict(JSON))


def as_json(answer: Any) -> Response:
    return Response(json.dumps(answer, ensure_ascii=False).encode(), headers=dict(JSON))


def dataset(dataset_id: str, title: str, *, fields: Sequence[tuple[str, str, str]] = (),
            license: tuple[str | None, str | None] = LO_2, modified: str | None = "2024-11-18T09:15:02+00:00",
            keywords: Sequence[str] | None = None, themes: Sequence[str] | None = None,
            description: str | None = None, records_count: int = 0,
            attachments: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """A dataset as /catalog/datasets answers it; ``fields`` are (name, label, type)."""
    return {
        "dataset_id": dataset_id,
        "dataset_uid": f"da_{zlib.crc32(dataset_id.encode()):08x}",
        "attachments": list(attachments),
        "has_records": records_count > 0,
        "data_visible": True,
        "features": ["analyze"],
        "fields": [{"name": name, "label": label, "type": kind, "description": None, "annotations": {}}
                   for name, label, kind in fields],
        "metas": {"default": {
            "title": title, "description": description, "keyword": keywords, "theme": themes,
            "license": license[0], "license_url": license[1], "modified": modified,
            "publisher": ISSY, "language": "fr", "records_count": records_count,
            "territory": ["Issy-les-Moulineaux"], "federated": False,
        }},
    }


def csv_export(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """An /exports/csv body with v2.1's defaults: BOM, ``;``, CRLF after every line."""
    lines = [";".join(header), *(";".join(map(str, row)) for row in rows)]
    return codecs.BOM_UTF8 + "".join(f"{line}\r\n" for line in lines).encode()


@dataclass
class Portal:
    """The catalogue (dataset objects in listing order) and the exports by dataset id."""

    datasets: list[dict[str, Any]]
    exports: dict[str, bytes] = field(default_factory=dict)
    # path -> route replacing the usual answer of that path
    routes: dict[str, Route] = field(default_factory=dict)

    def handlers(self) -> "_Routes":
        return _Routes(self)

    def catalogue(self, query: dict[str, list[str]]) -> Response:
        limit, offset = (int(query.get(name, [default])[0]) for name, default in (("limit", "10"), ("offset", "0")))
        if not -1 <= limit <= 100:
            return error(400, f"Invalid value for limit API parameter: {limit} was found but -1 <= limit <= 100 "
                              "is expected.", "InvalidRESTParameterError")
        if offset + limit > 10_000:
            return error(400, "Invalid value for sum of offset + limit API parameter: "
                              f"{offset + limit} was found but <= 10000 is expected.", "InvalidRESTParameterError")
        selected = [item for item in self.datasets if all(_refines(item, r) for r in query.get("refine", []))]
        return as_json({"total_count": len(selected), "results": selected[offset:offset + limit]})

    def metadata(self, dataset_id: str) -> Response:
        found = next((item for item in self.datasets if item["dataset_id"] == dataset_id), None)
        return as_json(found) if found else self.unknown(dataset_id)

    def export(self, dataset_id: str) -> Response:
        body = self.exports.get(dataset_id)
        return Response(body, headers=dict(CSV)) if body is not None else self.unknown(dataset_id)

    @staticmethod
    def unknown(dataset_id: str) -> Response:
        return error(404, f"Unknown dataset: {dataset_id}", "NoSuchDataset")


def _refines(item: dict[str, Any], refine: str) -> bool:
    facet, _sep, value = refine.partition(":")
    metas = item["metas"]["default"]
    values = {"keyword": metas["keyword"], "theme": metas["theme"], "publisher": [metas["publisher"]]}.get(facet)
    return value in (values or [])


class _Routes(dict):
    """http_server looks a path up with ``routes.get(path)``: answer every path of the API."""

    def __init__(self, portal: Portal) -> None:
        super().__init__()
        self.portal = portal

    def get(self, path: str, default: Any = None) -> Route | None:
        if path in self.portal.routes:
            return self.portal.routes[path]
        if not path.startswith(f"{API}/catalog/datasets"):
            return default
        parts = unquote(path.removeprefix(f"{API}/catalog/datasets")).strip("/").split("/")
        if parts == [""]:
            return self.portal.catalogue
        if len(parts) == 1:
            return lambda _query: self.portal.metadata(parts[0])
        if parts[1:] == ["exports", "csv"]:
            return lambda _query: self.portal.export(parts[0])
        return default
