"""Harvested datasets stay linked to their harvest source, as ckanext-harvest's
own harvesters link theirs: the index has ``harvest_source_id`` (the source
page and ``fq`` find them) and ``package_show`` carries the harvest extras,
through updates, failures, withdrawals and ``harvest_source_clear``."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ckanext.issy.harvesters.core import publish
from ckanext.issy.harvesters.core.datastore import DataStoreError
from devstack import scdl_samples
from tests.harvesters.conftest import Feed, Harvest, errors
from tests.harvesters.test_finance import BP, CA, dataset

SYSADMIN: dict[str, Any] = {"ignore_auth": True}


def of_source(source: dict[str, Any]) -> list[str]:
    """Titles of the datasets that search finds for the source."""
    result = tk.get_action("package_search")(dict(SYSADMIN), {
        "fq": f'harvest_source_id:"{source["id"]}"', "rows": 100, "include_private": True})
    return sorted(d["title"] for d in result["results"])


def harvest_extras(package: dict[str, Any]) -> dict[str, str]:
    extras = {e["key"]: e["value"] for e in package["extras"]}
    return {key: extras.get(key) for key in ("harvest_object_id", "harvest_source_id", "harvest_source_title")}


def withdrawals(source: dict[str, Any]) -> int:
    return model.Session.query(HarvestObject).join(HarvestObjectExtra).filter(
        HarvestObject.harvest_source_id == source["id"],
        HarvestObjectExtra.key == "status", HarvestObjectExtra.value == "delete").count()


def current_object(package_id: str) -> HarvestObject:
    objects = model.Session.query(HarvestObject).filter(
        HarvestObject.package_id == package_id, HarvestObject.current.is_(True)).all()
    assert len(objects) == 1
    return objects[0]


def test_harvested_datasets_are_found_by_their_source_on_its_page_and_in_their_extras(
        harvest: Harvest, feed: Feed, app: Any) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)]})
    assert errors(harvest.run(source)) == []

    assert of_source(source) == ["Budget primitif 2024", "Compte administratif 2023"]
    package = dataset("Compte administratif 2023")
    assert harvest_extras(package) == {
        "harvest_object_id": current_object(package["id"]).id,
        "harvest_source_id": source["id"],
        "harvest_source_title": "Budgets de la ville",
    }
    page = app.get(f"/harvest/{source['name']}").get_data(as_text=True)
    assert "Budget primitif 2024" in page and "Compte administratif 2023" in page
    assert "There are no datasets" not in page


def test_an_updated_dataset_names_its_new_harvest_object(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    first = harvest_extras(dataset("Budget primitif 2024"))["harvest_object_id"]
    budget = scdl_samples.rows("budget primitif", 2024)
    budget[0]["BGT_MTPREV"] = 12345.67
    feed.serve_file(BP, scdl_samples.write(budget))

    assert errors(harvest.run(source)) == []

    package = dataset("Budget primitif 2024")
    assert harvest_extras(package)["harvest_object_id"] == current_object(package["id"]).id != first
    assert of_source(source) == ["Budget primitif 2024"]


def test_a_refused_update_keeps_the_dataset_linked_to_its_previous_object(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    before = harvest_extras(dataset("Budget primitif 2024"))
    budget = scdl_samples.rows("budget primitif", 2024)
    budget[3]["BGT_MTPREV"] = "douze euros"
    feed.serve_file(BP, scdl_samples.write(budget))

    assert any("douze euros" in message for message in errors(harvest.run(source)))

    package = dataset("Budget primitif 2024")
    assert harvest_extras(package) == before
    assert current_object(package["id"]).id == before["harvest_object_id"]
    assert of_source(source) == ["Budget primitif 2024"]


def test_a_new_dataset_whose_import_fails_is_not_left_half_published(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))

    def refuse(resource_id: str, *args: Any) -> None:
        raise DataStoreError(f"La table de {resource_id} n'a pas pu être chargée")

    with monkeypatch.context() as patch:
        patch.setattr(publish.datastore, "load", refuse)
        report = harvest.run(source)

    assert any("n'a pas pu être chargée" in message for message in errors(report))
    assert of_source(source) == []
    objects = model.Session.query(HarvestObject).filter(HarvestObject.harvest_source_id == source["id"]).all()
    assert [(o.current, o.package_id, o.state) for o in objects] == [(False, None, "ERROR")]
    assert model.Session.query(model.Package).filter(model.Package.type == "dataset").count() == 0

    assert errors(harvest.run(source)) == []
    assert of_source(source) == ["Budget primitif 2024"]


@pytest.mark.parametrize("withdraw, found", [("delete", []), ("mark", ["Compte administratif 2023"])])
def test_a_withdrawn_dataset_is_linked_while_it_stays_published(
        harvest: Harvest, feed: Feed, withdraw: str, found: list[str]) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)], "withdraw": withdraw})
    harvest.run(source)
    harvest.update(source, config={"withdraw": withdraw})

    harvest.run(source)
    assert errors(harvest.run(source)) == []

    assert withdrawals(source) == 1  # not repeated at every run
    assert of_source(source) == ["Budget primitif 2024", *found]


def test_harvest_source_clear_removes_the_datasets_of_the_source(harvest: Harvest, feed: Feed) -> None:
    feed.serve_file(BP)
    feed.serve_file(CA)
    source = harvest.source(feed.url(BP), {"urls": [feed.url(CA)]})
    harvest.run(source)

    tk.get_action("harvest_source_clear")({"user": harvest.sysadmin["name"]}, {"id": source["id"]})
    # As the next request would: the action's own SQL ends with a COMMIT that
    # the session does not know of (on CKAN 2.11 a savepoint then fails).
    model.Session.remove()

    assert of_source(source) == []
    assert model.Session.query(model.Package).filter(model.Package.type == "dataset").count() == 0


def test_a_search_index_rebuild_links_datasets_harvested_before_the_fix(
        harvest: Harvest, feed: Feed, cli: Any) -> None:
    """What docs/install.md's upgrade note says: datasets indexed before their
    harvest object was current are found again after ``ckan search-index rebuild``."""
    from ckan.cli.cli import ckan

    feed.serve_file(BP)
    source = harvest.source(feed.url(BP))
    harvest.run(source)
    package = dataset("Budget primitif 2024")
    # How the earlier versions left a new dataset: indexed while its object
    # was not current yet, so without the harvest extras.
    obj = current_object(package["id"])
    obj.current = False
    stored = model.Package.get(package["id"])
    stored.extras = {key: value for key, value in stored.extras.items() if not key.startswith("harvest_")}
    model.Session.commit()
    assert cli.invoke(ckan, ["search-index", "rebuild"]).exit_code == 0
    model.Session.query(HarvestObject).filter(HarvestObject.id == obj.id).update({"current": True})
    model.Session.commit()
    assert of_source(source) == []

    result = cli.invoke(ckan, ["search-index", "rebuild"])

    assert result.exit_code == 0, result.output
    assert of_source(source) == ["Budget primitif 2024"]
