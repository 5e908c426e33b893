"""A client of the Opendatasoft Explore API v2.1 (the city's portal, data.issy.com).

Every request goes through :mod:`http` (SSRF guard, retries honouring
``Retry-After``, size cap, User-Agent). Three calls:

- :meth:`Client.dataset`: one dataset's metadata
  (``/catalog/datasets/{id}``) as a :class:`Dataset`;
- :meth:`Client.datasets`: every dataset of the catalogue
  (``/catalog/datasets``, pages of 100);
- :meth:`Client.export_csv`: every record of a dataset
  (``/catalog/datasets/{id}/exports/csv``), streamed to a temporary file and
  read with the core's streaming CSV reader. Not ``/records``, which stops at
  ``offset + limit = 10,000``.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

from ckanext.issy.harvesters.core import http, reading
from ckanext.issy.harvesters.core.licences import licence_id
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.language import _

API_PATH = "/api/explore/v2.1"
PAGE_SIZE = 100  # the largest ``limit`` the API accepts
# /catalog/datasets refuses offset + limit above this (HTTP 400).
MAX_WINDOW = 10_000


class ApiError(http.FetchError):
    """The portal refused a request; the message carries the portal's own."""


class UnknownDataset(ApiError):
    """The portal has no dataset of that id (HTTP 404)."""


class Field(NamedTuple):
    name: str
    label: str
    type: str  # text, int, double, date, datetime, geo_point_2d, geo_shape...
    description: str


class Attachment(NamedTuple):
    id: str
    title: str
    mimetype: str
    url: str  # where to download it (the API's own ``odsfile://`` URL is not one)


class GeoPoint(NamedTuple):
    lat: float
    lon: float


@dataclass(frozen=True)
class Dataset:
    """A dataset's ``metas.default`` metadata, fields and attachments."""

    id: str
    title: str
    description: str  # HTML, as the portal writes it
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    publisher: str
    license_text: str  # as the portal writes it, e.g. "Licence Ouverte v2.0 (Etalab)"
    license_url: str
    license_id: str  # the data.gouv.fr id, e.g. "lov2" (see licences.py)
    modified: datetime | None  # timezone-aware
    records_count: int | None
    fields: tuple[Field, ...]
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class Client:
    """The Explore API of one portal, e.g. ``Client("https://data.issy.com", settings)``."""

    portal: str
    settings: http.HttpSettings

    def url(self, path: str, **params: Any) -> str:
        """The API URL of ``path``; None parameters are left out, lists repeated."""
        query = urlencode({key: value for key, value in params.items() if value is not None},
                          doseq=True, quote_via=quote)
        return f"{self.portal.rstrip('/')}{API_PATH}/{path}" + (f"?{query}" if query else "")

    def dataset(self, dataset_id: str) -> Dataset:
        """One dataset's metadata; UnknownDataset if the portal has none of that id."""
        url = self.dataset_url(dataset_id)
        return self._dataset(_object(self._json(url, dataset_id), url), url)

    def dataset_url(self, dataset_id: str) -> str:
        """The API URL of a dataset's metadata: a harvester that downloads it
        itself reads it with :meth:`read_dataset`."""
        return self.url(_dataset_path(dataset_id))

    def read_dataset(self, download: http.Download) -> Dataset:
        """A dataset's metadata downloaded from :meth:`dataset_url`."""
        return self._dataset(_object(_parse_json(download.read_bytes(), download.url), download.url), download.url)

    def page_url(self, dataset_id: str) -> str:
        """The dataset's page on the portal, for people."""
        return f"{self.portal.rstrip('/')}/explore/dataset/{quote(dataset_id, safe='@')}/"

    def datasets(self, where: str | None = None, refine: Iterable[str] = (),
                 modified_after: datetime | None = None) -> Iterator[Dataset]:
        """Every dataset of the catalogue, page after page.

        ``where`` is an ODSQL filter (``search("élections")``), ``refine``
        facet filters as the API writes them (``"keyword:parking"``).
        ``modified_after`` (timezone-aware) keeps the datasets modified since
        then, and those without a date; it is compared here, not sent as
        ``where=modified > date'...'``: an exact comparison of two instants,
        with no ODSQL date literal and no time zone to agree on, and a
        harvester needs the whole list anyway to notice withdrawn datasets
        (call it without ``modified_after`` and compare ``modified`` itself).
        """
        seen: set[str] = set()
        total: int | None = None
        while total is None or len(seen) < total:
            if len(seen) >= MAX_WINDOW:
                raise ReadError(_(
                    "{portal} lists more than {count} datasets, more than its API can page "
                    "through: narrow the listing with a filter").format(portal=self.portal, count=MAX_WINDOW))
            url = self.url("catalog/datasets", limit=min(PAGE_SIZE, MAX_WINDOW - len(seen)),
                           offset=len(seen), where=where, refine=list(refine) or None)
            page_total, results = _page(_object(self._json(url), url), url)
            # Pages are read one after the other: a dataset added, removed or
            # moved in between would be skipped or read twice.
            if (total is not None and page_total != total) or (not results and len(seen) < page_total):
                raise _changed(url)
            total = page_total
            for dataset in (self._dataset(result, url) for result in results):
                if dataset.id in seen:
                    raise _changed(url)
                seen.add(dataset.id)
                if modified_after is None or dataset.modified is None or dataset.modified > modified_after:
                    yield dataset

    def export_url(self, dataset_id: str, where: str | None = None, export: str = "csv") -> str:
        """The URL of a dataset's export (``csv`` or ``json``): a harvester
        that downloads it itself (with its validators) reads it with
        :func:`read_export` or :func:`read_json_export`."""
        return self.url(f"{_dataset_path(dataset_id)}/exports/{export}", where=where)

    @contextmanager
    def export_csv(self, dataset_id: str, where: str | None = None) -> Iterator[reading.CsvStream]:
        """Every record of a dataset, as the core's streaming CSV reader reads
        them from a temporary file, deleted when the ``with`` block ends."""
        with self._fetch(self.export_url(dataset_id, where), dataset_id) as download:
            with read_export(download) as stream:
                yield stream

    def _dataset(self, item: Any, url: str) -> Dataset:
        if not isinstance(item, dict) or not isinstance(item.get("dataset_id"), str):
            raise ReadError(_('{url}: a dataset without "dataset_id"').format(url=url))
        dataset_id = item["dataset_id"]
        metas = _mapping(_mapping(item.get("metas")).get("default"))
        license_text, license_url = _text(metas.get("license")), _text(metas.get("license_url"))
        records_count = metas.get("records_count")
        return Dataset(
            id=dataset_id,
            title=_text(metas.get("title")) or dataset_id,
            description=_text(metas.get("description")),
            keywords=_texts(metas.get("keyword")),
            themes=_texts(metas.get("theme")),
            publisher=_text(metas.get("publisher")),
            license_text=license_text,
            license_url=license_url,
            license_id=licence_id(license_text, license_url),
            modified=_datetime(metas.get("modified"), url, dataset_id),
            records_count=records_count if isinstance(records_count, int) else None,
            fields=tuple(
                Field(*(_text(field.get(key)) for key in ("name", "label", "type", "description")))
                for field in item.get("fields") or () if isinstance(field, dict)
            ),
            attachments=tuple(self._attachment(dataset_id, attachment)
                              for attachment in item.get("attachments") or () if isinstance(attachment, dict)),
        )

    def _attachment(self, dataset_id: str, attachment: dict[str, Any]) -> Attachment:
        attachment_id = _text(attachment.get("id"))
        download = self.url(f"{_dataset_path(dataset_id)}/attachments/{quote(attachment_id, safe='')}")
        return Attachment(attachment_id, _text(attachment.get("title")), _text(attachment.get("mimetype")), download)

    def _json(self, url: str, dataset_id: str | None = None) -> Any:
        with self._fetch(url, dataset_id) as download:
            return _parse_json(download.read_bytes(), url)

    def _fetch(self, url: str, dataset_id: str | None) -> http.Download:
        try:
            return http.fetch(url, self.settings)
        except http.HttpStatusError as error:
            detail = _error_detail(error.body)
            if error.status == 404 and dataset_id is not None:
                raise UnknownDataset(_("{portal} has no dataset {id} ({url}: {detail})").format(
                    portal=self.portal, id=dataset_id, url=url, detail=detail or error.status))
            if detail:
                raise ApiError(_("{url} answered HTTP {status}: {detail}").format(
                    url=url, status=error.status, detail=detail))
            raise


def read_export(download: http.Download, **options: Any) -> reading.CsvStream:
    """A downloaded CSV export read as a stream (``options``: those of
    ``reading.iter_csv``). A cut-off export is refused before any row is
    read: a body shorter than announced fails the download; a last line
    without its line break (the export ends every line with one) is a
    ReadError."""
    assert download.path is not None, "an export is read from its body, not from a 304"
    if not _ends_with_newline(download.path, download.size):
        raise ReadError(_("{url}: the export ends in the middle of a line: "
                          "it was cut off").format(url=download.url))
    return reading.iter_csv(download.path, download.url, declared=download.charset, **options)


def read_json_export(download: http.Download) -> list[dict[str, Any]]:
    """The records of a downloaded JSON export (``/exports/json``: one array
    of objects keyed by field name, values typed). A cut-off export is not
    valid JSON and is refused whole."""
    assert download.path is not None, "an export is read from its body, not from a 304"
    records = _parse_json(download.read_bytes(), download.url)
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise ReadError(_("{url}: the export is not a JSON array of records").format(url=download.url))
    return records


def geo_point(value: object) -> GeoPoint | None:
    """A ``geo_point_2d`` value as the API gives it: ``"48.8239, 2.2704"``
    in a CSV export, ``{"lat": 48.8239, "lon": 2.2704}`` in JSON (v2.1),
    ``[48.8239, 2.2704]`` (v1); None when empty. ValueError otherwise."""
    if value in (None, "", [], {}):
        return None
    if isinstance(value, Mapping):
        pair: Any = (value.get("lat"), value.get("lon"))
    elif isinstance(value, str):
        pair = value.split(",")
    else:
        pair = value
    try:
        lat, lon = (float(part) for part in pair)
    except (TypeError, ValueError):
        raise ValueError(f"not a geo_point_2d: {value!r}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"not a geo_point_2d: {value!r}")
    return GeoPoint(lat, lon)


def _dataset_path(dataset_id: str) -> str:
    # Federated ids keep their "@": dataset@issy-les-moulineaux.
    return f"catalog/datasets/{quote(dataset_id, safe='@')}"


def _parse_json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
        raise ReadError(_("{url}: the answer is not valid JSON ({error})").format(url=url, error=error))


def _error_detail(body: bytes) -> str:
    """The message of the API's JSON error body: {"message", "error_code"} or,
    for quotas, {"error", "errorcode"}; empty when the body is something else."""
    try:
        error = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(error, dict):
        return ""
    return str(error.get("message") or error.get("error") or "")


def _ends_with_newline(path: Path, size: int) -> bool:
    if size == 0:
        return False
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def _changed(url: str) -> ReadError:
    return ReadError(_("{url}: the catalogue changed while it was being read; "
                       "the next run will read it again").format(url=url))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _object(answer: Any, url: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise ReadError(_("{url}: the answer is not a JSON object").format(url=url))
    return answer


def _page(answer: dict[str, Any], url: str) -> tuple[int, list[Any]]:
    results, total = answer.get("results"), answer.get("total_count")
    if not isinstance(results, list) or not isinstance(total, int):
        raise ReadError(_('{url}: the answer has no "results" list or no "total_count": '
                          "is it an Opendatasoft Explore API v2.1?").format(url=url))
    return total, results


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(text for text in map(_text, values) if text)


def _datetime(value: Any, url: str, dataset_id: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ReadError(_("{url}: dataset {id}: {value} is not a date").format(
            url=url, id=dataset_id, value=value))
    # Without an offset, the API's default time zone (timezone=UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
