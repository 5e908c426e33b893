"""Election rounds harvested for the election results' tests, in the
Ministry's formats (devstack/election_samples.py: Issy's 45 polling
stations, invented figures), and independent SQL on their tables."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from devstack import election_samples, station_samples
from tests.aggregate.conftest import query
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401  (fixtures)
from tests.harvesters.elections.conftest import datasets, election_source, resource

PRESIDENTIELLE_T1 = {"format": "miom_a", "election": "2022_pres_t1"}
EUROPEENNES = {"format": "miom_b", "election": "2024_euro_t1"}


def publish(harvest: Harvest, feed: Feed, name: str, data: bytes, config: dict[str, Any]) -> dict[str, Any]:
    """Harvests one election file; the dataset it published."""
    feed.serve_file(name, data)
    report = harvest.run(election_source(harvest, feed.url(name), config, name=f"source-{name.split('.')[0]}"))
    assert errors(report) == []
    return next(p for p in datasets() if any(e["value"] == config["election"] for e in p["extras"]))


def presidentielle(harvest: Harvest, feed: Feed) -> dict[str, Any]:
    return publish(harvest, feed, "presidentielle-t1.txt", election_samples.presidentielle_2022_format_a(1),
                   PRESIDENTIELLE_T1)


def europeennes(harvest: Harvest, feed: Feed) -> dict[str, Any]:
    return publish(harvest, feed, "europeennes.csv", election_samples.europeennes_2024_format_b(), EUROPEENNES)


def europeennes_placed(harvest: Harvest, feed: Feed, places: bytes | None = None) -> dict[str, Any]:
    """The Européennes with Etalab-shaped contours of Issy's stations (and of
    Vanves's), or the ``places`` given (devstack/station_samples.py)."""
    feed.serve_file("bureaux.geojson", station_samples.contours() if places is None else places)
    return publish(harvest, feed, "europeennes.csv", election_samples.europeennes_2024_format_b(),
                   {**EUROPEENNES, "stations_url": feed.url("bureaux.geojson")})


def europeennes_hourly(harvest: Harvest, feed: Feed) -> dict[str, Any]:
    """The Européennes with Issy's turnout at each hour (devstack/election_samples.py)."""
    results = election_samples.europeennes_2024_format_b()
    feed.serve_file("participation-horaire.csv", election_samples.turnout_by_hour(results))
    return publish(harvest, feed, "europeennes.csv", results,
                   {**EUROPEENNES, "turnout_hours_url": feed.url("participation-horaire.csv")})


def elections(resource_id: str, **params: Any) -> dict[str, Any]:
    """The results as an anonymous visitor gets them."""
    return tk.get_action("issy_elections")({"user": ""}, {"resource_id": resource_id, **params})


def table_id(package: dict[str, Any], role: str) -> str:
    return resource(package, role)["id"]


def one(sql: str) -> Any:
    return query(sql)[0][0]
