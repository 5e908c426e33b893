"""The theme's logic that needs no page: settings, ordering, words."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.model as model

from ckanext.issy.theme import catalogue, helpers, settings
from ckanext.issy.theme.views import _reordered


@pytest.mark.parametrize("ids, view_id, move, expected", [
    (["a", "b"], "c", "add", ["a", "b", "c"]),
    (["a", "b"], "a", "add", ["a", "b"]),
    (["a", "b", "c"], "b", "up", ["b", "a", "c"]),
    (["a", "b", "c"], "b", "down", ["a", "c", "b"]),
    (["a", "b"], "a", "up", ["a", "b"]),
    (["a", "b"], "b", "down", ["a", "b"]),
    (["a", "b"], "a", "remove", ["b"]),
    (["a", "b"], "z", "remove", ["a", "b"]),
    (["a", "b"], "a", "sideways", ["a", "b"]),
])
def test_reordered(ids, view_id, move, expected) -> None:
    assert _reordered(ids, view_id, move) == expected


@pytest.mark.ckan_config("ckanext.issy.theme.social_links",
                         "Mastodon|https://m.example/@v Bad|javascript:alert(1) Page_Facebook|http://f.example nourl")
def test_social_links_keep_only_http_urls() -> None:
    assert settings.social_links() == [("Mastodon", "https://m.example/@v"),
                                       ("Page Facebook", "http://f.example")]


@pytest.mark.usefixtures("with_request_context")
@pytest.mark.parametrize("value, expected", [
    ("http://publications.europa.eu/resource/authority/frequency/MONTHLY", "tous les mois"),
    ("annual", "tous les ans"),
    ("Chaque lundi", "Chaque lundi"),
    ("", ""),
    (None, ""),
])
def test_frequency_in_french_words(value, expected) -> None:
    assert helpers.issy_frequency(value) == expected


@pytest.mark.usefixtures("with_request_context")
@pytest.mark.parametrize("size, expected", [(512, "512 octets"), (123456, "123,5 ko"),
                                            (5_000_000, "5 Mo"), ("x", ""), (None, "")])
def test_filesize_in_french(size, expected) -> None:
    assert helpers.issy_filesize(size).replace("\u00a0", " ") == expected


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_popular_falls_back_to_newest_until_views_are_counted(portal: dict[str, Any]) -> None:
    from ckanext.tracking.model import TrackingSummary

    first = catalogue.popular(5)
    assert first["counted"] is False
    assert [d["name"] for d in first["datasets"]] == ["hostile", "budget-2024"]

    model.Session.add(TrackingSummary(url="/dataset/budget-2024", package_id=portal["budget"]["id"],
                                      count=3, running_total=3, recent_views=3,
                                      tracking_date=None, tracking_type="page"))
    model.Session.commit()
    assert catalogue.popular(5)["counted"] is True


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_key_figures(portal: dict[str, Any]) -> None:
    figures = catalogue.key_figures()

    assert (figures["datasets"], figures["organizations"], figures["visualisations"]) == (2, 1, 2)
    assert figures["population"] == 68000
    assert figures["last_update"] is not None


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "with_request_context")
@pytest.mark.parametrize("extras", [
    [{"key": "issy_budget_document", "value": "compte administratif"}],  # no year: nothing to match
    [{"key": "temporal_start", "value": "2023-01-01"}],  # neither a budget document nor projects
    [{"key": "temporal_start", "value": "2023-01-01"}, {"key": "scdl_document", "value": "compte\x00administratif"}],
])
def test_related_finance_finds_nothing_rather_than_failing(extras: list[dict[str, str]]) -> None:
    assert catalogue.related_finance({"id": "a", "extras": extras}) == []


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "with_request_context")
def test_a_request_reads_a_raw_dataset_once(portal: dict[str, Any]) -> None:
    """The dataset and resource pages ask for it from several blocks."""
    first = catalogue.raw_dataset(portal["budget"]["id"])
    assert catalogue.raw_dataset(portal["budget"]["id"]) is first
    assert catalogue.raw_resource(portal["budget"]["id"], portal["resource"]["id"])["id"] == portal["resource"]["id"]
