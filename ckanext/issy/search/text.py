"""French full-text search in PostgreSQL: the weighted vectors written with
each index row, and the text-search queries (``tsquery``) and ranks of free
text.

Two text search configurations, created by the plugin's migration, read
every word without accents and case: ``issy_french`` stems French words
(``élections`` → ``elect``, ``budgets`` → ``budget``) and drops French stop
words; ``issy_simple`` keeps whole words, for prefixes (``budg*``: a prefix
of a word, not of a stem) and for stop words searched on their own. Each
field's words go into ``search_vector`` through both, with the weight of
the field:

- A: ``title``;
- B: ``tags`` and ``groups``;
- C: ``notes``;
- D: everything else Solr's schema copies into its catch-all ``text`` field
  (resource names and descriptions, extras, organisation, name, author,
  URLs...): PostgreSQL has only four weights.

As Solr keeps a position gap between fields and between the values of a
field, the vector holds each value ``PHRASE_GAP`` positions after the
previous one (the SQL function ``issy_search_vector``, migration
f4a8c2d6e1b3), so that no phrase, even with a proximity (``"a b"~3``),
spans two values.

User text never becomes SQL, nor ``tsquery`` syntax: queries are built by
``to_tsquery`` from bound parameters in which each user word is a quoted
``tsquery`` operand, with its quotes and backslashes escaped.
"""
from __future__ import annotations

import dataclasses
import itertools
from typing import Callable, Iterable, Iterator, Mapping, Optional, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery

FRENCH = "issy_french"
EXACT = "issy_simple"

# What Solr's schema copies into its catch-all ``text`` field (copyField).
CATCH_ALL_FIELDS = (
    "name", "title", "notes", "tags", "groups", "organization", "license",
    "res_name", "res_description", "maintainer", "author", "url", "ckan_url",
    "download_url", "res_url", "text",
)
CATCH_ALL_PREFIXES = ("extras_", "res_extras_", "vocab_")
FIELD_WEIGHTS = {"title": "A", "tags": "B", "groups": "B", "notes": "C"}
OTHER_WEIGHT = "D"
ALL_WEIGHTS = "ABCD"
# A tsvector holds at most 1 MB: longer texts of one weight are cut (no
# real dataset comes close; a runaway harvested description must not make
# the dataset impossible to index).
MAX_TEXT_LENGTH = 200_000
# Proximity searches (``"a b"~3``) are exact phrases tried at every allowed
# distance: the farthest distance, and how many phrases one may become.
MAX_SLOP = 10
MAX_SLOPPY_PHRASES = 100
# Positions between two values in a vector: more than any phrase spans
# from one word to the next (at most MAX_SLOP + 1).
PHRASE_GAP = MAX_SLOP + 2
VECTOR_FUNCTION = "issy_search_vector"

T = TypeVar("T")


def weight_of(field: str) -> Optional[str]:
    """The weight marking ``field``'s words in ``search_vector``; None for a
    field outside Solr's catch-all field."""
    if field in FIELD_WEIGHTS:
        return FIELD_WEIGHTS[field]
    if field in CATCH_ALL_FIELDS or field.startswith(CATCH_ALL_PREFIXES):
        return OTHER_WEIGHT
    return None


def config_sql(name: str) -> str:
    return f"'{name}'::regconfig"


def config(name: str) -> ColumnElement:
    return sa.literal_column(config_sql(name))


# -- index side --------------------------------------------------------------


def weighted_values(terms: Mapping[str, Sequence[str]]) -> tuple[list[str], str]:
    """A document's values of the catch-all fields, by weight (A first),
    each weight's text cut at ``MAX_TEXT_LENGTH`` characters, and the
    weight of each value (one letter per value)."""
    by_weight: dict[str, list[str]] = {}
    for field, values in terms.items():
        weight = weight_of(field)
        if weight is not None:
            by_weight.setdefault(weight, []).extend(values)
    texts: list[str] = []
    weights = ""
    for weight, values in sorted(by_weight.items()):
        kept = _cut(values, MAX_TEXT_LENGTH)
        texts += kept
        weights += weight * len(kept)
    return texts, weights


def _cut(values: Sequence[str], length: int) -> list[str]:
    """The first ``length`` characters of ``values``."""
    kept = []
    for value in values:
        if length <= 0:
            break
        kept.append(value[:length])
        length -= len(value)
    return kept


def _configs_sql(names: Sequence[str]) -> str:
    return f"ARRAY[{', '.join(config_sql(name) for name in names)}]"


def gapped_vector_sql(texts: str, weights: str,
                      configs: Sequence[str] = (FRENCH, EXACT)) -> str:
    """SQL of the vector of the values of the bind parameter ``texts`` (a
    JSON list) marked with the weights of ``weights`` (one letter per
    value), in each of ``configs``, ``PHRASE_GAP`` positions apart:
    computed by PostgreSQL in the INSERT itself."""
    return (f"{VECTOR_FUNCTION}(:{texts}, :{weights}, {_configs_sql(configs)}, "
            f"{PHRASE_GAP})")


def weighted_vector_sql(parameters: Mapping[str, str],
                        configs: Sequence[str] = (FRENCH, EXACT)) -> str:
    """SQL of ``setweight(to_tsvector(...), weight) || ...``: the text of
    each weight (the bind parameter ``parameters[weight]``) in each of
    ``configs``, end to end (the suggestions' vector, whose fields are
    searched by weight, each on its own). An empty text adds nothing, so
    one statement serves every document."""
    return " || ".join(
        f"setweight(to_tsvector({config_sql(name)}, :{parameter}), '{weight}')"
        for weight, parameter in parameters.items()
        for name in configs
    )


def own_vector(values: ColumnElement) -> ColumnElement:
    """Both configurations' vector of a JSON list of strings, values apart,
    for fields without a vector of their own (``res_name``, ``extras_*``...)."""
    return getattr(sa.func, VECTOR_FUNCTION)(
        values, "", sa.literal_column(_configs_sql((FRENCH, EXACT))), PHRASE_GAP,
        type_=postgresql.TSVECTOR,
    )


# -- query side --------------------------------------------------------------


def _operand(word: str, flags: str) -> str:
    """``word`` as one quoted tsquery operand: PostgreSQL's parser splits it
    into lexemes exactly as it split the indexed text."""
    escaped = word.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'" + (f":{flags}" if flags else "")


@dataclasses.dataclass(frozen=True)
class TextQuery:
    """Free text as a ``tsquery``: words (all required), a phrase (with
    Lucene's ``slop``: ``"a b"~3``), or word prefixes, optionally restricted
    to some weights."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    weights: str = ""
    slop: int = 0

    @classmethod
    def of(cls, text: str, phrase: bool = False, prefix: bool = False,
           slop: int = 0) -> "TextQuery":
        words = tuple(text.split())
        query = cls(words, phrase, prefix, slop=slop if phrase and words else 0)
        if query.slop:
            query.sloppy_phrases()  # refuses a proximity too broad, now
        return query

    def restricted(self, weights: str) -> "TextQuery":
        """The query matching only words marked with one of ``weights``."""
        if set(weights) >= set(ALL_WEIGHTS):
            weights = ""
        return dataclasses.replace(self, weights=weights)

    @property
    def empty(self) -> bool:
        return not self.words

    def source(self) -> str:
        flags = ("*" if self.prefix else "") + self.weights
        operands = [_operand(word, flags) for word in self.words]
        if not self.phrase:
            return " & ".join(operands)
        if not self.slop:
            return " <-> ".join(operands)
        return " | ".join(
            "(" + operands[order[0]] + "".join(
                f" <{distance}> {operands[word]}" for word, distance in zip(order[1:], distances)
            ) + ")"
            for order, distances in self.sloppy_phrases()
        )

    def sloppy_phrases(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """The exact phrases a phrase with ``slop`` matches, as Lucene's
        sloppy phrase does (``PhraseQuery``): each word ``i`` at a position
        ``i + e[i]`` of the text, all different, with max(e) - min(e) <=
        slop ("a b"~1 also finds "a x b", ~2 "b a"). Each phrase is the
        words in text order and the distance from each to the next."""
        # With a slop, n words make at least n phrases: no need to count.
        offsets = [] if self.slop > MAX_SLOP or len(self.words) > MAX_SLOPPY_PHRASES \
            else list(itertools.islice(_offsets(len(self.words), self.slop),
                                       MAX_SLOPPY_PHRASES + 1))
        if not 0 < len(offsets) <= MAX_SLOPPY_PHRASES:
            raise InvalidQuery(
                _('Proximity search "~{slop}" over {words} words is too broad: '
                  "use a smaller distance (at most {most}) or fewer words")
                .format(slop=self.slop, words=len(self.words), most=MAX_SLOP)
            )
        return [_phrase([word + offset for word, offset in enumerate(each)])
                for each in offsets]

    def tsquery(self) -> ColumnElement:
        """The ``tsquery``, as a scalar subquery: PostgreSQL computes it once
        per statement (an InitPlan) instead of once per row, which the
        CASE over stable functions would otherwise cost."""
        return sa.select(self._tsquery()).scalar_subquery()

    def _tsquery(self) -> ColumnElement:
        source = sa.literal(self.source(), sa.UnicodeText)
        if self.prefix:
            # Prefixes of whole words: a prefix is often longer than the
            # stem of the word it should find (``électio*``).
            return sa.func.to_tsquery(config(EXACT), source)
        french = sa.func.to_tsquery(config(FRENCH), source)
        # Stop words alone ("de", "la", "on"...) are searched as words.
        return sa.case(
            (sa.func.numnode(french) == 0,
             sa.func.to_tsquery(config(EXACT), source)),
            else_=french,
        )


def _phrase(positions: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The words at ``positions`` in text order, and the distance from each
    to the next."""
    order = tuple(sorted(range(len(positions)), key=positions.__getitem__))
    return order, tuple(positions[after] - positions[before]
                        for before, after in zip(order, order[1:]))


def _offsets(count: int, slop: int, start: tuple[int, ...] = (0,)) -> Iterator[tuple[int, ...]]:
    """Lucene's offsets of ``count`` words within ``slop``, extending
    ``start``: no two words at one position."""
    if len(start) >= count:
        yield start
        return
    word = len(start)
    taken = {index + offset for index, offset in enumerate(start)}
    for offset in range(max(start) - slop, min(start) + slop + 1):
        if word + offset not in taken:
            yield from _offsets(count, slop, start + (offset,))


def matches(vector: ColumnElement, query: TextQuery) -> ColumnElement:
    if query.empty:
        return sa.false()
    return vector.bool_op("@@")(query.tsquery())


def any_of(queries: Iterable[TextQuery]) -> Optional[ColumnElement]:
    """One ``tsquery`` matching any of ``queries``."""
    tsqueries = [query.tsquery() for query in queries if not query.empty]
    if not tsqueries:
        return None
    return balanced(lambda a, b: a.op("||")(b), tsqueries)


def balanced(combine: Callable[[T, T], T], items: Sequence[T]) -> T:
    """``items`` combined pairwise into a balanced tree (depth log2 n): a
    chain ``a || b || c...`` of hundreds of words is as deep as it is long,
    and compiling it to SQL recurses that deep (RecursionError)."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    return combine(balanced(combine, items[:middle]), balanced(combine, items[middle:]))


def rank(vector: ColumnElement, queries: Sequence[TextQuery]) -> Optional[ColumnElement]:
    """``ts_rank`` of the words of ``queries``: PostgreSQL's default weights
    (A 1.0, B 0.4, C 0.2, D 0.1) keep every title match above every tag
    match, above every notes match, above every other match, whatever the
    number of occurrences (ts_rank grows by at most 1.64 with them)."""
    combined = any_of(queries)
    if combined is None:
        return None
    return sa.func.ts_rank(vector, combined)


def stop_words(session: Session, words: Sequence[str]) -> list[bool]:
    """For each word, whether French analysis drops it (``de``, ``la``...)."""
    if not words:
        return []
    sources = sa.func.unnest(
        sa.cast([_operand(word, "") for word in words],
                postgresql.ARRAY(sa.UnicodeText))
    ).table_valued("source", with_ordinality="position").render_derived()
    statement = sa.select(
        sa.func.numnode(sa.func.to_tsquery(config(FRENCH), sources.c.source)) == 0
    ).order_by(sources.c.position)
    return list(session.execute(statement).scalars())
