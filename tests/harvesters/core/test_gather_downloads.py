"""The gather stage's downloads (core/base.py): the size limit of a source
kind, and the temporary files, deleted once each file is read, whatever
happened. Run through the real harvest stages and Redis queues."""
from __future__ import annotations

import re
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.base import IssyHarvesterBase
from ckanext.issy.harvesters.finance import ScdlBudgetHarvester
from tests.harvesters.conftest import Feed, Harvest, errors, fixture_bytes

BP = "budget-primitif-2024.csv"
KIND_LIMIT = "ckanext.issy.harvest.budgets_ccas.max_bytes"  # a source kind's own setting


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory of the harvest's downloads, empty."""
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.download_dir", str(tmp_path))
    return tmp_path


def test_a_source_kind_is_limited_by_the_shared_setting_unless_it_names_its_own() -> None:
    assert IssyHarvesterBase.max_bytes_option == http.MAX_BYTES == "ckanext.issy.harvest.max_bytes"
    assert ScdlBudgetHarvester.max_bytes_option == http.MAX_BYTES


def test_the_limit_of_a_source_kind_is_the_setting_it_names(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch, downloads: Path) -> None:
    """The shared limit (50 MiB) would accept the file; the kind's own refuses it."""
    monkeypatch.setattr(ScdlBudgetHarvester, "max_bytes_option", KIND_LIMIT)
    monkeypatch.setitem(tk.config, KIND_LIMIT, 200000)
    feed.serve_file(BP, fixture_bytes(BP) + b"\n" * 200000)
    report = harvest.run(harvest.source(feed.url(BP)))
    expected = r"dépasse la limite de 200000 octets \(ckanext\.issy\.harvest\.budgets_ccas\.max_bytes\)"
    assert any(re.search(expected, message) for message in errors(report)), errors(report)
    assert report["object_errors"] == {}
    assert list(downloads.iterdir()) == []


def test_a_file_over_the_shared_limit_is_published_when_its_kinds_limit_allows_it(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch, downloads: Path) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.max_bytes", 1000)
    monkeypatch.setattr(ScdlBudgetHarvester, "max_bytes_option", KIND_LIMIT)
    monkeypatch.setitem(tk.config, KIND_LIMIT, 10 * 1024 * 1024)
    feed.serve_file(BP)
    report = harvest.run(harvest.source(feed.url(BP)))
    assert errors(report) == []
    assert tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*"})["count"] == 1


def test_gather_deletes_each_downloaded_file_once_it_is_read(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch, downloads: Path) -> None:
    files: list[tuple[Path, bool]] = []  # each file given to read_items, and whether it existed then
    read_items = ScdlBudgetHarvester.read_items

    def watched(self: ScdlBudgetHarvester, downloads: list[http.Download], config: dict) -> list:
        for download in downloads:
            assert download.path is not None
            files.append((download.path, download.path.exists()))
        return read_items(self, downloads, config)

    monkeypatch.setattr(ScdlBudgetHarvester, "read_items", watched)
    feed.serve_file(BP)
    feed.serve_file("vide.csv", b"")  # refused by the reader
    report = harvest.run(harvest.source(feed.url(BP), {"urls": [feed.url("vide.csv")]}))
    assert any("vide.csv" in message for message in errors(report)), errors(report)
    assert [(path.parent, existed) for path, existed in files] == [(downloads, True), (downloads, True)]
    assert list(downloads.iterdir()) == []


@pytest.mark.parametrize("response", [{"status": 500}, {"body": fixture_bytes(BP)[:-5000], "content_length": 10**6}])
def test_a_failed_download_leaves_no_file(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch, downloads: Path, response: dict) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.retries", 0)
    response = dict(response)
    feed.serve_file(BP, response.pop("body", b"erreur"), **response)
    report = harvest.run(harvest.source(feed.url(BP)))
    assert errors(report)
    assert list(downloads.iterdir()) == []
