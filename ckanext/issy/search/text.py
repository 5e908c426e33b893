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

User text never becomes SQL, nor ``tsquery`` syntax: queries are built by
``to_tsquery`` from bound parameters in which each user word is a quoted
``tsquery`` operand, with its quotes and backslashes escaped.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

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


def weighted_texts(terms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The text of each weight, from a document's fields."""
    texts: dict[str, list[str]] = {}
    for field, values in terms.items():
        weight = weight_of(field)
        if weight is not None:
            texts.setdefault(weight, []).extend(values)
    return {
        weight: " ".join(values)[:MAX_TEXT_LENGTH]
        for weight, values in sorted(texts.items())
    }


def weighted_vector_sql(parameters: Mapping[str, str],
                        configs: Sequence[str] = (FRENCH, EXACT)) -> str:
    """SQL of ``setweight(to_tsvector(...), weight) || ...``: the text of
    each weight (the bind parameter ``parameters[weight]``) in each of
    ``configs``, computed by PostgreSQL in the INSERT itself. An empty text
    adds nothing, so one statement serves every document."""
    return " || ".join(
        f"setweight(to_tsvector({config_sql(name)}, :{parameter}), '{weight}')"
        for weight, parameter in parameters.items()
        for name in configs
    )


def own_vector(text: ColumnElement) -> ColumnElement:
    """Both configurations' vector of a JSON list of strings, for fields
    without a vector of their own (``res_name``, ``extras_*``...)."""
    only_strings = sa.literal_column("""'["string"]'::jsonb""")
    return sa.func.jsonb_to_tsvector(config(FRENCH), text, only_strings).op("||")(
        sa.func.jsonb_to_tsvector(config(EXACT), text, only_strings)
    )


# -- query side --------------------------------------------------------------


def _operand(word: str, flags: str) -> str:
    """``word`` as one quoted tsquery operand: PostgreSQL's parser splits it
    into lexemes exactly as it split the indexed text."""
    escaped = word.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'" + (f":{flags}" if flags else "")


@dataclasses.dataclass(frozen=True)
class TextQuery:
    """Free text as a ``tsquery``: words (all required), a phrase, or word
    prefixes, optionally restricted to some weights."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    weights: str = ""

    @classmethod
    def of(cls, text: str, phrase: bool = False, prefix: bool = False) -> "TextQuery":
        return cls(tuple(text.split()), phrase, prefix)

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
        joint = " <-> " if self.phrase else " & "
        return joint.join(_operand(word, flags) for word in self.words)

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


def matches(vector: ColumnElement, query: TextQuery) -> ColumnElement:
    if query.empty:
        return sa.false()
    return vector.bool_op("@@")(query.tsquery())


def any_of(queries: Iterable[TextQuery]) -> ColumnElement:
    """One ``tsquery`` matching any of ``queries``."""
    combined: Optional[ColumnElement] = None
    for query in queries:
        if query.empty:
            continue
        tsquery = query.tsquery()
        combined = tsquery if combined is None else combined.op("||")(tsquery)
    return combined


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
