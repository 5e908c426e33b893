"""Free text as CKAN sends it: Solr's ``dismax`` and ``edismax``.

``package_search`` sends a ``q`` without ``:`` with ``defType=dismax``,
``mm=2<-1 5<80%``, ``qf=name^4 title^4 tags^2 groups^2 text``, ``tie=0.1``
and ``q.op=AND``. Here:

- ``q`` is read with the whole Lucene syntax, as edismax reads it: phrases,
  ``+``/``-``, ``AND``/``OR``/``NOT``, parentheses, ``budg*``, ``field:value``;
- the bare clauses of a top-level list (``budgets ville 2024``) follow
  ``mm``, Solr's "minimum should match", after French stop words are
  dropped (unless there is nothing else); ``+`` clauses are required and
  ``-`` clauses excluded on top. Without ``mm``, ``q.op=AND`` requires every
  bare clause and ``q.op=OR`` any one, as in Solr;
- a top-level ``AND``/``OR`` is plain boolean logic;
- ``qf`` chooses the weights of ``search_vector`` that bare words search
  (``title`` A, ``tags``/``groups`` B, ``notes`` C, any other field D,
  ``text`` all); its boosts and ``tie`` are not needed, the weights rank.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional

import luqum.tree as lq
from sqlalchemy.orm import Session

from ckanext.issy.search import text
from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.fields import resolve
from ckanext.issy.search.query import MATCH_ALL, CompiledQuery, LuceneCompiler, parse

_LESS_THAN = re.compile(r"\s*<\s*")
# Required or excluded clauses, which mm does not count.
_MARKED = (lq.Plus, lq.Prohibit, lq.Not)


def min_should_match(spec: str, clauses: int) -> int:
    """How many of ``clauses`` optional clauses must match, by Solr's rules
    (``SolrPluginUtils.calculateMinShouldMatch``): ``3``, ``-1``, ``80%``,
    ``-25%``, or conditions ``2<-1 5<80%`` (up to 2 clauses: all; up to 5:
    all but one; beyond: 80%, rounded down)."""
    try:
        spec = _LESS_THAN.sub("<", spec.strip())
        if "<" not in spec:
            return _simple_match(spec, clauses)
        result = clauses
        for condition in spec.split():
            bound, _less_than, inner = condition.partition("<")
            if clauses <= int(bound):
                return result
            result = _simple_match(inner, clauses)
        return result
    except ValueError:
        raise InvalidQuery(
            _('Invalid "mm" parameter "{spec}": use Solr\'s syntax, e.g. '
              '"2", "-1", "75%" or "2<-1 5<80%"').format(spec=spec)
        ) from None


def _simple_match(spec: str, clauses: int) -> int:
    if spec.endswith("%"):
        share = clauses * int(spec[:-1]) / 100
        result = clauses + int(share) if share < 0 else int(share)
    else:
        number = int(spec)
        result = clauses + number if number < 0 else number
    return min(clauses, max(0, result))


def qf_weights(qf: Optional[str]) -> str:
    """The weights of the fields ``qf`` lists; "" (all) with ``text``."""
    weights = set()
    for entry in (qf or "").split():
        field = resolve(entry.split("^", 1)[0])
        if field.name == "text":
            return ""
        weights.add(text.weight_of(field.name) or text.OTHER_WEIGHT)
    return "".join(sorted(weights))


@dataclasses.dataclass
class DismaxCompiler(LuceneCompiler):
    """``q`` of a dismax/edismax request; ``session`` tells stop words."""

    mm: str = "100%"
    session: Optional[Session] = None

    def compile(self, query: str) -> CompiledQuery:
        if not query.strip() or query.strip() == MATCH_ALL:
            return super().compile(query)
        tree = parse(query)
        if not isinstance(tree, lq.UnknownOperation):
            # One clause, or explicit boolean operators.
            return self.compile_tree(tree, lambda node: self._node(node, None))
        clauses = lq.UnknownOperation(*self._without_stop_words(tree.children))
        return self.compile_tree(clauses, lambda node: self._clauses(
            node, None, lambda count: min_should_match(self.mm, count)
        ))

    def _without_stop_words(self, clauses: tuple[lq.Item, ...]) -> list[lq.Item]:
        """The clauses without bare French stop words, unless only stop
        words are bare: "résultats des élections" needs both real words."""
        words = [
            clause for clause in clauses
            if isinstance(clause, lq.Word) and not clause.has_wildcard()
        ]
        if self.session is None or not words:
            return list(clauses)
        stop = {
            id(word)
            for word, is_stop in zip(words, text.stop_words(
                self.session, [word.value for word in words]))
            if is_stop
        }
        kept = [clause for clause in clauses if id(clause) not in stop]
        if all(isinstance(clause, _MARKED) for clause in kept):
            return list(clauses)
        return kept
