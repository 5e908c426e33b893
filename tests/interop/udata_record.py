"""What udata must have stored for each dataset of a portal, and the check
of a harvest report (devstack/udata_harvest.py's JSON) against it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstack.datagouv import failures

# udata's frequency ids for the EU frequency codes the portal emits.
UDATA_FREQUENCY = {"ANNUAL": "annual", "MONTHLY": "monthly", "NEVER": "never", "UPDATE_CONT": "continuous"}


@dataclass(frozen=True)
class Expected:
    """A dataset as data.gouv.fr must show it."""

    licence: str  # data.gouv.fr's licence id
    frequency: str  # EU frequency code
    temporal: tuple[str, str] | None  # ISO start and end dates
    area: dict[str, Any]  # a GeoJSON Polygon


def _words(text: str) -> str:
    """The text's words, without the emphasis marks of Markdown (the DCAT
    description is plain text) nor its paragraph breaks (udata's CKAN
    harvester reads the notes as HTML)."""
    return " ".join(text.replace("*", "").split())


def _rounded(coordinates: Any) -> Any:
    """Coordinates to the centimetre: the DCAT route goes through WKT."""
    if isinstance(coordinates, list):
        return [_rounded(part) for part in coordinates]
    return round(coordinates, 7) if isinstance(coordinates, float) else coordinates


def _resources(stored: dict[str, Any], backend: str) -> dict[str, tuple[Any, ...]]:
    # udata's CKAN harvester does not read CKAN's "size"; its DCAT harvester reads dcat:byteSize.
    return {res["url"]: (res["title"], res["format"], res["mime"], res["filesize"] if backend == "dcat" else None)
            for res in stored["resources"]}


def _published_resources(package: dict[str, Any], backend: str) -> dict[str, tuple[Any, ...]]:
    return {res["url"]: (res["name"], res["format"].lower(), res["mimetype"],
                         res.get("size") if backend == "dcat" else None)
            for res in package["resources"]}


def assert_stored(stored: dict[str, Any], package: dict[str, Any], expected: Expected, backend: str) -> None:
    """udata's record of one dataset against the portal's ``package_show``
    and what data.gouv.fr must show."""
    assert stored["title"] == package["title"]
    assert _words(stored["description"]) == _words(package["notes"])
    assert stored["license"] == expected.licence
    assert stored["frequency"] == UDATA_FREQUENCY[expected.frequency]
    start, end = expected.temporal or (None, None)
    assert stored["temporal_coverage"] == {"start": start, "end": end}
    geometry = stored["spatial"]["geom"] or {}
    assert (geometry.get("type"), _rounded(geometry.get("coordinates"))) == (
        "MultiPolygon", _rounded([expected.area["coordinates"]]))
    assert _resources(stored, backend) == _published_resources(package, backend)


def assert_harvested_whole(report: dict[str, Any], packages: dict[str, dict[str, Any]],
                           expected: dict[str, Expected], backend: str) -> None:
    """No failed item, every dataset of the portal (and nothing else) stored,
    each one whole."""
    assert failures(report) == []
    assert report["status"] == "done"
    assert [item["status"] for item in report["items"]] == ["done"] * len(packages)
    stored = {dataset["title"]: dataset for dataset in report["datasets"]}
    assert sorted(stored) == sorted(packages) == sorted(expected)
    for title, package in packages.items():
        assert_stored(stored[title], package, expected[title], backend)
