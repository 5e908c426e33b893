"""Lucene query syntax (``q``, ``fq``, Solr's ``sort``) to SQLAlchemy
expressions over ``issy_search_index``.

The text is parsed by luqum, a real Lucene grammar; the SQL is built from the
parse tree with SQLAlchemy expressions only: field names go through
``fields.resolve`` and every value is a bound parameter, so no user text ever
becomes SQL.

Boolean logic follows Lucene's: in a clause list, ``+x`` must match, ``-x``
and ``NOT x`` must not, bare clauses follow ``q.op`` (CKAN sends ``AND``) and,
under ``OR``, are optional when a required clause exists. A purely negative
list matches everything else, as Solr does for ``fq=-dataset_type:harvest``.
``dismax`` reuses the clause logic with a minimum number of bare clauses.

Text fields are matched with PostgreSQL's full-text search (``text``):
words, quoted phrases and trailing-``*`` prefixes; other wildcard patterns
fall back to an accent- and case-insensitive LIKE. The words of ``q`` that
are not excluded give :attr:`CompiledQuery.score`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import re
from typing import Any, Callable, Optional

import luqum.tree as lq
import sqlalchemy as sa
from luqum.exceptions import ParseError
from luqum.thread import parse as luqum_parse
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.search import spatial, text
from ckanext.issy.language import _
from ckanext.issy.search.bounds import check_length, check_tree
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import Field, Kind, resolve
from ckanext.issy.search.schema import index_table
from ckanext.issy.search.text import TextQuery
from ckanext.issy.search.values import LIKE_ESCAPE, fold, like_literal, parse_query_date

MATCH_ALL = "*:*"
_ESCAPED_CHAR = re.compile(r"\\(.)")
_SORT_DIRECTIONS = ("asc", "desc")
# Solr sorts by relevance when no sort is given; recency breaks ties.
RELEVANCE_SORT = "score desc, metadata_modified desc"

# How many of n bare clauses must match; None: Lucene's rules.
MinimumMatch = Callable[[int], int]


def parse(text: str) -> lq.Item:
    """The luqum tree of ``text``, or InvalidQuery naming the problem."""
    check_length(text)
    try:
        tree = luqum_parse(text)
    # luqum raises ValueError for a proximity that is not an integer ("a b"~3.5).
    except (ParseError, ValueError) as error:
        raise InvalidQuery(
            _('Cannot parse query "{query}": {error}').format(query=text, error=error)
        ) from error
    except RecursionError as error:
        raise InvalidQuery(_("Query is nested too deeply")) from error
    check_tree(tree)
    return tree


@dataclasses.dataclass(frozen=True)
class CompiledQuery:
    condition: ColumnElement
    # Relevance, for ``sort=score desc``; None when the query has no text
    # to rank on, so that sorting falls through to the next key.
    score: Optional[ColumnElement] = None


@dataclasses.dataclass
class LuceneCompiler:
    """Compile one query string; ``default_field`` and ``default_operator``
    are Solr's ``df`` and ``q.op``; ``weights`` restricts the words of the
    catch-all ``text`` field to some weights (dismax's ``qf``)."""

    default_field: str = "text"
    default_operator: str = "AND"
    now: dt.datetime = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc)
    )
    weights: str = ""
    _ranked: list[tuple[Field, TextQuery]] = dataclasses.field(
        default_factory=list, init=False, repr=False)
    _negations: int = dataclasses.field(default=0, init=False, repr=False)

    def compile(self, text: str) -> CompiledQuery:
        if not text.strip() or text.strip() == MATCH_ALL:
            return CompiledQuery(sa.true())
        return self.compile_tree(parse(text), lambda tree: self._node(tree, None))

    def compile_tree(self, tree: lq.Item,
                     build: Callable[[lq.Item], ColumnElement]) -> CompiledQuery:
        """``build(tree)``'s condition, and the score of the words it met."""
        self._ranked, self._negations = [], 0
        try:
            return CompiledQuery(build(tree), self._score())
        except RecursionError as error:
            raise InvalidQuery(_("Query is nested too deeply")) from error

    def default(self) -> Field:
        field = resolve(self.default_field)
        if self.weights and field.name == "text":
            return dataclasses.replace(field, weights=self.weights)
        return field

    # -- tree walking -----------------------------------------------------

    def _node(self, node: lq.Item, field: Optional[Field]) -> ColumnElement:
        if isinstance(node, lq.BaseOperation):
            return self._clauses(node, field)
        if isinstance(node, lq.Plus):
            return self._node(node.a, field)
        if isinstance(node, (lq.Not, lq.Prohibit)):
            return sa.not_(self._unranked(node.a, field))
        if isinstance(node, lq.BaseGroup):
            return self._node(node.expr, field)
        if isinstance(node, lq.Boost):
            # Boosts would only scale one clause's score: ignored.
            return self._node(node.expr, field)
        if isinstance(node, lq.SearchField):
            return self._search_field(node, field)
        if isinstance(node, (lq.Word, lq.Phrase)):
            return self._term(node, field or self.default())
        if isinstance(node, (lq.Range, lq.From, lq.To)):
            return self._range(node, field or self.default())
        if isinstance(node, lq.Proximity):
            # "a b"~3, a phrase with Lucene's slop (luqum reads word~2 as Fuzzy).
            return self._term(node.term, field or self.default(), node.degree)
        raise InvalidQuery(
            _('Unsupported query syntax "{syntax}": fuzzy and regular-expression '
              "searches are not available")
            .format(syntax=str(node).strip())
        )

    def _unranked(self, node: lq.Item, field: Optional[Field]) -> ColumnElement:
        """An excluded clause: its words do not score."""
        self._negations += 1
        try:
            return self._node(node, field)
        finally:
            self._negations -= 1

    def _clauses(self, node: lq.BaseOperation, field: Optional[Field],
                 minimum: Optional[MinimumMatch] = None) -> ColumnElement:
        """A clause list; with ``minimum`` (dismax), bare clauses are
        optional and at least ``minimum(number of bare clauses)`` match."""
        bare_required = minimum is None and (
            isinstance(node, lq.AndOperation) or (
                isinstance(node, lq.UnknownOperation)
                and self.default_operator.upper() == "AND"
            )
        )
        required, optional, excluded = [], [], []
        for operand in node.operands:
            if isinstance(operand, lq.Plus):
                required.append(self._node(operand.a, field))
            elif isinstance(operand, (lq.Not, lq.Prohibit)):
                excluded.append(self._unranked(operand.a, field))
            elif bare_required:
                required.append(self._node(operand, field))
            else:
                optional.append(self._node(operand, field))
        needed = minimum(len(optional)) if minimum else 0
        if optional and not required:
            needed = max(needed, 1)
        if needed:
            required.append(_at_least(needed, optional))
        conditions = required + [sa.not_(clause) for clause in excluded]
        return sa.and_(*conditions) if conditions else sa.true()

    def _search_field(self, node: lq.SearchField, field: Optional[Field]) -> ColumnElement:
        if field is not None:
            raise InvalidQuery(
                _('Nested field "{inner}" inside field "{outer}"')
                .format(inner=node.name, outer=field.name)
            )
        if node.name == "*":
            if isinstance(node.expr, lq.Word) and node.expr.value == "*":
                return sa.true()
            raise InvalidQuery(_('Only *:* may use the field name "*"'))
        return self._node(node.expr, resolve(node.name))

    # -- terms ------------------------------------------------------------

    def _term(self, node: lq.Term, field: Field, slop: int = 0) -> ColumnElement:
        is_phrase = isinstance(node, lq.Phrase)
        value = _unescape(node.value[1:-1] if is_phrase else node.value)
        if not is_phrase and node.value == "*":
            return sa.true() if field.name == self.default_field else field.exists()
        wildcard = not is_phrase and node.has_wildcard()
        if field.kind is Kind.TEXT:
            return self._text(field, node.value if wildcard else value,
                              is_phrase, wildcard, slop)
        if field.kind is Kind.BBOX:
            return spatial.intersects(field.column, value)
        if wildcard:
            if field.kind is not Kind.STRING:
                raise InvalidQuery(
                    _('Wildcards are not supported on field "{name}"').format(name=field.name)
                )
            pattern = _like_pattern(node.value)
            return field.any_value(lambda v: v.like(pattern, escape=LIKE_ESCAPE))
        return field.equals(self._typed(field, value))

    def _text(self, field: Field, value: str, is_phrase: bool,
              wildcard: bool, slop: int = 0) -> ColumnElement:
        """A text field matches words, a phrase or a pattern; ``value``
        keeps its Lucene escapes when ``wildcard`` is true."""
        if wildcard:
            prefix = _prefix(value)
            if prefix is None:
                return _like_text(field, value)
            query = TextQuery.of(prefix, prefix=True)
        else:
            query = TextQuery.of(value, phrase=is_phrase, prefix=field.prefix_only,
                                 slop=slop)
        if not self._negations:
            self._ranked.append((field, query))
        return field.matches(query)

    def _score(self) -> Optional[ColumnElement]:
        """Lucene sums the scores of matching clauses: here the rank of the
        words on each vector, plus one for each n-gram field (suggestions)
        that starts with its prefix."""
        by_vector: dict[str, tuple[sa.Column, list[TextQuery]]] = {}
        scores: list[ColumnElement] = []
        for field, query in self._ranked:
            vector, weights = field.ranking()
            by_vector.setdefault(vector.name, (vector, []))[1].append(
                query.restricted(weights))
            if field.prefix_only:
                scores.append(sa.cast(
                    field.starts_with(" ".join(query.words)), sa.Integer))
        scores += [text.rank(vector, queries)
                   for vector, queries in by_vector.values()]
        return functools.reduce(operator.add, scores) if scores else None

    def _typed(self, field: Field, value: str) -> Any:
        if field.kind is Kind.DATE:
            return field.comparable_date(parse_query_date(value, self.now))
        if field.kind is Kind.INT:
            return _integer(field, value)
        return value

    # -- ranges -----------------------------------------------------------

    def _range(self, node: lq.Item, field: Field) -> ColumnElement:
        if field.kind is Kind.TEXT:
            raise InvalidQuery(
                _('Range queries are not supported on text field "{name}"').format(name=field.name)
            )
        if field.kind is Kind.BBOX:
            raise InvalidQuery(
                _('Range queries are not supported on field "{name}"').format(name=field.name)
            )
        bounds: list[Callable[[ColumnElement], ColumnElement]] = []
        if isinstance(node, lq.Range):
            low = self._bound(node.low, field)
            high = self._bound(node.high, field)
            if low is not None:
                bounds.append(_lower(low, node.include_low))
            if high is not None:
                bounds.append(_upper(high, node.include_high))
        else:
            limit = self._bound(node.a, field)
            if limit is not None:
                compare = _lower if isinstance(node, lq.From) else _upper
                bounds.append(compare(limit, node.include))
        if not bounds:
            return field.exists()
        return field.any_value(lambda v: sa.and_(*(bound(v) for bound in bounds)))

    def _bound(self, node: lq.Item, field: Field) -> Any:
        if not isinstance(node, lq.Term):
            raise InvalidQuery(_('Invalid range bound "{bound}"').format(bound=str(node).strip()))
        if isinstance(node, lq.Word) and node.value == "*":
            return None
        raw = node.value[1:-1] if isinstance(node, lq.Phrase) else node.value
        return self._typed(field, _unescape(raw))


def _lower(limit: Any, inclusive: bool) -> Callable[[ColumnElement], ColumnElement]:
    return (lambda v: v >= limit) if inclusive else (lambda v: v > limit)


def _upper(limit: Any, inclusive: bool) -> Callable[[ColumnElement], ColumnElement]:
    return (lambda v: v <= limit) if inclusive else (lambda v: v < limit)


def _integer(field: Field, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidQuery(
            _('Field "{name}" holds integers, not "{value}"').format(name=field.name, value=value)
        ) from None


def _at_least(needed: int, clauses: list[ColumnElement]) -> ColumnElement:
    """At least ``needed`` of ``clauses`` hold; the disjunction lets the
    indexes find the candidates before matches are counted."""
    if needed >= len(clauses):
        return sa.and_(*clauses)
    if needed == 1:
        return sa.or_(*clauses)
    count = text.balanced(
        operator.add, [sa.cast(clause, sa.Integer) for clause in clauses]
    )
    return sa.and_(sa.or_(*clauses), count >= needed)


def _prefix(term: str) -> Optional[str]:
    """The prefix of a Lucene term whose only wildcard is a final ``*``."""
    body = term[:-1]
    if not term.endswith("*") or term.endswith("\\*") or \
            lq.Term.WILDCARDS_PATTERN.search(body):
        return None
    return _unescape(body)


def _like_text(field: Field, term: str) -> ColumnElement:
    """A wildcard pattern (``sta?ionnement``, ``bu*et``) within the field's
    folded text: no index, but rare."""
    pattern = _like_pattern(fold(term))
    return field.text().like(f"%{pattern}%", escape=LIKE_ESCAPE)


def _unescape(value: str) -> str:
    return _ESCAPED_CHAR.sub(r"\1", value)


def _like_pattern(term: str) -> str:
    """A Lucene wildcard term (``budg*``, ``a?c``) as a LIKE pattern."""
    pattern = []
    for part in lq.Term.WILDCARDS_PATTERN.split(term):
        if part and part[-1] in "*?" and lq.Term.WILDCARDS_PATTERN.fullmatch(part):
            # A backslash-escaped backslash may precede the wildcard.
            pattern.append(like_literal(_unescape(part[:-1])))
            pattern.append("%" if part[-1] == "*" else "_")
        else:
            pattern.append(like_literal(_unescape(part)))
    return "".join(pattern)


@dataclasses.dataclass(frozen=True)
class SortKey:
    """One key of an ORDER BY: an expression and its direction (NULLs
    last either way, as Solr sorts documents without the field)."""

    key: ColumnElement
    descending: bool

    def ordered(self, key: Optional[ColumnElement] = None) -> ColumnElement:
        """The ORDER BY clause, on ``key`` (the same value read elsewhere,
        e.g. from a subquery) or on the expression itself."""
        key = self.key if key is None else key
        return (key.desc() if self.descending else key.asc()).nulls_last()


def sort_keys(sort: Optional[str], score: Optional[ColumnElement]) -> list[SortKey]:
    """Solr's ``sort`` (``"score desc, metadata_modified desc"``) as sort
    keys; ties end in id order so that pages never overlap."""
    if not (sort or "").strip() and score is not None:
        sort = RELEVANCE_SORT
    keys = []
    for part in (sort or "").split(","):
        tokens = part.split()
        if not tokens:
            continue
        if len(tokens) != 2 or tokens[1].lower() not in _SORT_DIRECTIONS:
            raise InvalidQuery(
                _('Invalid "sort" parameter "{sort}": use '
                  '"<field> asc" or "<field> desc", separated by commas').format(sort=part.strip())
            )
        name, direction = tokens[0], tokens[1].lower()
        if name == "score":
            if score is None:
                continue
            key = score
        else:
            key = _sort_field(name).sort_key()
        keys.append(SortKey(key, direction == "desc"))
    keys.append(SortKey(index_table.c.id, descending=False))
    return keys


def _sort_field(name: str) -> Field:
    field = resolve(name, catch_all=True)
    if not field.sortable:
        raise InvalidQuery(
            _('Invalid "sort" parameter: cannot sort on multi-valued or text '
              'field "{name}"').format(name=name)
        )
    return field
