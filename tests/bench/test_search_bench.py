"""bench/search.py and its catalogue: the generator is reproducible, the bulk
rows equal what ``package_create`` writes, and a tiny run goes through every
step (loading both ways, CKAN's rebuild, every query kind, the table), so
that the bench cannot rot. No timing is asserted."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from bench import catalogue, loading, search

SEED = 7


def test_catalogue_is_reproducible_and_grows_by_prefix() -> None:
    first = [catalogue.dataset(number, SEED) for number in range(300)]
    assert first == list(catalogue.datasets(0, 300, SEED))
    assert len({dataset["name"] for dataset in first}) == 300
    assert catalogue.dataset(5, SEED) != catalogue.dataset(5, SEED + 1)
    organizations = {dataset["owner_org"] for dataset in first}
    assert organizations == {item["name"] for item in catalogue.organizations()}
    assert all(1 <= len(dataset["resources"]) <= 3 for dataset in first)


def _comparable(dataset: dict[str, Any]) -> dict[str, Any]:
    """``package_show`` without what differs between two creations."""
    dataset = json.loads(json.dumps(dataset))
    for key in ("id", "name", "metadata_created", "metadata_modified"):
        dataset.pop(key)
    for resource in dataset["resources"]:
        for key in ("id", "package_id", "created", "metadata_modified"):
            resource.pop(key)
    for tag in dataset["tags"]:
        tag.pop("id")
    return dataset


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_bulk_rows_give_the_dataset_package_create_gives() -> None:
    user = loading.site_user()
    loading.create_owners(user)
    created = catalogue.dataset(11, SEED)
    written = dict(created, name=created["name"] + "-rows")
    assert loading.create_datasets([created], user) == 1
    assert loading.write_rows([written], user) == 1

    def show(name: str) -> dict[str, Any]:
        return tk.get_action("package_show")({"ignore_auth": True}, {"id": name})

    assert _comparable(show(written["name"])) == _comparable(show(created["name"]))
    assert show(written["name"])["metadata_modified"] == created["metadata_modified"]
    # CKAN 2.11's package_create ignores a sysadmin's metadata_modified.
    if tk.check_ckan_version("2.12"):
        assert show(created["name"])["metadata_modified"] == created["metadata_modified"]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_tiny_run_measures_every_query_kind(capsys: pytest.CaptureFixture[str]) -> None:
    args = search.parse_args(["--sizes", "30", "--repetitions", "3", "--api-limit", "20",
                              "--seed", str(SEED), "--threshold-ms", "0",
                              "--autocomplete-threshold-ms", "0", "--allow-empty"])
    assert search.run(args) == 0
    output = capsys.readouterr().out
    for kind in search.kinds():
        assert f"| 30 | {kind.name} |" in output
    assert model.Session.query(model.Package).count() == 30
    assert loading.holds_prefix(30, SEED)
    # --reuse: nothing to load again.
    assert loading.load(30, SEED, 20, reuse=True, progress=lambda _: None) == {
        "package_create": 0.0, "rows": 0.0}


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_keep_index_skips_only_a_complete_and_current_index(
        capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--sizes", "12", "--repetitions", "1", "--api-limit", "0",
              "--seed", str(SEED), "--threshold-ms", "0",
              "--autocomplete-threshold-ms", "0", "--allow-empty"]
    assert search.run(search.parse_args(common)) == 0
    assert loading.index_is_current()
    assert search.run(search.parse_args(common + ["--reuse", "--keep-index"])) == 0
    assert "index kept" in capsys.readouterr().out
    model.Session.execute(sa.text(
        "UPDATE package SET metadata_modified = now() + interval '1 hour' WHERE name = :name"
    ), {"name": catalogue.dataset(3, SEED)["name"]})
    model.Session.commit()
    assert not loading.index_is_current()
    with pytest.raises(SystemExit):
        search.parse_args(common + ["--keep-index", "--write-docs"])


def test_write_docs_replaces_only_the_marked_block(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(f"# Perf\n\nbefore\n{search.DOCS_BEGIN}\nold\n{search.DOCS_END}\nafter\n", encoding="utf-8")
    search.write_docs("new table", page)
    assert page.read_text(encoding="utf-8") == (
        f"# Perf\n\nbefore\n{search.DOCS_BEGIN}\nnew table\n{search.DOCS_END}\nafter\n")
