"""Facet totals: kept exact by the index's triggers through every kind of
write, and used only by the searches they can answer."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Optional

import pytest
import sqlalchemy as sa

import ckan.model as model

from ckanext.issy.search import facets
from ckanext.issy.search.connection import PostgresConnection, SearchRequest
from ckanext.issy.search.schema import TOTALS_SCOPE, index_table, totals_table
from tests.search.support import act, dataset, member, patch, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

FIELDS = ["organization", "license_id", "tags", "groups", "res_format", "frequency"]

Key = tuple[Any, ...]


def recount() -> Counter[Key]:
    """The totals, counted afresh in Python from the index rows."""
    counts: Counter[Key] = Counter()
    for row in model.Session.execute(sa.select(index_table)).mappings():
        scope = (*(row[name] for name in TOTALS_SCOPE), row["extra_fields_key"])
        scope = tuple(tuple(value) if isinstance(value, list) else value for value in scope)
        counts[(*scope, "", "")] += 1
        for name in ("organization", "license_id"):
            if row[name] is not None:
                counts[(*scope, name, row[name])] += 1
        for name in ("tags", "groups", "res_format"):
            for value in row[name]:
                counts[(*scope, name, value)] += 1
        for name, values in (row["extra_terms"] or {}).items():
            for value in values:
                counts[(*scope, name, value)] += 1
    return counts


def totals() -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in model.Session.execute(sa.select(totals_table)).mappings():
        key = [row[name] for name in (*TOTALS_SCOPE, "extra_fields_key", "field", "value")]
        counts[tuple(tuple(value) if isinstance(value, list) else value for value in key)] = row["n"]
    return counts


def assert_totals_exact() -> None:
    model.Session.remove()
    assert totals() == recount()
    assert all(count > 0 for count in totals().values())


def test_totals_follow_every_kind_of_write(issy: dict[str, Any], grand_paris: dict[str, Any]) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy, license_id="lov2",
            tags=[{"name": "budget"}, {"name": "finances"}],
            extras=[{"key": "frequency", "value": "annuelle"}],
            resources=[{"url": "https://data.issy.com/b.csv", "format": "CSV"},
                       {"url": "https://data.issy.com/b2.csv", "format": "CSV"}])
    parking = dataset("parkings", "Parkings en temps réel", grand_paris,
                      tags=[{"name": "stationnement"}])
    dataset("effectifs", "Effectifs municipaux", issy, private=True, tags=[{"name": "budget"}])
    assert_totals_exact()

    patch("budget-2024", tags=[{"name": "budget"}, {"name": "élections"}])
    patch("parkings", private=True)
    assert_totals_exact()

    act("package_delete", id="effectifs")
    act("dataset_purge", id=parking["id"])
    assert_totals_exact()
    assert totals()  # what is left is counted


def test_a_rebuild_in_one_transaction_leaves_exact_totals(issy: dict[str, Any]) -> None:
    from ckan.lib.search import rebuild

    for number in range(5):
        dataset(f"budget-{number}", f"Budget {number}", issy, tags=[{"name": "budget"}])
    rebuild(defer_commit=True)  # one statement per dataset, one commit
    model.Session.commit()
    assert_totals_exact()
    leftovers = sa.text("SELECT (SELECT count(*) FROM issy_search_facet_deltas)"
                        " + (SELECT count(*) FROM issy_search_facet_pending)")
    assert model.Session.execute(leftovers).scalar_one() == 0


def test_a_transaction_counts_its_own_index_writes_before_its_commit(issy: dict[str, Any]) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy, tags=[{"name": "budget"}])
    connection = PostgresConnection(model.Session)
    connection.delete(q="*:*")  # not committed: the totals still count the dataset
    response = connection.search("*:*", facet="true", rows=0, **{"facet.field": ["tags"]})
    assert response.hits == 0
    assert response.facets["facet_fields"]["tags"] == []
    model.Session.rollback()
    assert_totals_exact()


def test_concurrent_writers_of_the_same_totals_both_count(issy: dict[str, Any]) -> None:
    """Two transactions retag datasets of the same organisation and commit
    together: both commits reach the totals, neither deadlocks."""
    dataset("budget-2024", "Budget primitif 2024", issy, tags=[{"name": "budget"}])
    dataset("budget-2025", "Budget primitif 2025", issy, tags=[{"name": "budget"}])
    model.Session.remove()
    both_written = threading.Barrier(2)
    errors: list[BaseException] = []

    def retag(name: str, tag: str) -> None:
        try:
            with model.meta.engine.begin() as connection:
                connection.execute(sa.update(index_table).where(index_table.c.name == name)
                                   .values(tags=["budget", tag]))
                both_written.wait(timeout=10)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    writers = [threading.Thread(target=retag, args=args)
               for args in (("budget-2024", "finances"), ("budget-2025", "finances"))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert_totals_exact()
    assert totals()[next(key for key in totals() if key[-2:] == ("tags", "finances"))] == 2


def test_truncating_the_index_empties_the_totals(issy: dict[str, Any]) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy, tags=[{"name": "budget"}])
    model.Session.execute(sa.text("TRUNCATE issy_search_index"))
    model.Session.commit()
    assert totals() == Counter()


def compiled(q: str = "*:*", fq: Optional[list[str]] = None) -> Any:
    return SearchRequest.from_solr(q, {"fq": fq or []}).compile(model.Session).condition


def searched_fq(user: Optional[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``fq`` CKAN's package_search sends for ``user``'s dataset page."""
    sent: list[Any] = []
    original = PostgresConnection.search

    def spy(self: PostgresConnection, q: Any = None, **params: Any) -> Any:
        sent.append(params["fq"])
        return original(self, q, **params)

    monkeypatch.setattr(PostgresConnection, "search", spy)
    search(user, q="", **{"facet.field": FIELDS})
    monkeypatch.undo()
    return sent[0]


def test_the_dataset_page_without_a_query_is_answered_from_the_totals(
        issy: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy)
    for user in (None, member(issy)):
        assert facets._on_totals(compiled(fq=searched_fq(user, monkeypatch))) is not None


@pytest.mark.parametrize("q, fq", [
    ("budget", []),
    ("*:*", ["organization:ville-d-issy-les-moulineaux"]),
    ("*:*", ["tags:budget"]),
    ("*:*", ["metadata_modified:[NOW-1MONTH TO *]"]),
    ("*:*", ["frequency:annuelle"]),
], ids=["text", "organization", "tag", "date", "extra field"])
def test_a_search_filtered_on_other_columns_counts_its_rows(q: str, fq: list[str]) -> None:
    assert facets._on_totals(compiled(q, fq)) is None


@pytest.mark.parametrize("mincount", [0, 1, 2])
@pytest.mark.parametrize("who", ["visitor", "member", "sysadmin"])
def test_totals_and_rows_give_the_same_facets(
        who: str, mincount: int, issy: dict[str, Any], grand_paris: dict[str, Any],
        sysadmin: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy, license_id="lov2",
            tags=[{"name": "budget"}, {"name": "finances"}],
            extras=[{"key": "frequency", "value": "annuelle"}],
            resources=[{"url": "https://data.issy.com/b.csv", "format": "CSV"}])
    dataset("depenses", "Dépenses mensuelles", issy, private=True, tags=[{"name": "budget"}],
            extras=[{"key": "frequency", "value": "mensuelle"}])
    dataset("parkings", "Parkings", grand_paris, tags=[{"name": "stationnement"}],
            resources=[{"url": "https://data.gpso.fr/p.json", "format": "JSON"}])
    user = {"visitor": None, "member": member(issy), "sysadmin": sysadmin}[who]
    condition = compiled(fq=searched_fq(user, monkeypatch))
    request = facets.FacetRequest(FIELDS, limit=-1, mincount=mincount, sort=None)
    fields = [facets._facetable(name) for name in FIELDS]

    from_totals = facets._from_totals(model.Session, fields, condition, request)
    assert from_totals is not None
    answer = sorted(model.Session.execute(from_totals).all())
    assert answer == sorted(model.Session.execute(facets._counts(fields, condition, request)).all())
    assert answer  # something was counted


@pytest.mark.parametrize("who", ["visitor", "member", "sysadmin"])
def test_a_listing_counts_its_datasets_from_the_totals(
        who: str, issy: dict[str, Any], grand_paris: dict[str, Any],
        sysadmin: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A full page of the home page's listings needs the number of
    matching datasets: summed from the totals, the same as counted."""
    dataset("budget-2024", "Budget primitif 2024", issy)
    dataset("depenses", "Dépenses mensuelles", issy, private=True)
    dataset("parkings", "Parkings", grand_paris)
    dataset("brouillon", "Brouillon", grand_paris, state="draft")
    user = {"visitor": None, "member": member(issy), "sysadmin": sysadmin}[who]
    condition = compiled(fq=searched_fq(user, monkeypatch))
    counted = model.Session.execute(sa.select(sa.func.count()).select_from(index_table)
                                    .where(condition)).scalar_one()

    assert facets.matched_from_totals(model.Session, condition) == counted
    assert counted == 2  # the public, active ones (package_search leaves private ones out by default)
    with_page = search(user, q="", rows=1, sort="metadata_created desc")
    assert with_page["count"] == counted and len(with_page["results"]) == 1


def test_a_listing_filtered_on_other_columns_or_written_in_this_transaction_counts_its_rows(
        issy: dict[str, Any]) -> None:
    dataset("budget-2024", "Budget primitif 2024", issy, tags=[{"name": "budget"}])
    assert facets.matched_from_totals(model.Session, compiled("*:*", ["tags:budget"])) is None
    connection = PostgresConnection(model.Session)
    connection.delete(q="*:*")  # not committed: the totals still count the dataset
    assert connection.search("*:*", rows=0).hits == 0
    model.Session.rollback()
