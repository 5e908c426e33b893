"""Facet counts over the datasets a query matches, in Solr's shape.

All the facets of a request come from one statement. A search filtered only
on the columns CKAN always filters on (the dataset page and the home page
without a query or a chosen facet) sums the facet totals kept by the index's
triggers (migration e7c4a1f9b2d6), when it asks only facets they keep: one
total per facet value and visibility instead of every visible dataset (40
ms at 20,000 datasets, docs/performance.md), once a short query has checked
that they are current. Any other search makes one pass over its matching
rows, hashed into ``GROUPING SETS``. Solr counts documents, not
values: a scalar column holds one value per row, and the values of
multi-valued fields are distinct within each row (the text[] columns and
``extra_terms`` are stored so, the lists of the JSONB ``terms`` are
deduplicated here), so ``count(*)`` counts datasets, without the sort that
``count(DISTINCT id)`` needs.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import Field, Storage, extra_fields_key, inline, resolve
from ckanext.issy.search.schema import (
    TOTALS_SCOPE, index_table, pending_totals_table, totals_table,
)

SORT_COUNT = "count"
SORT_INDEX = "index"
# The position of the row holding the number of matching rows.
MATCHED = -1
# The facets the totals keep (besides the declared extra fields), and the
# field of the totals counting the datasets themselves.
TOTALLED = ("organization", "license_id", "tags", "groups", "res_format")
DATASETS = ""


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
                _('Invalid "facet.sort" "{sort}": use "count" or "index"').format(sort=self.sort)
            )
        return self.sort


@dataclasses.dataclass(frozen=True)
class FacetCounts:
    """Solr's ``facet_counts.facet_fields``, and the number of matching
    rows, counted in the same pass."""

    fields: dict[str, list[Any]]
    matched: int


def facet_counts(session: Session, condition: ColumnElement,
                 request: FacetRequest) -> Optional[FacetCounts]:
    """``{field: [value, count, value, count, ...]}`` and the number of
    matching rows; None when no field is asked."""
    names = list(dict.fromkeys(request.fields))
    if not names:
        return None
    fields = [_facetable(name) for name in names]
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    matched = 0
    statement = _from_totals(session, fields, condition, request)
    if statement is None:
        statement = _counts(fields, condition, request)
    for position, value, count in session.execute(statement):
        if position == MATCHED:
            matched = count
        else:
            counts[names[position]].append((value, count))
    return FacetCounts({
        name: _flatten(sorted(pairs, key=_sort_key(request.order)))
        for name, pairs in counts.items()
    }, matched)


def _facetable(name: str) -> Field:
    field = resolve(name, catch_all=True)
    if not field.facetable:
        raise InvalidQuery(_('Cannot facet on text or date field "{name}"').format(name=name))
    return field


def _from_totals(session: Session, fields: Sequence[Field], condition: ColumnElement,
                 request: FacetRequest) -> Optional[sa.Select]:
    """``_counts``'s rows summed from the facet totals, or None when the
    totals cannot answer: the condition bears on other columns than those
    of the totals' scope, a field is not totalled, or the totals are behind
    (``_totals_behind``)."""
    on_totals = _on_totals(condition)
    if on_totals is None or not all(_totalled(field) for field in fields):
        return None
    if _totals_behind(session, fields):
        return None
    totals = totals_table
    position = sa.case({field.name: position for position, field in enumerate(fields)},
                       value=totals.c.field)
    matching = sa.func.sum(totals.c.n).filter(on_totals)
    total = sa.cast(sa.func.coalesce(matching, 0), sa.BigInteger)
    counted = (
        sa.select(position.label("position"), totals.c.value, total.label("count"))
        .where(totals.c.field.in_([field.name for field in fields]))
        .group_by(totals.c.field, totals.c.value)
    )
    # Values counting zero (facet.mincount 0) are those of some indexed dataset.
    counted = counted.having(matching >= request.mincount if request.mincount > 0
                             else sa.func.sum(totals.c.n) > 0)
    matched = sa.select(sa.literal(MATCHED), sa.null(), total).where(totals.c.field == DATASETS)
    return sa.union_all(_limited(counted.subquery("facet_counts"), request), matched)


def matched_from_totals(session: Session, condition: ColumnElement) -> Optional[int]:
    """The number of datasets matching ``condition`` summed from the totals
    (a handful of rows instead of a count over every visible dataset: the
    home page's listings and the unfiltered dataset page), or None when
    the totals cannot answer."""
    on_totals = _on_totals(condition)
    if on_totals is None or _totals_behind(session, []):
        return None
    total = sa.func.coalesce(sa.func.sum(totals_table.c.n).filter(on_totals), 0)
    return session.execute(sa.select(total).where(totals_table.c.field == DATASETS)).scalar_one()


def _on_totals(condition: ColumnElement) -> Optional[ColumnElement]:
    """``condition`` on the totals' columns, or None when it reads other
    columns or a subquery of its own."""
    for element in visitors.iterate(condition):
        if isinstance(element, sa.sql.Selectable):
            return None
        if isinstance(element, sa.Column) and (
                element.table is not index_table or element.name not in TOTALS_SCOPE):
            return None

    def column(element: Any) -> Optional[sa.Column]:
        if isinstance(element, sa.Column) and element.table is index_table:
            return totals_table.c[element.name]
        return None

    return visitors.replacement_traverse(condition, {}, column)


def _totalled(field: Field) -> bool:
    return (field.storage is not Storage.TERMS and field.name in TOTALLED) or inline(field)


def _totals_behind(session: Session, fields: Sequence[Field]) -> bool:
    """Whether the totals may differ from the rows for ``fields``: this
    transaction wrote the index (the totals take its writes at its commit),
    or a requested extra field is one a dataset was indexed without (it was
    indexed while other extra fields were declared)."""
    own_writes = sa.select(pending_totals_table).where(
        pending_totals_table.c.txid == sa.func.txid_current_if_assigned())
    checks = [own_writes.exists()]
    if any(inline(field) for field in fields):
        checks.append(sa.select(totals_table).where(
            totals_table.c.field == DATASETS,
            totals_table.c.extra_fields_key.is_distinct_from(extra_fields_key())).exists())
    return session.execute(sa.select(sa.or_(*checks))).scalar_one()


def _matched_rows(fields: Sequence[Field], condition: ColumnElement,
                  request: FacetRequest) -> sa.Subquery:
    """The faceted fields of the rows to count: the matching rows, or every
    row and whether it matches when values counting zero are wanted
    (``facet.mincount`` 0).

    The rows whose facet values fit in the covering ``facets`` index
    (migration d3b8e1f6a9c2) are read from it alone, an index-only scan
    instead of the table's 3 KB rows, declared extra fields from their
    ``extra_terms`` when it holds the fields declared now; the others (too
    large, or indexed with other declared fields) are found through indexes
    and read from the table."""
    in_index = index_table.c.in_facet_index
    parts = [(sa.not_(in_index), False)]
    if any(inline(field) for field in fields):
        key, current = index_table.c.extra_fields_key, extra_fields_key()
        parts += [
            (sa.and_(in_index, key == current), True),
            # "IS DISTINCT FROM current", spelt so that the facets index,
            # keyed on extra_fields_key, finds these (usually no) rows.
            (sa.and_(in_index, sa.or_(key < current, key > current, key.is_(None))), False),
        ]
    else:
        parts.append((in_index, False))

    def rows(where: ColumnElement, inline_terms: bool) -> sa.Select:
        columns = [_row_values(field, inline_terms).label(f"f{position}")
                   for position, field in enumerate(fields)]
        if request.mincount > 0:
            return sa.select(*columns).where(where, condition)
        return sa.select(*columns, condition.label("matched")).where(where)

    return sa.union_all(*(rows(*part) for part in parts)).subquery("facet_rows")


def _row_values(field: Field, inline_terms: bool) -> ColumnElement:
    """A row's values of ``field``: the column's value, a text[] of
    distinct values (the array columns hold distinct values, index.py), or
    a JSONB list of distinct values (from ``extra_terms`` with
    ``inline_terms``)."""
    if field.storage is Storage.COLUMN:
        return sa.cast(field.column, sa.UnicodeText)
    if field.storage is Storage.ARRAY:
        return field.column
    return field.distinct_values(inline=inline_terms and inline(field))


def _counts(fields: Sequence[Field], condition: ColumnElement,
            request: FacetRequest) -> sa.Select:
    """``(position, value, count)`` of every field, limited as asked, and
    ``(MATCHED, NULL, number of matching rows)``."""
    groups = _groups(fields, condition, request)
    matched = sa.select(sa.literal(MATCHED), sa.null(), groups.c.n).where(
        *(groups.c[f"g{position}"] == 1 for position in range(len(fields))))
    per_field = sa.union_all(*(
        sa.select(sa.literal(position).label("position"),
                  _elements(field, groups.c[f"f{position}"]).label("value"),
                  groups.c.n)
        .where(groups.c[f"g{position}"] == 0)
        for position, field in enumerate(fields)
    )).subquery("facet_values")
    total = sa.cast(sa.func.sum(per_field.c.n), sa.BigInteger)
    counted = (
        sa.select(per_field.c.position, per_field.c.value, total.label("count"))
        .where(per_field.c.value.isnot(None))
        .group_by(per_field.c.position, per_field.c.value)
    )
    if request.mincount > 0:
        counted = counted.having(total >= request.mincount)
    return sa.union_all(_limited(counted.subquery("facet_counts"), request), matched)


def _groups(fields: Sequence[Field], condition: ColumnElement,
            request: FacetRequest) -> sa.CTE:
    """One pass over the rows, hashed into one group per distinct value of
    each field (``GROUPING SETS``; ``g<n>`` is 0 in the groups of field n)
    and one group of all the rows (their number, which the response needs
    too). A multi-valued field's groups are whole lists (3,046 distinct tag
    lists for 20,000 datasets), unnested and summed afterwards: far fewer
    values to hash than unnesting every row's list first."""
    rows = _matched_rows(fields, condition, request)
    values = [rows.c[f"f{position}"] for position in range(len(fields))]
    count = sa.func.count()
    if request.mincount <= 0:
        count = count.filter(rows.c.matched)
    return (
        sa.select(*values, *(sa.func.grouping(value).label(f"g{position}")
                             for position, value in enumerate(values)),
                  count.label("n"))
        .group_by(sa.func.grouping_sets(*(sa.tuple_(value) for value in values),
                                        sa.text("()")))
        .cte("facet_groups")
    )


def _elements(field: Field, values: ColumnElement) -> ColumnElement:
    """One row per value of a group's ``values`` (a set-returning function
    for multi-valued fields)."""
    if field.storage is Storage.ARRAY:
        return sa.func.unnest(values)
    if field.storage is Storage.TERMS:
        return sa.func.jsonb_array_elements_text(values)
    return values


def _limited(counts: sa.Subquery, request: FacetRequest) -> sa.Select:
    """The first ``facet.limit`` values of each field in the requested
    order (Solr breaks count ties in index, code point, order)."""
    columns = (counts.c.position, counts.c.value, counts.c.count)
    if request.limit < 0:
        return sa.select(*columns)
    by_value = counts.c.value.collate("C")
    order = ([counts.c.count.desc(), by_value] if request.order == SORT_COUNT
             else [by_value])
    ranked = sa.select(*columns, sa.func.row_number().over(
        partition_by=counts.c.position, order_by=order).label("rank")).subquery("ranked")
    return sa.select(ranked.c.position, ranked.c.value, ranked.c.count).where(
        ranked.c.rank <= request.limit)


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
