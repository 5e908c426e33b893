"""A stand-in for ``pysolr.Solr`` that answers from PostgreSQL.

CKAN talks to Solr only through the object ``make_connection()`` returns:
``add`` (index a document), ``delete`` (by id or query), ``commit`` and
``search`` (Solr's request parameters in, ``pysolr.Results`` out). This class
offers the same methods over ``issy_search_index``, so CKAN's own indexing
and querying code (which differs between CKAN versions) runs unchanged.

Writes go through the session CKAN is using for the dataset and are never
committed here, except by :meth:`commit`, which CKAN calls only where a Solr
commit would end the work (``search-index`` commands, bulk updates).
"""
from __future__ import annotations

import dataclasses
import fnmatch
import re
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pysolr
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.search import bounds, index
from ckanext.issy.search.dismax import DismaxCompiler, qf_weights
from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.facets import FacetRequest, facet_counts, matched_from_totals
from ckanext.issy.search.query import CompiledQuery, LuceneCompiler, SortKey, sort_keys
from ckanext.issy.search.schema import index_table

URL = "postgresql:issy_search_index"
DEFAULT_ROWS = 10  # Solr's default
DEFAULT_FACET_LIMIT = 100  # Solr's default; CKAN always sends its own
FREE_TEXT_PARSERS = ("dismax", "edismax")
QUERY_PARSERS = ("lucene",) + FREE_TEXT_PARSERS
_FIELD_LIST_SEPARATOR = re.compile(r"[\s,]+")


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    """The Solr request parameters the backend understands."""

    q: str
    fq: Sequence[str]
    rows: int
    start: int
    fl: Sequence[str]
    sort: Optional[str]
    facets: Optional[FacetRequest]
    parser: str
    default_field: str
    default_operator: str
    mm: Optional[str]
    qf: Optional[str]

    @classmethod
    def from_solr(cls, q: Any, params: Mapping[str, Any]) -> "SearchRequest":
        bounds.check_parameters(q, params)
        parser = str(params.get("defType") or "lucene")
        if parser not in QUERY_PARSERS:
            raise InvalidQuery(
                _('Unsupported "defType" "{parser}": use one of {parsers}')
                .format(parser=parser, parsers=", ".join(QUERY_PARSERS))
            )
        return cls(
            q="" if q is None else str(q),
            fq=_string_list(params.get("fq")),
            rows=min(_natural(params, "rows", DEFAULT_ROWS), bounds.ALL_ROWS),
            start=bounds.checked_start(_natural(params, "start", 0)),
            fl=_field_list(params.get("fl")),
            sort=params.get("sort") or None,
            facets=_facet_request(params),
            parser=parser,
            default_field=str(params.get("df") or "text"),
            default_operator=str(params.get("q.op") or "OR").upper(),
            mm=params.get("mm") or None,
            qf=params.get("qf") or None,
        )

    def compile(self, session: Session) -> CompiledQuery:
        """The condition of ``q`` and every ``fq``, and ``q``'s score."""
        filters = LuceneCompiler(self.default_field, self.default_operator)
        main = (
            DismaxCompiler(
                "text", self.default_operator, filters.now,
                weights=qf_weights(self.qf), mm=self.min_match, session=session,
            )
            if self.parser in FREE_TEXT_PARSERS
            else filters
        ).compile(self.q)
        conditions = [main.condition] + [
            filters.compile(fq).condition for fq in self.fq if fq.strip()
        ]
        return CompiledQuery(sa.and_(*conditions), main.score)

    @property
    def min_match(self) -> str:
        """``mm``, or Solr's default for ``q.op``: all clauses, or any."""
        if self.mm:
            return str(self.mm)
        return "100%" if self.default_operator == "AND" else "0%"

    @property
    def wants_dataset_dicts(self) -> bool:
        return any(
            _selected(name, self.fl) for name in index.DATASET_DICTS
        )


class PostgresConnection:
    """``pysolr.Solr``'s methods that CKAN and its extensions call."""

    url = URL

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, docs: Iterable[Mapping[str, Any]], **_solr_options: Any) -> None:
        index.save(self.session, docs)

    def delete(self, id: Union[str, Sequence[str], None] = None,
               q: Optional[str] = None, **_solr_options: Any) -> None:
        if id is None and q is None:
            raise InvalidQuery(_("Deleting from the index needs an id or a query"))
        if id is not None:
            ids = [id] if isinstance(id, str) else list(id)
            index.delete(self.session, index_table.c.id.in_(ids))
        if q is not None:
            index.delete(self.session, LuceneCompiler().compile(q).condition)

    def commit(self, **_solr_options: Any) -> None:
        self.session.commit()

    def document(self, reference: str, site_id: str) -> Optional[dict[str, Any]]:
        """All stored fields of the dataset of this site whose id or name is
        ``reference``: what ``package_show`` reads (``search.show``), by
        primary key or name, without a query to parse and compile."""
        row = self.session.execute(_DOCUMENT, {"reference": reference, "site_id": site_id}).first()
        return None if row is None else _stored_fields(row._mapping, ["*"])

    def search(self, q: Any = None, **params: Any) -> pysolr.Results:
        request = SearchRequest.from_solr(q, params)
        with bounds.bounded(self.session):
            return self._results(request)

    def _results(self, request: SearchRequest) -> pysolr.Results:
        query = request.compile(self.session)
        facets = None
        if request.facets is not None:
            facets = facet_counts(self.session, query.condition, request.facets)
        docs, found = self._documents(request, query)
        response: dict[str, Any] = {
            "response": {
                # Facets count the matching rows in their own pass; a page
                # that is not full says how many there are.
                "numFound": (facets.matched if facets is not None
                             else found if found is not None
                             else self._count(query.condition)),
                "start": request.start,
                "docs": docs,
            },
        }
        if request.facets is not None:
            response["facet_counts"] = {
                "facet_fields": facets.fields if facets is not None else {},
            }
        return pysolr.Results(response)

    def _count(self, condition: ColumnElement) -> int:
        counted = matched_from_totals(self.session, condition)
        if counted is not None:
            return counted
        statement = sa.select(sa.func.count()).select_from(index_table)
        return self.session.execute(statement.where(condition)).scalar_one()

    def _documents(self, request: SearchRequest, query: CompiledQuery,
                   ) -> tuple[list[dict[str, Any]], Optional[int]]:
        """The page's documents, and the number of matching rows when the
        page tells it: one row more than the page is read, so a page that
        is not full ends the results (a dataset page's ``package_show``
        reads one row of the index: no count needed), unless it is an
        empty page after the last one; a page sorted by relevance counts
        the matching rows as it ranks them."""
        if request.rows == 0:
            return [], None
        page, sort = _page(request, query, sort_keys(request.sort, query.score))
        columns = [index_table.c.doc]
        if request.wants_dataset_dicts:
            columns += [index_table.c[name] for name in index.DATASET_DICTS]
        if query.score is not None:
            columns.append(page.c.score)
        if "matched" in page.c:
            columns.append(page.c.matched)
        statement = (
            sa.select(*columns)
            .join(page, page.c.page_id == index_table.c.id)
            .order_by(*(key.ordered(page.c[name]) for key, name in sort))
        )
        rows = self.session.execute(statement).all()
        found = None
        if len(rows) <= request.rows and (rows or request.start == 0):
            found = request.start + len(rows)
        elif rows and "matched" in page.c:
            found = rows[0].matched
        return [_stored_fields(row._mapping, request.fl) for row in rows[:request.rows]], found


# The index holds datasets only (CKAN's PackageSearchIndex): no entity type to check.
_DOCUMENT = (
    sa.select(index_table.c.doc, *(index_table.c[name] for name in index.DATASET_DICTS))
    .where(index_table.c.site_id == sa.bindparam("site_id"),
           sa.or_(index_table.c.id == sa.bindparam("reference"),
                  index_table.c.name == sa.bindparam("reference")))
    .limit(1)
)


def _page(request: SearchRequest, query: CompiledQuery, keys: Sequence[SortKey],
          ) -> tuple[sa.Subquery, list[tuple[SortKey, str]]]:
    """The ids (``page_id``, with the score and the sort ``keys``) of the
    requested page, and each key with the name of its column; the rows
    themselves are read afterwards (a deferred join): finding them needs
    only the filter and sort columns, which covering indexes hold, so a deep
    page (``start=5000``) or a map search walks index entries instead of
    table rows (migration d3b8e1f6a9c2). An expression that is both a key
    and the id or the score is selected once: the score is ranked for
    every matching row."""
    labels = {id(index_table.c.id): index_table.c.id.label("page_id")}
    if query.score is not None:
        labels[id(query.score)] = query.score.label("score")
    sort = [(key, labels.setdefault(id(key.key), key.key.label(f"key{position}")))
            for position, key in enumerate(keys)]
    matching = sa.select(*labels.values()).where(query.condition)
    order = [key.ordered(label) for key, label in sort]
    if query.score is not None and keys[0].key is query.score:
        # Ranking reads every matching row: they are counted in the same
        # pass, sparing a full page the count statement (OFFSET 0 keeps
        # the columns the score reads out of the count's buffer).
        ranked = matching.offset(0).subquery("ranked")
        matching = sa.select(*ranked.c, sa.func.count().over().label("matched"))
        order = [key.ordered(ranked.c[label.name]) for key, label in sort]
    page = (
        matching
        .order_by(*order)
        .offset(request.start)
        .limit(request.rows + 1)  # tells whether the page ends the results
        .subquery("page")
    )
    return page, [(key, label.name) for key, label in sort]


def _stored_fields(row: Mapping[str, Any], fl: Sequence[str]) -> dict[str, Any]:
    document = dict(row["doc"])
    for name in index.DATASET_DICTS:
        if row.get(name) is not None:
            document[name] = row[name]
    if "score" in fl:
        document["score"] = row.get("score", 1.0)
    return {
        name: value for name, value in document.items() if _selected(name, fl)
    }


def _selected(name: str, fl: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in fl)


def _field_list(fl: Any) -> list[str]:
    """Solr's ``fl``: names or globs separated by spaces or commas; all
    stored fields by default."""
    if isinstance(fl, (list, tuple)):
        fl = " ".join(map(str, fl))
    names = [name for name in _FIELD_LIST_SEPARATOR.split(str(fl or "")) if name]
    return names or ["*"]


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def _natural(params: Mapping[str, Any], name: str, default: int) -> int:
    number = _integer(params, name, default)
    if number < 0:
        raise InvalidQuery(_('"{name}" must not be negative').format(name=name))
    return number


def _integer(params: Mapping[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidQuery(
            _('"{name}" must be an integer, not "{value}"').format(name=name, value=value)
        ) from None


def _facet_request(params: Mapping[str, Any]) -> Optional[FacetRequest]:
    if str(params.get("facet", "false")).lower() != "true":
        return None
    return FacetRequest(
        fields=bounds.checked_facet_fields(_string_list(params.get("facet.field"))),
        limit=_integer(params, "facet.limit", DEFAULT_FACET_LIMIT),
        mincount=_integer(params, "facet.mincount", 0),
        sort=params.get("facet.sort") or None,
    )
