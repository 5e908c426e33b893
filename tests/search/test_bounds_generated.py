"""Thousands of generated searches, random and adversarial, as a crawler or
an attacker would send them: none ends in a server error or an exception.

The generator is seeded (hypothesis is not among the project's pinned
dependencies, and a fixed seed replays the same inputs on every run): long
queries, deep nesting, every Lucene operator, ranges and date math, known
and unknown fields, boosts, fuzzy and proximity searches, control and
binary characters, huge and malformed numbers, as ``q``, ``fq``, ``sort``,
``start`` and ``rows`` of ``package_search``, and a sample through the
dataset page and the suggestions of the search box. The slowest answer is
printed (``-s``), not asserted: ``statement_timeout`` bounds each statement.
"""
from __future__ import annotations

import dataclasses
import json
import random
import time
from typing import Any, Callable, Iterable

import pytest

import ckan.model as model

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

SEED = 19
API_SEARCHES = 2000
JSON_SEARCHES = 200
PAGE_SEARCHES = 100
SUGGESTIONS = 200

WORDS = tuple(("budget primitif Élections municipales résultats bureau vote "
         "stationnement places parkings d’Issy l'eau Île-de-France ÉCOLE "
         "œuvre naïve air quality sensors 2024 des de la the of").split())
FIELDS = tuple(("title notes tags name res_format organization groups license_id "
          "metadata_modified metadata_created views_total views_recent "
          "extras_theme res_name res_description text id title_string "
          "spatial_bbox vocab_themes debut_date num_resources "
          "permission_labels title_ngram name_ngram site_id state").split())
UNKNOWN_FIELDS = ("couleur", "thème", "_", "x-y", "0", "title.fr", "TITLE", "é")
OPERATORS = ("AND", "OR", "NOT", "&&", "||", "+", "-", "!", "(", ")", "{", "}",
             "[", "]", "^", '"', "~", "*", "?", ":", "\\", "/", "TO", "*:*")
NUMBERS = ("0", "-1", "3.5", "1e308", "1e999", str(10**30), "9" * 400, "-" + "9" * 25,
           "NaN", "inf", "0x1F", "１２", "٣", "1_000", "")
DATES = ("NOW", "NOW-1DAY", "NOW/DAY+1DAY", "NOW-1MONTH/DAY", "NOW-99999999YEARS",
         "NOW+" + "9" * 30 + "MILLIS", "2024-01-01T00:00:00Z", "2024-13-45T99:00:00Z",
         "2024-01-01T00:00:00Z+1YEAR", "NOW+1FORTNIGHT", "NOW/", "*", "0001-01-01T00:00:00Z-1DAY")
STRANGE = tuple(chr(code) for code in range(32)) + (
    "\x7f", "\u00a0", "\u200b", "\ufeff", "\u202e", "\U0001F5F3", "\uffff", "\U0010ffff")


class Generator:
    """Searches drawn from a seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, items: Any) -> Any:
        return self.rng.choice(items)

    def word(self) -> str:
        return self.pick((
            lambda: self.pick(WORDS),
            lambda: self.pick(WORDS)[:self.rng.randint(1, 5)] + self.pick(("*", "?", "")),
            lambda: "*" + self.pick(WORDS),
            lambda: self.pick(NUMBERS) or "0",
            lambda: self.pick(DATES).replace(":", "\\:"),
            lambda: self.pick(WORDS) + "~" + self.pick(("", "1", "2", "99", "0.5")),
            lambda: f'"{self.pick(WORDS)} {self.pick(WORDS)}"~{self.pick(NUMBERS) or 2}',
            lambda: f'"{" ".join(self.pick(WORDS) for _ in range(self.rng.randint(0, 6)))}"',
            lambda: f"/{self.pick(WORDS)}.*/",
            lambda: self.pick(WORDS) + "^" + self.pick(("2", "0.5", "-1", "1e400", "")),
            lambda: self.range(),
            lambda: self.strange(),
        ))()

    def range(self) -> str:
        low, high = (self.pick(DATES + NUMBERS[:8] + tuple(WORDS[:3])) for _ in range(2))
        return f"{self.pick('[{')}{low} TO {high}{self.pick(']}')}"

    def strange(self) -> str:
        return "".join(self.pick(STRANGE) if self.rng.random() < 0.5
                       else chr(self.rng.randint(32, 0xD7FF))
                       for _ in range(self.rng.randint(1, 12)))

    def field(self) -> str:
        return self.pick(FIELDS) if self.rng.random() < 0.8 else self.pick(UNKNOWN_FIELDS)

    def clause(self, depth: int) -> str:
        roll = self.rng.random()
        if depth <= 0 or roll < 0.4:
            return self.word()
        if roll < 0.6:
            return f"{self.field()}:{self.word()}"
        if roll < 0.7:
            return f"{self.field()}:({self.query(depth - 1)})"
        if roll < 0.85:
            return f"({self.query(depth - 1)})"
        return self.pick(("NOT ", "+", "-", "!")) + self.clause(depth - 1)

    def query(self, depth: int = 3) -> str:
        clauses = [self.clause(depth) for _ in range(self.rng.randint(1, 5))]
        joints = (" ", " AND ", " OR ", " && ", " || ", "")
        return clauses[0] + "".join(self.pick(joints) + clause for clause in clauses[1:])

    def soup(self) -> str:
        tokens = WORDS + OPERATORS + FIELDS[:6] + STRANGE[:8]
        return "".join(self.pick(tokens) + self.pick((" ", "", ":"))
                       for _ in range(self.rng.randint(1, 40)))

    def adversarial(self) -> str:
        count = self.rng.choice((50, 101, 150, 200, 500, 1000, 3000))
        return self.pick((
            lambda: " ".join(self.pick(WORDS) for _ in range(count)),
            lambda: " AND ".join(self.pick(WORDS) for _ in range(count)),
            lambda: " ".join(f"{self.pick(WORDS)[:4]}{n}*" for n in range(count)),
            lambda: "(" * count + self.pick(WORDS) + ")" * self.rng.randint(0, count),
            lambda: "NOT " * count + self.pick(WORDS),
            lambda: "+-" * count + self.pick(WORDS),
            lambda: "tags:(" + " OR ".join(str(n) for n in range(count * 2)) + ")",
            lambda: self.query(depth=8),
            lambda: self.strange() * (count // 10),
        ))()

    def q(self) -> str:
        return self.pick((self.query, self.query, self.soup, self.adversarial,
                          self.word, self.strange))()

    def sort(self) -> str:
        keys = [f"{self.pick(FIELDS + ('score',) + UNKNOWN_FIELDS)} "
                f"{self.pick(('asc', 'desc', 'DESC', 'sideways', ''))}"
                for _ in range(self.rng.randint(1, 4))]
        if self.rng.random() < 0.2:
            keys.append(self.strange())
        return self.pick((", ", ",", " ")).join(keys)

    def number(self) -> str:
        return self.pick(NUMBERS + ("10", "1000", "100000", "100001", str(2**63), "abc", " 3"))

    def facets(self) -> str:
        count = self.pick((1, 6, 21, 300))
        return json.dumps([self.pick(FIELDS + UNKNOWN_FIELDS) + self.pick(("", str(n)))
                           for n in range(count)])

    def fq_list(self) -> list[str]:
        return [self.q() for _ in range(self.pick((1, 3, 50)))]

    def search(self) -> dict[str, Any]:
        """``package_search`` parameters: always ``q``, some others."""
        params: dict[str, Any] = {"q": self.q()}
        for name, chance, draw in (
                ("fq", 0.5, self.q), ("sort", 0.3, self.sort),
                ("start", 0.2, self.number), ("rows", 0.2, self.number),
                ("facet.field", 0.1, self.facets), ("fq_list", 0.05, self.fq_list)):
            if self.rng.random() < chance:
                params[name] = draw()
        return params


@dataclasses.dataclass
class Run:
    """The problems of the requests sent (a status outside those allowed,
    or an exception), the slowest answers and the time of each channel."""

    problems: list[str] = dataclasses.field(default_factory=list)
    slowest: list[tuple[float, str]] = dataclasses.field(default_factory=list)
    channels: list[str] = dataclasses.field(default_factory=list)

    def send(self, channel: str, requests: Iterable[tuple[str, Callable[[], Any]]],
             allowed: set[int]) -> None:
        began, count = time.perf_counter(), 0
        for label, request in requests:
            count += 1
            self._send(f"{channel} {label}", request, allowed)
        self.channels.append(f"{count} via {channel} in {time.perf_counter() - began:.1f} s")

    def _send(self, label: str, request: Callable[[], Any], allowed: set[int]) -> None:
        began = time.perf_counter()
        try:
            status = request().status_code
        except Exception as error:  # any exception is a failure to report
            model.Session.rollback()
            self.problems.append(f"{label}: {error!r}"[:500])
            return
        self.slowest = sorted([*self.slowest, (time.perf_counter() - began, label[:160])],
                              reverse=True)[:3]
        if status not in allowed:
            self.problems.append(f"{label}: HTTP {status}"[:500])

    def summary(self) -> str:
        return ("; ".join(self.channels) + ". Slowest answers: "
                + "; ".join(f"{seconds:.3f} s {label}" for seconds, label in self.slowest))


def test_no_generated_search_gets_a_server_error(
        app: Any, french_catalogue: dict[str, Any], record_property: Any) -> None:
    generate = Generator(SEED)
    run = Run()

    def api(params: dict[str, Any]) -> tuple[str, Callable[[], Any]]:
        return repr(params), lambda: app.get("/api/3/action/package_search",
                                             query_string=params)

    def api_json(params: dict[str, Any]) -> tuple[str, Callable[[], Any]]:
        # JSON carries what a URL cannot: lone surrogates.
        if generate.rng.random() < 0.25:
            params["q"] += "\ud800"
        body = json.dumps(params)
        return repr(params), lambda: app.post(
            "/api/3/action/package_search", data=body,
            headers={"Content-Type": "application/json"})

    def page(params: dict[str, Any]) -> tuple[str, Callable[[], Any]]:
        params = {"q": params["q"], "sort": params.get("sort", ""),
                  "page": params.get("start", "1"), "tags": generate.word()}
        return repr(params), lambda: app.get("/dataset/", query_string=params)

    def suggestion() -> tuple[str, Callable[[], Any]]:
        url, name = generate.pick((("/api/2/util/dataset/autocomplete", "incomplete"),
                                   ("/api/3/action/package_autocomplete", "q")))
        params = {name: generate.q(), "limit": generate.number()}
        return f"{url} {params!r}", lambda: app.get(url, query_string=params)

    run.send("API", (api(generate.search()) for _ in range(API_SEARCHES)), {200, 400, 409})
    run.send("API JSON", (api_json(generate.search()) for _ in range(JSON_SEARCHES)),
             {200, 400, 409})
    run.send("/dataset", (page(generate.search()) for _ in range(PAGE_SEARCHES)), {200, 400})
    run.send("suggestions", (suggestion() for _ in range(SUGGESTIONS)), {200, 400, 409})

    print(run.summary())
    record_property("generated_searches", run.summary())
    assert not run.problems, f"{len(run.problems)} problems:\n" + "\n".join(run.problems[:30])
