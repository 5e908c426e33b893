"""Writing index rows: one upsert statement for every document, compiled
once, whose vectors are those of the document's own weights."""
from __future__ import annotations

import functools
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

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
    """Every row is written with the text of all four weights; the vector
    is the one of the weights the dataset has (here no notes, tags or
    groups), positions included."""
    created = dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    row = index_row(created["id"])
    texts = text.weighted_texts(row.terms)
    assert set(texts) == {"A", "D"}
    expected = functools.reduce(lambda left, right: left.op("||")(right), [
        sa.func.setweight(sa.func.to_tsvector(text.config(name), words), weight)
        for weight, words in texts.items() for name in (text.FRENCH, text.EXACT)
    ])
    suggest = sa.func.setweight(sa.func.to_tsvector(text.config(text.EXACT), "Budget primitif 2024"), "A").op("||")(
        sa.func.setweight(sa.func.to_tsvector(text.config(text.EXACT), "budget-primitif-2024"), "B"))
    stored = sa.select(
        sa.literal_column("search_vector").op("=")(expected),
        sa.literal_column("suggest_vector").op("=")(suggest),
    ).select_from(sa.table("issy_search_index")).where(sa.literal_column("id") == created["id"])
    assert tuple(model.Session.execute(stored).one()) == (True, True)
