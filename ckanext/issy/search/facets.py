"""Facet counts over the datasets a query matches, in Solr's shape.

Each facet is one SQL ``GROUP BY`` over the field's values (``unnest()`` of
the text[] columns, the JSONB ``terms`` elements otherwise), counting
distinct datasets as Solr counts documents, not values.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import resolve
from ckanext.issy.search.schema import index_table

SORT_COUNT = "count"
SORT_INDEX = "index"


@dataclasses.dataclass(frozen=True)
class FacetRequest:
    """Solr's ``facet.field``, ``facet.limit`` (negative: no limit),
    ``facet.mincount`` and ``facet.sort`` (default: ``count`` when limited,
    ``index`` otherwise, as Solr)."""

    fields: Sequence[str]
    limit: int
    mincount: int
    sort: Optional[str]

    @property
    def order(self) -> str:
        if self.sort is None:
            return SORT_COUNT if self.limit > 0 else SORT_INDEX
        if self.sort not in (SORT_COUNT, SORT_INDEX):
            raise InvalidQuery(
                f'Invalid "facet.sort" {self.sort!r}: use "count" or "index"'
            )
        return self.sort


def facet_counts(session: Session, condition: ColumnElement,
                 request: FacetRequest) -> dict[str, list[Any]]:
    """``{field: [value, count, value, count, ...]}``, Solr's
    ``facet_counts.facet_fields``."""
    return {
        name: _flatten(session.execute(_facet_query(name, condition, request)))
        for name in dict.fromkeys(request.fields)
    }


def _facet_query(name: str, condition: ColumnElement,
                 request: FacetRequest) -> sa.Select:
    field = resolve(name, catch_all=True)
    if not field.facetable:
        raise InvalidQuery(f"Cannot facet on text or date field {name!r}")
    values = sa.select(
        index_table.c.id.label("id"),
        field.facet_values().label("value"),
        condition.label("matched"),
    )
    if request.mincount > 0:
        # Values of unmatched datasets are not needed: count only matches.
        values = values.where(condition)
    values = values.subquery()
    count = sa.func.count(sa.distinct(values.c.id)).filter(values.c.matched)
    by_value = values.c.value.collate("C")
    query = (
        sa.select(values.c.value, count.label("count"))
        .where(values.c.value.isnot(None))
        .group_by(values.c.value)
    )
    if request.mincount > 0:
        query = query.having(count >= request.mincount)
    if request.order == SORT_COUNT:
        # Solr breaks count ties in index (code point) order.
        query = query.order_by(count.desc(), by_value)
    else:
        query = query.order_by(by_value)
    if request.limit >= 0:
        query = query.limit(request.limit)
    return query


def _flatten(rows: Any) -> list[Any]:
    flat: list[Any] = []
    for value, count in rows:
        flat.extend((value, count))
    return flat
