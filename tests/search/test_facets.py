"""Facets: computed in SQL over the matching datasets, returned in Solr's
shape, with facet.limit, facet.mincount and facet.sort."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model

from ckanext.issy.search.connection import PostgresConnection
from ckanext.issy.search.schema import index_table
from tests.search.support import dataset, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

FACETS = ["tags", "res_format", "organization", "groups", "license_id"]

# Counted from CKAN's own tables, independently of the search index: public
# active datasets per value.
PUBLIC = "p.state = 'active' AND NOT p.private"
INDEPENDENT_COUNTS = {
    "tags": f"""
        SELECT t.name, count(DISTINCT p.id) FROM package p
        JOIN package_tag pt ON pt.package_id = p.id AND pt.state = 'active'
        JOIN tag t ON t.id = pt.tag_id WHERE {PUBLIC} GROUP BY t.name""",
    "res_format": f"""
        SELECT r.format, count(DISTINCT p.id) FROM package p
        JOIN resource r ON r.package_id = p.id AND r.state = 'active'
        WHERE {PUBLIC} AND r.format <> '' GROUP BY r.format""",
    "organization": f"""
        SELECT g.name, count(*) FROM package p
        JOIN "group" g ON g.id = p.owner_org WHERE {PUBLIC} GROUP BY g.name""",
    "groups": f"""
        SELECT g.name, count(DISTINCT p.id) FROM package p
        JOIN member m ON m.table_id = p.id AND m.table_name = 'package'
            AND m.state = 'active'
        JOIN "group" g ON g.id = m.group_id AND NOT g.is_organization
        WHERE {PUBLIC} GROUP BY g.name""",
    "license_id": f"""
        SELECT p.license_id, count(*) FROM package p
        WHERE {PUBLIC} AND p.license_id IS NOT NULL GROUP BY p.license_id""",
}


def independent_count(field: str) -> dict[str, int]:
    rows = model.Session.execute(sa.text(INDEPENDENT_COUNTS[field]))
    return {name: count for name, count in rows}


@pytest.fixture
def with_hidden_datasets(catalogue: Any, issy: dict[str, Any]) -> None:
    """A private and a draft dataset, which public facets must not count."""
    dataset("effectifs-municipaux", "Effectifs municipaux", issy, private=True,
            tags=[{"name": "budget"}], resources=[{"url": "https://x.fr/e.xlsx",
                                                   "format": "XLSX"}])
    dataset("plan-velo", "Plan vélo", issy, state="draft",
            tags=[{"name": "budget"}, {"name": "vélo"}])


@pytest.mark.usefixtures("with_hidden_datasets")
@pytest.mark.parametrize("field", FACETS)
def test_facet_counts_equal_an_independent_sql_count(field: str) -> None:
    facets = search(rows=0, **{"facet.field": [field], "facet.limit": -1})["facets"]
    assert facets[field] == independent_count(field)
    assert facets[field]


def test_facets_count_only_the_datasets_the_query_matches(catalogue: Any) -> None:
    facets = search(fq="organization:grand-paris-seine-ouest",
                    **{"facet.field": ["tags", "res_format"]})["facets"]
    assert facets == {"tags": {"stationnement": 2, "budget": 1},
                      "res_format": {"GeoJSON": 1, "CSV": 1}}


def test_a_dataset_with_two_csv_files_counts_once(catalogue: Any) -> None:
    facets = search(fq="name:budget-primitif-2024",
                    **{"facet.field": ["res_format"]})["facets"]
    assert facets == {"res_format": {"CSV": 1, "JSON": 1}}


def test_facet_limit_keeps_the_most_frequent_values(catalogue: Any) -> None:
    def tags(limit: int) -> dict[str, int]:
        return search(rows=0, **{"facet.field": ["tags"],
                                 "facet.limit": limit})["facets"]["tags"]

    # budget and stationnement both count 2: ties go in alphabetical order.
    assert tags(1) == {"budget": 2}
    assert tags(2) == {"budget": 2, "stationnement": 2}
    assert len(tags(-1)) == 6


def test_facet_mincount_drops_rare_values(catalogue: Any) -> None:
    facets = search(rows=0, **{"facet.field": ["tags", "res_format"],
                               "facet.mincount": 2})["facets"]
    assert facets == {"tags": {"budget": 2, "stationnement": 2},
                      "res_format": {"CSV": 3}}


def test_search_facets_carry_display_names_for_templates(catalogue: Any) -> None:
    result = search(rows=0, **{"facet.field": ["organization", "license_id"]})
    organizations = result["search_facets"]["organization"]["items"]
    assert {"name": "ville-d-issy-les-moulineaux", "count": 3,
            "display_name": "Ville d'Issy-les-Moulineaux"} in organizations
    licenses = {item["name"]: item["display_name"]
                for item in result["search_facets"]["license_id"]["items"]}
    assert licenses["odc-odbl"] == "Open Data Commons Open Database License (ODbL)"


def solr_facets(**params: Any) -> list[Any]:
    """Facets as Solr returns them, from the connection CKAN queries (CKAN's
    package_search does not pass facet.sort through)."""
    response = PostgresConnection(model.Session).search(
        "*:*", facet="true", rows=0, **{"facet.field": ["tags"], **params})
    return response.facets["facet_fields"]["tags"]


def test_facet_sort_index_orders_values_alphabetically(catalogue: Any) -> None:
    assert solr_facets(**{"facet.sort": "index", "facet.limit": 3}) == [
        "budget", 2, "environnement", 1, "finances", 1]


def test_facet_sort_count_orders_by_frequency(catalogue: Any) -> None:
    assert solr_facets(**{"facet.sort": "count", "facet.limit": 3}) == [
        "budget", 2, "stationnement", 2, "environnement", 1]


def test_unlimited_facets_default_to_index_order_as_in_solr(catalogue: Any) -> None:
    values = solr_facets(**{"facet.limit": -1, "facet.mincount": 1})[0::2]
    assert values == sorted(values)


def test_facet_mincount_zero_lists_values_of_unmatched_datasets(catalogue: Any) -> None:
    response = PostgresConnection(model.Session).search(
        "name:arbres-remarquables", facet="true", rows=0,
        **{"facet.field": ["res_format"], "facet.mincount": 0})
    assert response.facets["facet_fields"]["res_format"] == [
        "CSV", 0, "GeoJSON", 0, "JSON", 0]


@pytest.fixture
def frequencies(issy: dict[str, Any]) -> None:
    """Datasets with and without the ``frequency`` extra, a field declared
    in ``ckanext.issy.search.extra_fields`` (by default)."""
    for name, frequency in (("depenses", "mensuelle"), ("recettes", "mensuelle"),
                            ("effectifs", "annuelle"), ("plan", None)):
        extras = [{"key": "frequency", "value": frequency}] if frequency else []
        dataset(name, name.title(), issy, extras=extras)


def frequency_facet() -> dict[str, int]:
    return search(rows=0, **{"facet.field": ["frequency"]})["facets"]["frequency"]


@pytest.mark.usefixtures("frequencies")
def test_a_declared_extra_field_is_kept_inline() -> None:
    rows = model.Session.execute(sa.select(index_table.c.name, index_table.c.extra_terms))
    extra_terms = {name: terms for name, terms in rows}
    assert extra_terms["depenses"] == {"frequency": ["mensuelle"]}
    assert extra_terms["plan"] == {}


@pytest.mark.usefixtures("frequencies")
def test_facets_on_a_declared_extra_field_count_datasets() -> None:
    assert frequency_facet() == {"mensuelle": 2, "annuelle": 1}


@pytest.mark.usefixtures("frequencies")
@pytest.mark.parametrize("key", [None, "[]"], ids=["before the migration",
                                                   "declared since indexing"])
def test_rows_indexed_with_other_declared_fields_are_counted_from_terms(key: Any) -> None:
    model.Session.execute(sa.update(index_table).where(index_table.c.name != "depenses")
                          .values(extra_terms=None if key is None else {}, extra_fields_key=key))
    model.Session.commit()
    assert frequency_facet() == {"mensuelle": 2, "annuelle": 1}


@pytest.mark.usefixtures("frequencies")
def test_rows_too_large_for_the_facet_index_are_counted_from_the_table() -> None:
    model.Session.execute(sa.update(index_table).where(index_table.c.name == "recettes")
                          .values(in_facet_index=False))
    model.Session.commit()
    assert frequency_facet() == {"mensuelle": 2, "annuelle": 1}
    assert search(rows=0, **{"facet.field": ["organization"]})["facets"] == {
        "organization": {"ville-d-issy-les-moulineaux": 4}}


def test_a_dataset_with_hundreds_of_tags_is_indexed_outside_the_facet_index(
        issy: dict[str, Any]) -> None:
    tags = [{"name": f"étiquette-{number:03d}-" + "x" * 80} for number in range(60)]
    dataset("inventaire", "Inventaire", issy, tags=tags)
    row = model.Session.execute(sa.select(index_table.c.in_facet_index)).scalar_one()
    assert row is False
    facets = search(rows=0, **{"facet.field": ["tags"], "facet.limit": -1})["facets"]
    assert len(facets["tags"]) == 60


@pytest.mark.usefixtures("frequencies")
@pytest.mark.ckan_config("ckanext.issy.search.extra_fields", "harvest_source_id")
def test_a_field_no_longer_declared_is_counted_from_terms() -> None:
    assert frequency_facet() == {"mensuelle": 2, "annuelle": 1}
