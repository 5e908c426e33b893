"""``ckan search-index`` rebuild, clear, check and show work on the
PostgreSQL index."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.cli.cli import ckan

from ckanext.issy.search.schema import index_table
from tests.search.support import index_row, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def run(cli: Any, *args: str) -> str:
    result = cli.invoke(ckan, ["search-index", *args])
    assert result.exit_code == 0, result.output
    return result.output


def indexed_rows() -> list[tuple[Any, ...]]:
    model.Session.remove()
    query = sa.select(index_table.c.id, index_table.c.doc,
                      index_table.c.validated_data_dict)
    return sorted(model.Session.execute(query).all())


def test_clear_empties_the_index_and_rebuild_refills_it(cli: Any, catalogue: Any) -> None:
    before = indexed_rows()
    run(cli, "clear")
    assert indexed_rows() == []
    assert search()["count"] == 0
    run(cli, "rebuild", "-q")
    assert search()["count"] == 5
    # The rebuilt documents are the ones dataset writes indexed.
    assert [row[2] for row in indexed_rows()] == [row[2] for row in before]


def test_rebuild_is_idempotent(cli: Any, catalogue: Any) -> None:
    run(cli, "rebuild", "-q")
    once = indexed_rows()
    run(cli, "rebuild", "-q")
    assert indexed_rows() == once
    assert len(once) == 5


def test_clear_one_dataset_then_rebuild_only_missing(cli: Any, catalogue: Any) -> None:
    budget_id = catalogue["budget"]["id"]
    run(cli, "clear", "budget-primitif-2024")
    assert index_row(budget_id) is None
    assert search()["count"] == 4
    assert "Packages not indexed = 1 out of 5" in run(cli, "check")
    run(cli, "rebuild", "-o", "-q")
    assert index_row(budget_id) is not None
    assert "Packages not indexed = 0 out of 5" in run(cli, "check")


def test_rebuild_one_dataset(cli: Any, catalogue: Any) -> None:
    run(cli, "clear")
    run(cli, "rebuild", "budget-primitif-2024")
    assert [r["name"] for r in search()["results"]] == ["budget-primitif-2024"]


def test_rebuild_with_commit_each_and_force(cli: Any, catalogue: Any) -> None:
    run(cli, "clear")
    run(cli, "rebuild", "-e", "-i", "-q")
    assert search()["count"] == 5


def test_show_prints_the_index_document(cli: Any, catalogue: Any) -> None:
    output = run(cli, "show", "budget-primitif-2024")
    assert "'name': 'budget-primitif-2024'" in output
    assert "validated_data_dict" in output
