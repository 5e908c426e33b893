"""Tag and format suggestions and lists offer only what the asking user may
read: a private dataset's and a draft's tags and formats stay hidden from
visitors and other users, through the four actions and the search bar's
/api/2/util endpoints."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from ckan.tests import factories
from ckan.tests.helpers import call_action

import ckan.plugins.toolkit as tk

from tests.search.support import act, dataset, member

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]

PUBLIC_TAGS = {"budget", "piscines-municipales"}
PRIVATE_TAG = "piscine-olympique-2030"  # an unannounced project
DRAFT_TAG = "piste-cyclable-secrete"
PUBLIC_FORMATS = {"csv", "geojson"}
PRIVATE_FORMAT = "gpkg"
DRAFT_FORMAT = "gpx"


@pytest.fixture
def users(issy: dict[str, Any], grand_paris: dict[str, Any]) -> dict[str, Optional[dict[str, Any]]]:
    """Who asks, after a public, a private and a draft dataset are made."""
    creator = factories.UserWithToken()
    agent = factories.UserWithToken()
    call_action("organization_member_create", id=issy["id"], username=agent["name"],
                role="member")
    dataset("piscines", "Fréquentation des piscines", issy,
            tags=[{"name": "piscines-municipales"}, {"name": "budget"}],
            resources=[{"url": "https://data.issy.com/piscines.csv", "format": "CSV"},
                       {"url": "https://data.issy.com/piscines.geojson", "format": "GeoJSON"}])
    dataset("piscine-olympique", "Projet de piscine olympique", issy, private=True,
            tags=[{"name": PRIVATE_TAG}],
            resources=[{"url": "https://data.issy.com/bassin.gpkg", "format": "GPKG"}])
    factories.Dataset(name="plan-velo", title="Plan vélo", state="draft", user=creator,
                      tags=[{"name": DRAFT_TAG}],
                      resources=[{"url": "https://data.issy.com/trace.gpx", "format": "GPX"}])
    return {"anonymous": None, "neighbour": member(grand_paris, "admin"),
            "agent": agent, "creator": creator, "sysadmin": factories.Sysadmin()}


def call(user: Optional[dict[str, Any]], action: str, **data: Any) -> Any:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return call_action(action, context=context, **data)


READERS = [
    ("anonymous", set(), set()),
    ("neighbour", set(), set()),
    ("agent", {PRIVATE_TAG}, {PRIVATE_FORMAT}),
    ("creator", {DRAFT_TAG}, {DRAFT_FORMAT}),
    ("sysadmin", {PRIVATE_TAG, DRAFT_TAG}, {PRIVATE_FORMAT, DRAFT_FORMAT}),
]


@pytest.mark.parametrize("who, tags, formats", READERS)
def test_tags_come_from_the_datasets_the_user_may_read(
        users: dict[str, Any], who: str, tags: set[str], formats: set[str]) -> None:
    user = users[who]
    readable = PUBLIC_TAGS | tags
    with_pis = {tag for tag in readable if "pis" in tag}
    assert set(call(user, "tag_list")) == readable
    assert {tag["name"] for tag in call(user, "tag_list", all_fields=True)} == readable
    assert set(call(user, "tag_list", query="pis")) == with_pis
    assert set(call(user, "tag_autocomplete", q="pis")) == with_pis
    found = call(user, "tag_search", query="PIS")
    assert found["count"] == len(with_pis)
    assert {tag["name"] for tag in found["results"]} == with_pis


@pytest.mark.parametrize("who, tags, formats", READERS)
def test_formats_come_from_the_datasets_the_user_may_read(
        users: dict[str, Any], who: str, tags: set[str], formats: set[str]) -> None:
    assert set(call(users[who], "format_autocomplete", q="G")) == \
        {name for name in PUBLIC_FORMATS | formats if "g" in name}


def test_the_search_bar_endpoints_answer_each_user_with_their_own(
        app: Any, users: dict[str, Any]) -> None:
    def offered(user: Optional[dict[str, Any]]) -> tuple[set[str], set[str]]:
        headers = {"Authorization": user["token"]} if user else {}
        tags = app.get("/api/2/util/tag/autocomplete", headers=headers,
                       query_string={"incomplete": "pis"}).json
        formats = app.get("/api/2/util/resource/format_autocomplete", headers=headers,
                          query_string={"incomplete": "g"}).json
        return ({tag["Name"] for tag in tags["ResultSet"]["Result"]},
                {name["Format"] for name in formats["ResultSet"]["Result"]})

    assert offered(None) == ({"piscines-municipales"}, {"geojson"})
    assert offered(users["agent"]) == ({"piscines-municipales", PRIVATE_TAG},
                                       {"geojson", PRIVATE_FORMAT})
    assert offered(users["creator"]) == ({"piscines-municipales", DRAFT_TAG},
                                         {"geojson", DRAFT_FORMAT})


def test_pages_are_cut_from_what_the_user_may_read(users: dict[str, Any]) -> None:
    admin = users["sysadmin"]
    every = call(admin, "tag_autocomplete", q="pis")
    assert len(every) == 3
    assert call(admin, "tag_autocomplete", q="pis", limit=2) == every[:2]
    assert call(admin, "tag_autocomplete", q="pis", limit="2", offset="1") == every[1:3]
    # The count is the user's, the page is cut from it.
    found = call(None, "tag_search", query="pis", limit=1, offset=0)
    assert found["count"] == 1
    assert [tag["name"] for tag in found["results"]] == ["piscines-municipales"]
    with pytest.raises(tk.ValidationError):
        call(admin, "tag_autocomplete", q="pis", limit="beaucoup")


def test_formats_are_ordered_by_the_number_of_datasets_and_limited(
        issy: dict[str, Any]) -> None:
    for name in ("budget-2023", "budget-2024"):
        dataset(name, name, issy, resources=[
            {"url": f"https://data.issy.com/{name}.csv", "format": "CSV"}])
    dataset("quartiers", "Quartiers", issy, resources=[
        {"url": "https://data.issy.com/q.json", "format": "JSON"},
        {"url": "https://data.issy.com/q.csv", "format": "csv"}])
    assert call(None, "format_autocomplete", q="s") == ["csv", "json"]
    assert call(None, "format_autocomplete", q="s", limit=1) == ["csv"]
    with pytest.raises(tk.ValidationError):
        call(None, "format_autocomplete")


def test_vocabulary_tags_are_listed_as_ckan_lists_them(issy: dict[str, Any]) -> None:
    """A vocabulary is public (vocabulary_show lists its tags), and its
    tags are chosen from it, never made up by a dataset's editor."""
    vocabulary = factories.Vocabulary(name="quartiers", tags=[
        {"name": "Les Épinettes"}, {"name": "Centre-Ville"}])
    assert set(call(None, "tag_list", vocabulary_id=vocabulary["id"])) == {
        "Les Épinettes", "Centre-Ville"}
    assert call(None, "tag_autocomplete", q="pinet", vocabulary_id="quartiers") == [
        "Les Épinettes"]


def test_a_deleted_tag_is_not_suggested_though_the_index_still_holds_it(
        issy: dict[str, Any]) -> None:
    created = dataset("piscines", "Piscines", issy, tags=[{"name": "piscines-municipales"}])
    act("tag_delete", id=created["tags"][0]["id"])
    assert call(None, "tag_list") == []
    assert call(None, "tag_autocomplete", q="pis") == []
