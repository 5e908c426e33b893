"""Any harvester plugin of the extension works with ``issy`` alone: the shared
``ckanext.issy.harvest.*`` settings are declared by ``issy``, not by the
finance plugin, and the core links what a harvester publishes to its source."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckanext.harvest.interfaces import IHarvester
from ckanext.harvest.model import HarvestObject
from ckanext.harvest.queue import purge_queues

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, Item, create_dataset
from ckanext.issy.harvesters.core.reading import read_csv
from tests.support.harvest import run_job
from tests.support.http_server import FixtureServer, Response, serve

PARKINGS = "identifiant;nom\r\nhdv;Parking de l’Hôtel de Ville\r\nmoulins;Parking des Trois Moulins\r\n".encode()


class StubHarvester(IssyHarvesterBase):
    """A minimal source kind: one dataset per line of an ``identifiant;nom`` file."""

    p.implements(IHarvester)

    def info(self) -> dict[str, str]:
        return {"name": "issy_stub", "title": "Stub", "description": "One dataset per line"}

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        return {}, [f"unknown option {key}" for key in config]

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        table = read_csv(downloads[0].read_bytes(), downloads[0].url)
        return [Item(row.cells[0], json.dumps(row.cells), hashlib.sha256(json.dumps(row.cells).encode()).hexdigest())
                for row in table.rows]

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        slug, title = json.loads(obj.content)
        owner_org = tk.get_action("package_show")(dict(context), {"id": obj.source.id})["owner_org"]
        return create_dataset(obj, {"name": f"parking-{slug}", "title": title, "owner_org": owner_org}, context)["id"]


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve({"/parkings.csv": lambda _query: Response(PARKINGS)}, host="127.0.0.2") as running:
        yield running


@pytest.mark.provide_plugin("issy_stub_harvester", StubHarvester)
@pytest.mark.ckan_config("ckan.plugins", "issy issy_search harvest issy_stub_harvester")
def test_a_harvester_plugin_works_without_the_finance_one_with_the_declared_defaults(
        provide_plugin: None, with_plugins: None, clean_db: None, clean_index: None,
        server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not p.plugin_loaded("issy_finance_harvester")
    # Only what the site must say: the test feed server is on a loopback address.
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.allowed_hosts", server.url.split("//")[1])
    settings = http.HttpSettings.from_config()
    assert (settings.timeout, settings.max_bytes, settings.retries, settings.backoff, settings.retry_after_max) == (
        30.0, 50 * 1024 * 1024, 3, 1.0, 60.0)
    assert tk.config.get("ckanext.issy.harvest.withdraw") == "delete"
    admin = factories.Sysadmin()
    org = factories.Organization(name="ville-issy")
    purge_queues()
    source = tk.get_action("harvest_source_create")({"user": admin["name"]}, {
        "name": "parkings", "title": "Parkings de la ville", "url": f"{server.url}/parkings.csv",
        "source_type": "issy_stub", "owner_org": org["id"], "frequency": "MANUAL", "config": "{}"})

    report = run_job(source["id"], admin["name"])

    assert report["gather_errors"] == [] and report["object_errors"] == {}
    found = tk.get_action("package_search")({"ignore_auth": True}, {"fq": f'harvest_source_id:"{source["id"]}"'})
    assert sorted(d["title"] for d in found["results"]) == ["Parking de l’Hôtel de Ville", "Parking des Trois Moulins"]
    purge_queues()
