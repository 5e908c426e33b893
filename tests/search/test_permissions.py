"""Who finds what: private datasets by permission labels, drafts for their
creators, deleted datasets on request, exactly as CKAN asks Solr."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import factories
from tests.search.support import act, dataset, found, index_row, member, names, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def private_dataset(issy: dict[str, Any]) -> dict[str, Any]:
    return dataset("effectifs-municipaux", "Effectifs municipaux", issy,
                   private=True, tags=[{"name": "ressources-humaines"}])


def anonymous_search(app: Any, **params: Any) -> list[str]:
    response = app.get("/api/3/action/package_search", query_string=params)
    assert response.status_code == 200
    return names(response.json["result"])


def test_anonymous_visitors_never_find_private_datasets(
        app: Any, private_dataset: dict[str, Any]) -> None:
    assert anonymous_search(app, q="effectifs", include_private=True) == []
    assert anonymous_search(app, q="effectifs") == []


def test_members_find_their_organisation_private_datasets(
        issy: dict[str, Any], private_dataset: dict[str, Any]) -> None:
    agent = member(issy)
    assert found("effectifs-municipaux", agent, include_private=True)
    # Not without asking for private datasets, as with Solr.
    assert not found("effectifs-municipaux", agent)


def test_members_of_another_organisation_do_not(
        grand_paris: dict[str, Any], private_dataset: dict[str, Any]) -> None:
    neighbour = member(grand_paris, "admin")
    assert not found("effectifs-municipaux", neighbour, include_private=True)


def test_users_outside_any_organisation_do_not(private_dataset: dict[str, Any]) -> None:
    assert not found("effectifs-municipaux", factories.User(), include_private=True)


def test_sysadmins_find_every_private_dataset(private_dataset: dict[str, Any]) -> None:
    assert found("effectifs-municipaux", factories.Sysadmin(), include_private=True)


def test_private_datasets_are_counted_only_for_those_who_see_them(
        app: Any, issy: dict[str, Any], private_dataset: dict[str, Any]) -> None:
    dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    agent = member(issy)
    labels = {"include_private": True, "facet.field": ["organization"]}
    assert search(agent, **labels)["facets"]["organization"] == {
        "ville-d-issy-les-moulineaux": 2}
    response = app.get("/api/3/action/package_search",
                       query_string={"include_private": True,
                                     "facet.field": '["organization"]'})
    assert response.json["result"]["facets"]["organization"] == {
        "ville-d-issy-les-moulineaux": 1}


@pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True)
def test_drafts_without_organisation_are_found_by_their_creator_only() -> None:
    creator = factories.User()
    factories.Dataset(name="plan-velo", title="Plan vélo", state="draft",
                      user=creator)
    assert found("plan-velo", creator, include_drafts=True)
    assert not found("plan-velo", creator)
    assert not found("plan-velo", factories.User(), include_drafts=True)
    assert found("plan-velo", factories.Sysadmin(), include_drafts=True)


def test_organisation_drafts_follow_the_organisation_labels(
        app: Any, issy: dict[str, Any], grand_paris: dict[str, Any]) -> None:
    editor = member(issy, "editor")
    dataset("plan-velo", "Plan vélo", issy, state="draft", user=editor)
    assert found("plan-velo", editor, include_drafts=True)
    assert found("plan-velo", member(issy), include_drafts=True)
    assert not found("plan-velo", member(grand_paris), include_drafts=True)
    assert anonymous_search(app, q="vélo", include_drafts=True) == []


def test_deleted_datasets_leave_the_index_by_default(issy: dict[str, Any]) -> None:
    old = dataset("recensement-1999", "Recensement 1999", issy)
    act("package_delete", id=old["id"])
    assert index_row(old["id"]) is None
    assert not found("recensement-1999", factories.Sysadmin(), include_deleted=True)


@pytest.mark.ckan_config("ckan.search.remove_deleted_packages", False)
def test_kept_deleted_datasets_are_found_only_with_include_deleted(
        issy: dict[str, Any]) -> None:
    old = dataset("recensement-1999", "Recensement 1999", issy)
    act("package_delete", id=old["id"])
    assert index_row(old["id"]).state == "deleted"
    admin = factories.Sysadmin()
    assert not found("recensement-1999", admin)
    assert found("recensement-1999", admin, include_deleted=True)
