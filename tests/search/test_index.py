"""Writing index rows: one upsert statement for every document, compiled
once, whose vectors are those of the document's own weights."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ckan.model as model

from ckanext.issy.search import text
from tests.search.support import dataset, index_row

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def index_writes() -> Iterator[list[bool]]:
    """For each row written to the index, whether SQLAlchemy took the
    statement's compiled form from its cache."""
    hits: list[bool] = []

    def record(_connection: Any, _cursor: Any, statement: str, _parameters: Any,
               context: Any, _executemany: bool) -> None:
        if statement.startswith("INSERT INTO issy_search_index "):
            hits.append(context.cache_hit is context.dialect.CACHE_HIT)

    sa.event.listen(model.meta.engine, "after_cursor_execute", record)
    yield hits
    sa.event.remove(model.meta.engine, "after_cursor_execute", record)


def test_the_upsert_is_compiled_once_then_taken_from_the_cache(
        issy: dict[str, Any], index_writes: list[bool]) -> None:
    dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    dataset("elections-municipales-2020", "Élections municipales 2020", issy,
            notes="Résultats par bureau de vote", tags=[{"name": "élections"}])
    assert len(index_writes) >= 2
    assert all(index_writes[1:])


def test_weights_a_dataset_lacks_add_nothing_to_its_vectors(issy: dict[str, Any]) -> None:
    """Every row is written by the same statement; the vector holds the
    values of the weights the dataset has (here no notes, tags or groups),
    apart, positions included."""
    created = dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    row = index_row(created["id"])
    texts, weights = text.weighted_values(row.terms)
    assert set(weights) == {"A", "D"}
    assert texts[0] == "Budget primitif 2024"
    stored = sa.text(
        f"SELECT search_vector = {text.gapped_vector_sql('texts', 'weights')},"
        " suggest_vector = setweight(to_tsvector('issy_simple', :title), 'A')"
        " || setweight(to_tsvector('issy_simple', :name), 'B')"
        " FROM issy_search_index WHERE id = :id"
    ).bindparams(sa.bindparam("texts", type_=postgresql.JSONB))
    assert tuple(model.Session.execute(stored, {
        "texts": texts, "weights": weights, "id": created["id"],
        "title": "Budget primitif 2024", "name": "budget-primitif-2024",
    }).one()) == (True, True)
