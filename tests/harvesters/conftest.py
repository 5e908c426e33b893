"""Fixtures of the harvester tests: a feed server on 127.0.0.2 and a harvest
runner that goes through ckanext-harvest's real Redis queues."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

# clean_db (with every loaded plugin's migrations) and clean_index come from
# tests/conftest.py.
from tests.support.harvest import run_job
from tests.support.http_server import FixtureServer, Response, serve

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Feed:
    """Files served on 127.0.0.2; a test changes them between harvests."""

    server: FixtureServer
    files: dict[str, Callable[[], Response]] = field(default_factory=dict)
    stop: Callable[[], None] = lambda: None  # shuts the server down: the source is down

    def url(self, name: str) -> str:
        return f"{self.server.url}/{name}"

    def serve_file(self, name: str, data: bytes | None = None, **response: Any) -> None:
        body = fixture_bytes(name) if data is None else data
        self.files[name] = lambda: Response(body, **response)


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    files: dict[str, Callable[[], Response]] = {}

    def route(path: str) -> Callable[[dict], Response]:
        return lambda _query: files[path]() if path in files else Response(b"not found", 404)

    class Routes(dict):
        def get(self, path: str, default: Any = None) -> Any:  # every path, looked up at request time
            return route(path.lstrip("/"))

    with ExitStack() as stack:
        server = stack.enter_context(serve(Routes(), host="127.0.0.2"))
        monkeypatch.setitem(tk.config, "ckanext.issy.harvest.allowed_hosts", server.url.split("//")[1])
        monkeypatch.setitem(tk.config, "ckanext.issy.harvest.backoff", 0)
        yield Feed(server, files, stack.close)


@dataclass
class Harvest:
    """Creates sources and runs their jobs as `ckan harvester run` and the consumers do."""

    sysadmin: dict[str, Any]
    organization: dict[str, Any]

    def source(self, url: str, config: dict[str, Any] | None = None, name: str = "budgets-issy",
               source_type: str = "issy_finance", title: str = "Budgets de la ville") -> dict[str, Any]:
        return tk.get_action("harvest_source_create")({"user": self.sysadmin["name"]}, {
            "name": name, "title": title, "url": url, "source_type": source_type,
            "owner_org": self.organization["id"], "config": json.dumps(config or {}), "frequency": "MANUAL",
        })

    def update(self, source: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """harvest_source_update with every field (ckanext-harvest's patch loses the source type)."""
        fields = {key: source[key] for key in ("id", "name", "title", "url", "source_type", "owner_org", "frequency")}
        fields["config"] = json.dumps(changes.pop("config")) if "config" in changes else source["config"]
        return tk.get_action("harvest_source_update")({"user": self.sysadmin["name"]}, {**fields, **changes})

    def run(self, source: dict[str, Any]) -> dict[str, Any]:
        return run_job(source["id"], self.sysadmin["name"])


def errors(report: dict[str, Any]) -> list[str]:
    """Every gather and object error message of a job report."""
    messages = [error["message"] for error in report["gather_errors"]]
    for obj in report["object_errors"].values():
        messages += [error["message"] for error in obj["errors"]]
    return messages


@pytest.fixture
def harvest(with_plugins: None, clean_db: None, clean_index: None, clean_queues: None) -> Iterator[Harvest]:
    from ckan.tests import factories
    from ckanext.harvest.queue import purge_queues

    # clean_queues empties CKAN's job queues only: the harvest queues are Redis lists of their own.
    purge_queues()
    yield Harvest(factories.Sysadmin(), factories.Organization(name="ville-issy", title="Ville d'Issy-les-Moulineaux"))
    purge_queues()
