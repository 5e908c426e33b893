"""Facet counts over the datasets a query matches, in Solr's shape.

All the facets of a request come from one statement and one pass over the
matching rows (a materialised CTE holding only the faceted fields), each
counted by a hashed ``GROUP BY``. Solr counts documents, not values: a
scalar column holds one value per row, and the values of multi-valued
fields are distinct within each row (the text[] columns are stored so,
the lists of the JSONB ``terms`` are deduplicated here), so ``count(*)``
counts datasets, without the sort that ``count(DISTINCT id)`` needs.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import Field, Storage, resolve
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
    names = list(dict.fromkeys(request.fields))
    if not names:
        return {}
    fields = [_facetable(name) for name in names]
    rows = _matched_rows(fields, condition, request)
    statement = sa.union_all(*(
        _field_counts(position, field, rows, request)
        for position, field in enumerate(fields)
    ))
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    for position, value, count in session.execute(statement):
        counts[names[position]].append((value, count))
    return {
        name: _flatten(sorted(pairs, key=_sort_key(request.order)))
        for name, pairs in counts.items()
    }


def _facetable(name: str) -> Field:
    field = resolve(name, catch_all=True)
    if not field.facetable:
        raise InvalidQuery(f"Cannot facet on text or date field {name!r}")
    return field


def _matched_rows(fields: Sequence[Field], condition: ColumnElement,
                  request: FacetRequest) -> sa.CTE:
    """The faceted fields of the rows to count, read once: the matching
    rows, or every row and whether it matches when values counting zero
    are wanted (``facet.mincount`` 0)."""
    columns = [
        _row_values(field).label(f"f{position}")
        for position, field in enumerate(fields)
    ]
    rows = sa.select(*columns).select_from(index_table)
    if request.mincount > 0:
        rows = rows.where(condition)
    else:
        rows = rows.add_columns(condition.label("matched"))
    return rows.cte("facet_rows").prefix_with("MATERIALIZED")


def _row_values(field: Field) -> ColumnElement:
    """A row's values of ``field``: the column's value, or a text[] of
    distinct values (the array columns hold distinct values, index.py)."""
    if field.storage is Storage.COLUMN:
        return sa.cast(field.column, sa.UnicodeText)
    if field.storage is Storage.ARRAY:
        return field.column
    values = field.facet_values().table_valued("value")
    return sa.func.array(
        sa.select(values.c.value).distinct().scalar_subquery()
    )


def _field_counts(position: int, field: Field, rows: sa.CTE,
                  request: FacetRequest) -> sa.Select:
    """``(position, value, count)`` of one field, limited as asked."""
    values = rows.c[f"f{position}"]
    if field.storage is not Storage.COLUMN:
        # unnest() in the select list: one row per value, without the
        # per-row function scan of a lateral join.
        unnested = sa.select(sa.func.unnest(values).label("value"))
        if request.mincount <= 0:
            unnested = unnested.add_columns(rows.c.matched)
        rows = unnested.subquery()
        values = rows.c.value
    count = sa.func.count()
    if request.mincount <= 0:
        count = count.filter(rows.c.matched)
    query = (
        sa.select(sa.literal(position).label("position"),
                  values.label("value"), count.label("count"))
        .select_from(rows)
        .where(values.isnot(None))
        .group_by(values)
    )
    if request.mincount > 0:
        query = query.having(count >= request.mincount)
    if request.limit >= 0:
        by_value = values.collate("C")
        if request.order == SORT_COUNT:
            # Solr breaks count ties in index (code point) order.
            query = query.order_by(count.desc(), by_value)
        else:
            query = query.order_by(by_value)
        query = query.limit(request.limit)
    return query.subquery().select()


def _sort_key(order: str) -> Callable[[tuple[str, int]], tuple[Any, ...]]:
    """The order of ``_field_counts``'s rows, which ``UNION ALL`` does not
    keep: Python compares strings by code point, as the "C" collation."""
    if order == SORT_COUNT:
        return lambda pair: (-pair[1], pair[0])
    return lambda pair: (pair[0],)


def _flatten(pairs: Sequence[tuple[str, int]]) -> list[Any]:
    flat: list[Any] = []
    for value, count in pairs:
        flat.extend((value, count))
    return flat
