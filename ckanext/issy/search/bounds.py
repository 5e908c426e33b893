"""Bounds of a search: what one request may ask, and how long its SQL may
run, so that any input, however long, nested or strange, gets a quick and
clean answer.

The search box and the API are open to anyone, and their text goes through
luqum's parser, the compiler of ``query.py`` and PostgreSQL, each costing in
proportion to what it is given. Before anything is parsed, a request is
refused when a text holds what PostgreSQL cannot store (NUL, unpaired
surrogates), when its texts are too long or when ``start`` is too deep;
once parsed, when a query is nested too deeply or the request holds too
many terms, free-text terms or wildcard patterns. Each refusal is an
:class:`InvalidQuery` naming the limit (CKAN answers it with HTTP 400).
The limits count ``q`` and every ``fq`` together (the time they cost adds
up), CKAN's own filters included (its permission filter has one term per
organisation of the user): their defaults leave room for them, as Solr's
``maxBooleanClauses`` (1024) does.

What the limits let through is then bounded in time (:func:`bounded`): the
statements of a search run in a savepoint with PostgreSQL's
``statement_timeout``, and one that runs too long is cancelled and answered
with :class:`SearchTimeout`. Rolling back to the savepoint ends the timeout
(``SET LOCAL`` lasts until the end of the transaction otherwise) and leaves
the transaction usable after a cancelled statement: the index rows CKAN
writes in the same transaction are never bounded, nor lost.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from typing import Any, Iterator, Mapping, Optional, Sequence

import luqum.tree as lq
import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.orm import Session

import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import Field, Kind, resolve

OPTION_PREFIX = "ckanext.issy.search."
# PostgreSQL's LIMIT is a bigint; more rows than this means all of them.
ALL_ROWS = 2**31 - 1
# Each level of a query tree costs a few frames of Python's stack when it is
# compiled, on top of a web request's: beyond this, RecursionError. A
# citizen's most involved query, `+(tags:(a OR b)) -(title:"x" AND y)`,
# is 8 levels deep.
MAX_DEPTH = 32
# SQLSTATE of a statement cancelled by statement_timeout (query_canceled).
QUERY_CANCELED = "57014"


class SearchTimeout(InvalidQuery):
    """A search whose SQL ran longer than ``statement_timeout``."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """The site's limits (``ckanext.issy.search.*``, see
    config_declarations/issy_search.yaml)."""

    max_query_length: int
    max_terms: int
    max_text_terms: int
    max_wildcards: int
    max_facet_fields: int
    max_start: int
    statement_timeout: int  # milliseconds; 0: none

    @classmethod
    def of_site(cls) -> "Limits":
        return cls(**{
            field.name: tk.asint(tk.config.get(OPTION_PREFIX + field.name))
            for field in dataclasses.fields(cls)
        })


# -- before parsing ------------------------------------------------------------


def check_parameters(q: Any, params: Mapping[str, Any]) -> None:
    """Refuse a request whose text parameters (``q``, every ``fq``,
    ``sort``, ``facet.field``...) are too long together, or hold
    characters PostgreSQL cannot receive."""
    texts = [(name, text) for name, value in (("q", q), *params.items())
             for text in (value if isinstance(value, (list, tuple)) else [value])
             if isinstance(text, str)]
    for name, text in texts:
        _check_characters(name, text)
    _check_length(sum(len(text) for _name, text in texts))


def _check_characters(name: str, text: str) -> None:
    if "\x00" in text:
        raise InvalidQuery(
            _('The "{name}" parameter holds a NUL character (U+0000), which '
              "no dataset can contain: remove it").format(name=name)
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidQuery(
            _('The "{name}" parameter is not valid Unicode text').format(name=name)
        ) from None


def check_length(text: str) -> None:
    """Refuse a query too long to parse quickly (luqum's time grows with it)."""
    _check_length(len(text))


def _check_length(length: int) -> None:
    limit = Limits.of_site().max_query_length
    if length > limit:
        raise InvalidQuery(
            _("This search is too long ({length} characters): at most "
              "{limit} are accepted").format(length=length, limit=limit)
        )


def checked_start(start: int) -> int:
    """``start``, or InvalidQuery when deeper than the site allows (on the
    dataset page: a page number too high)."""
    limit = Limits.of_site().max_start
    if start > limit:
        raise InvalidQuery(
            _("Results can be read up to number {limit}, not from number "
              "{start}: choose an earlier page or narrow the search")
            .format(limit=limit, start=start)
        )
    return start


def checked_facet_fields(fields: Sequence[str]) -> Sequence[str]:
    """``facet.field``, or InvalidQuery when it names more fields than the
    site allows (each costs a count of its own)."""
    limit = Limits.of_site().max_facet_fields
    if len(set(fields)) > limit:
        raise InvalidQuery(
            _("This search asks for too many facets: at most {limit} fields "
              "are accepted").format(limit=limit)
        )
    return fields


# -- after parsing -------------------------------------------------------------


@dataclasses.dataclass
class _Tally:
    terms: int = 0
    text_terms: int = 0
    wildcards: int = 0


# Nodes matched as one term, whose children are parts of it (range bounds,
# the term of a fuzzy or proximity search).
_WHOLE_TERMS = (lq.Range, lq.From, lq.To, lq.BaseApprox)


# The terms of the search being answered (:func:`bounded`): the limits are
# those of a request, whatever its number of ``fq``.
_request_tally: contextvars.ContextVar[Optional[_Tally]] = contextvars.ContextVar(
    "issy_search_request_tally", default=None)


def check_tree(tree: lq.Item) -> None:
    """Refuse a parsed query nested deeper than :data:`MAX_DEPTH`, or
    bringing the terms, free-text terms or wildcard patterns of the search
    beyond the site's limits. The tree is walked without recursion,
    whatever its depth."""
    limits = Limits.of_site()
    tally = _request_tally.get() or _Tally()
    stack: list[tuple[lq.Item, Optional[Field], int]] = [(tree, None, 1)]
    while stack:
        node, field, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidQuery(
                _("This search is nested too deeply: at most {limit} levels of "
                  "parentheses, operators and fields are accepted").format(limit=MAX_DEPTH)
            )
        if isinstance(node, (lq.Term, *_WHOLE_TERMS)):
            _count(tally, node, field, limits)
            continue
        if isinstance(node, lq.SearchField) and node.name != "*":
            # Unknown names are the compiler's to refuse, with their own message.
            field = resolve(node.name, catch_all=True)
        stack.extend((child, field, depth + 1) for child in node.children)


def _count(tally: _Tally, node: lq.Item, field: Optional[Field], limits: Limits) -> None:
    tally.terms += 1
    term = node.term if isinstance(node, lq.BaseApprox) else node
    if isinstance(term, lq.Term) and term.value != "*" and term.has_wildcard():
        tally.wildcards += 1
    elif isinstance(term, (lq.Word, lq.Phrase)) and (field is None or field.kind is Kind.TEXT):
        # Bare words search the default field, free text in every CKAN search.
        tally.text_terms += 1
    for count, limit, message in (
        (tally.terms, limits.max_terms,
         _("This search holds too many terms: at most {limit} are accepted")),
        (tally.text_terms, limits.max_text_terms,
         _("This search holds too many words: at most {limit} words or "
           "phrases are accepted")),
        (tally.wildcards, limits.max_wildcards,
         _("This search holds too many patterns (* or ?): at most {limit} "
           "are accepted")),
    ):
        if count > limit:
            raise InvalidQuery(message.format(limit=limit))


# -- SQL -----------------------------------------------------------------------


@contextlib.contextmanager
def bounded(session: Session) -> Iterator[None]:
    """Answer one search within its bounds: the terms of all its queries
    counted together, its statements limited in time."""
    token = _request_tally.set(_Tally())
    try:
        with _time_limited(session):
            yield
    finally:
        _request_tally.reset(token)


@contextlib.contextmanager
def _time_limited(session: Session) -> Iterator[None]:
    """Run a search's statements in a savepoint with the site's
    ``statement_timeout``; a cancelled statement is a :class:`SearchTimeout`.
    The savepoint is always rolled back: the search only reads, and the
    rollback restores the timeout and a usable transaction."""
    timeout = Limits.of_site().statement_timeout
    if timeout <= 0:
        yield
        return
    savepoint = session.begin_nested()
    try:
        session.execute(sa.text(f"SET LOCAL statement_timeout = {int(timeout)}"))
        yield
    except sqlalchemy.exc.OperationalError as error:
        if getattr(error.orig, "pgcode", None) != QUERY_CANCELED:
            raise
        raise SearchTimeout(
            _("This search takes too long to answer: search fewer or more "
              "precise words, or fewer patterns (* or ?)")
        ) from error
    finally:
        savepoint.rollback()
