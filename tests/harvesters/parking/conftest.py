"""Parking sources, polls and what they stored, read back through the API.

Feeds come from the parking simulator (Opendatasoft and DATEX II answers of
five garages and 1,000 spaces, at a minute the test sets) on 127.0.0.3, or
from small JSON and CSV feeds a test writes, served on 127.0.0.2."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib.redis import connect_to_redis

from ckanext.issy.harvesters import parking_poll
from devstack import parking_simulator
from tests.harvesters.conftest import Feed, Harvest

# A Tuesday morning, winter time (UTC+1).
T0 = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)
GARAGES_MAPPING = {"kind": "garage", "id": "parking_id", "name": "name", "free": "value_free_spots",
                   "capacity": "nombre_de_places_contractuelles", "status": "value_status", "geo": "geo",
                   "time": "last_update"}
SPACES_MAPPING = {"kind": "space", "id": "identifiant_place", "state": "etat", "free_values": ["libre"],
                  "sector": "implantation", "geo": "geo", "time": "last_update"}


@dataclass
class Simulator:
    """The parking simulator, answering at the minute ``at``."""

    url: str
    at: datetime = T0


@pytest.fixture
def simulator(feed: Feed, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    state = Simulator("")
    server = parking_simulator.make_server("127.0.0.3", 0, clock=lambda: state.at)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"127.0.0.3:{server.server_address[1]}"
    state.url = f"http://{host}"
    allowed = tk.config["ckanext.issy.harvest.allowed_hosts"]
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.allowed_hosts", f"{allowed} {host}")
    yield state
    server.shutdown()
    server.server_close()


def parking_source(harvest: Harvest, url: str, config: dict[str, Any], name: str = "stationnement") -> dict[str, Any]:
    return harvest.source(url, config, name=name, source_type="issy_parking", title="Stationnement en temps réel")


def ods_config(dataset: str, mapping: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"format": "ods", "dataset": dataset, "mapping": mapping, **more}


def the_dataset(source: dict[str, Any]) -> dict[str, Any]:
    found = tk.get_action("package_search")({"ignore_auth": True}, {
        "fq": f'harvest_source_id:"{source["id"]}"', "rows": 10})["results"]
    assert len(found) == 1, found
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": found[0]["id"]})


def resource(package: dict[str, Any], role: str) -> dict[str, Any]:
    return next(r for r in package["resources"] if r.get("issy_role") == role)


def rows(package: dict[str, Any], role: str, sort: str = "_id") -> list[dict[str, Any]]:
    records = tk.get_action("datastore_search")({"ignore_auth": True}, {
        "resource_id": resource(package, role)["id"], "limit": 5000, "sort": sort})["records"]
    return [{key: value for key, value in record.items() if key not in ("_id", "_full_text")} for record in records]


def by_id(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows(package, "current")}


def next_interval(source: dict[str, Any]) -> None:
    """As if the interval had passed: the poll lock is gone."""
    connect_to_redis().delete(f"issy:parking:{source['id']}:lock")


def poll(source: dict[str, Any], at: datetime) -> parking_poll.Outcome:
    """Every source polled at ``at`` (the lock of ``source`` released first);
    the outcome of ``source``."""
    next_interval(source)
    everyone = parking_poll.poll_all(at)
    outcomes = [o for o in everyone if o.source_id == source["id"]]
    assert len(outcomes) == 1, everyone
    return outcomes[0]


def json_feed(feed: Feed, name: str, records: list[dict[str, Any]]) -> None:
    feed.serve_file(name, json.dumps({"results": records}, ensure_ascii=False).encode(),
                    headers={"Content-Type": "application/json"})
