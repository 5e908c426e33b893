"""The index row is written in the dataset's own transaction: every change
is visible to the very next search, and a failed indexing rolls the dataset
change back."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as plugins

from ckanext.issy.search.schema import index_table
from tests.search.support import (
    act, dataset, found, index_row, member, names, patch, search,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

REFUSING = "issy_test_refusing_index"


class RefusingIndexPlugin(plugins.SingletonPlugin):
    """An extension whose ``before_dataset_index`` fails on some datasets."""

    plugins.implements(plugins.IPackageController, inherit=True)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        if "refusé" in (pkg_dict.get("title") or ""):
            raise RuntimeError("indexation refusée")
        return pkg_dict


@pytest.fixture
def refusing_index(with_plugins: None, app: Any, provide_plugin: Any) -> Iterator[None]:
    # After the app: creating it reloads the plugins of ckan.plugins only.
    plugins.load(REFUSING)
    yield
    # While provide_plugin can still find it by name.
    plugins.unload(REFUSING)


def unsearchable_datasets() -> set[str]:
    """Active datasets the index does not hold."""
    model.Session.remove()
    active = sa.select(model.package_table.c.id).where(
        model.package_table.c.state == "active")
    indexed = sa.select(index_table.c.id)
    return set(model.Session.execute(active.except_(indexed)).scalars())


def test_a_created_dataset_is_found_by_the_next_search(issy: dict[str, Any]) -> None:
    dataset("elections-municipales-2020", "Élections municipales 2020", issy)
    assert found("elections-municipales-2020")
    assert names(search(q="municipales")) == ["elections-municipales-2020"]


def test_an_updated_dataset_is_found_by_its_new_content(issy: dict[str, Any]) -> None:
    dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    patch("budget-primitif-2024", title="Budget supplémentaire 2024",
          tags=[{"name": "budget"}])
    assert names(search(q="supplementaire")) == ["budget-primitif-2024"]
    assert names(search(q="title:primitif")) == []
    assert names(search(fq='tags:"budget"')) == ["budget-primitif-2024"]


def test_a_dataset_made_private_disappears_for_the_public(
        app: Any, issy: dict[str, Any]) -> None:
    dataset("effectifs-municipaux", "Effectifs municipaux", issy)
    patch("effectifs-municipaux", private=True)
    anonymous = app.get("/api/3/action/package_search",
                        query_string={"q": "effectifs"}).json["result"]
    assert anonymous["count"] == 0
    assert found("effectifs-municipaux", member(issy), include_private=True)


def test_a_deleted_dataset_is_not_found_and_leaves_the_index(issy: dict[str, Any]) -> None:
    old = dataset("recensement-1999", "Recensement 1999", issy)
    act("package_delete", id=old["id"])
    assert not found("recensement-1999")
    assert index_row(old["id"]) is None


def test_a_purged_dataset_leaves_the_index(issy: dict[str, Any]) -> None:
    old = dataset("recensement-1999", "Recensement 1999", issy)
    act("dataset_purge", id=old["id"])
    assert index_row(old["id"]) is None


@pytest.mark.ckan_config("ckan.search.remove_deleted_packages", False)
def test_purging_a_kept_deleted_dataset_removes_its_row(issy: dict[str, Any]) -> None:
    old = dataset("recensement-1999", "Recensement 1999", issy)
    act("package_delete", id=old["id"])
    assert index_row(old["id"]) is not None
    act("dataset_purge", id=old["id"])
    assert index_row(old["id"]) is None


def test_bulk_private_public_and_delete_reach_the_index(
        app: Any, issy: dict[str, Any]) -> None:
    ids = [dataset(f"bureau-de-vote-{n}", f"Bureau de vote {n}", issy)["id"]
           for n in (1, 2)]

    def public_count() -> int:
        return app.get("/api/3/action/package_search",
                       query_string={"q": "bureau"}).json["result"]["count"]

    act("bulk_update_private", datasets=ids, org_id=issy["id"])
    assert public_count() == 0
    act("bulk_update_public", datasets=ids, org_id=issy["id"])
    assert public_count() == 2
    act("bulk_update_delete", datasets=ids[:1], org_id=issy["id"])
    assert public_count() == 1
    assert index_row(ids[0]) is None


@pytest.mark.provide_plugin(REFUSING, RefusingIndexPlugin)
@pytest.mark.usefixtures("refusing_index")
def test_a_failing_before_dataset_index_rolls_the_creation_back(
        app: Any, sysadmin: dict[str, Any], issy: dict[str, Any]) -> None:
    response = app.post(
        "/api/3/action/package_create",
        json={"name": "budget-refuse", "title": "Budget refusé",
              "owner_org": issy["id"]},
        headers={"Authorization": sysadmin["token"]},
    )
    assert response.status_code == 500
    assert response.json["error"]["__type"] == "Search Index Error"
    model.Session.remove()
    assert model.Package.get("budget-refuse") is None
    assert unsearchable_datasets() == set()


@pytest.mark.provide_plugin(REFUSING, RefusingIndexPlugin)
@pytest.mark.usefixtures("refusing_index")
def test_a_failing_before_dataset_index_rolls_the_update_back(
        app: Any, sysadmin: dict[str, Any], issy: dict[str, Any]) -> None:
    budget = dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    response = app.post(
        "/api/3/action/package_patch",
        json={"id": budget["id"], "title": "Budget refusé"},
        headers={"Authorization": sysadmin["token"]},
    )
    assert response.status_code == 500
    model.Session.remove()
    assert model.Package.get(budget["id"]).title == "Budget primitif 2024"
    assert names(search(q="title:primitif")) == ["budget-primitif-2024"]
    assert unsearchable_datasets() == set()


def test_package_show_reads_the_validated_dict_from_the_index(
        issy: dict[str, Any]) -> None:
    from ckan.lib import search as ckan_search

    budget = dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    indexed = ckan_search.show("budget-primitif-2024")
    assert indexed["id"] == budget["id"]
    assert "validated_data_dict" in indexed
    shown = act("package_show", id="budget-primitif-2024")
    assert shown["organization"]["title"] == "Ville d'Issy-les-Moulineaux"


def test_index_rows_hold_the_document_ckan_built(issy: dict[str, Any]) -> None:
    budget = dataset("budget-primitif-2024", "Budget primitif 2024", issy,
                     tags=[{"name": "budget"}, {"name": "finances"}],
                     private=True)
    row = index_row(budget["id"])
    assert row.capacity == "private"
    assert row.organization == "ville-d-issy-les-moulineaux"
    assert sorted(row.tags) == ["budget", "finances"]
    assert row.permission_labels == [f"member-{issy['id']}"]
    assert row.doc["index_id"] and row.doc["site_id"] == "issy-test"
