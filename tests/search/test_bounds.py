"""Every input gets a bounded, clean answer: what used to end in a server
error (a RecursionError, a NUL character, a bigint or a year out of range)
or ran for seconds is refused with a message naming the limit, through the
API, the dataset page and the suggestions of the search box; and a search
running too long is cancelled, leaving the request able to go on."""
from __future__ import annotations

import contextlib
import html
import json
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib.search.common import SearchQueryError

from ckanext.issy.search import bounds
from tests.search.support import names, patch, search

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    # Messages in English (the API answers in the site's language); the
    # dataset page is read under /en/.
    pytest.mark.ckan_config("ckan.locale_default", "en"),
]

WORDS = ("budget primitif élections municipales résultats bureau de vote "
         "stationnement places disponibles parkings air quality sensors").split()


def words(count: int, joint: str = " ") -> str:
    return joint.join(WORDS[i % len(WORDS)] for i in range(count))


TOO_LONG = "This search is too long"
TOO_MANY_WORDS = "This search holds too many words: at most 100"

# (parameters of package_search, what the answer says)
BAD_SEARCHES = [
    pytest.param({"q": words(200)}, TOO_MANY_WORDS, id="200 words"),
    pytest.param({"q": words(2000, " AND ")}, TOO_LONG, id="2000 terms joined by AND"),
    pytest.param({"q": words(101, " AND ")}, TOO_MANY_WORDS, id="101 words joined by AND"),
    pytest.param({"q": "name:(" + " OR ".join(f"n{n}" for n in range(1025)) + ")"},
                 "This search holds too many terms: at most 1024", id="1025 names"),
    pytest.param({"q": " ".join(f"{word[:4]}{n}*" for n, word in enumerate(WORDS * 300))},
                 TOO_LONG, id="3400 patterns"),
    pytest.param({"q": "budg* élec* stat* park* rés* vot* bur* pla* air* qual* sens*"},
                 "This search holds too many patterns (* or ?): at most 10", id="11 patterns"),
    pytest.param({"q": "(" * 40 + "budget" + ")" * 40},
                 "This search is nested too deeply", id="40 parentheses"),
    pytest.param({"q": "NOT " * 40 + "budget"}, "This search is nested too deeply",
                 id="40 NOTs"),
    pytest.param({"q": "budget\x00primitif"}, 'The "q" parameter holds a NUL character',
                 id="NUL in q"),
    pytest.param({"fq": "tags:finances\x00"}, 'The "fq" parameter holds a NUL character',
                 id="NUL in fq"),
    pytest.param({"sort": "name\x00 asc"}, 'The "sort" parameter holds a NUL character',
                 id="NUL in sort"),
    pytest.param({"start": str(10**30)},
                 "Results can be read up to number 100000, not from number 1" + "0" * 30,
                 id="start 10^30"),
    pytest.param({"fq": "metadata_modified:[NOW-99999999YEARS TO abc]"},
                 'The date "NOW-99999999YEARS" is out of range', id="year out of range"),
    pytest.param({"fq": "metadata_modified:[NOW-1" + "0" * 5000 + "DAYS TO NOW]"},
                 "is out of range", id="5000-digit day count"),
    # The limits are those of a whole search, whatever its number of fq.
    pytest.param({"q": words(60), "fq_list": [f"title:{word}" for word in WORDS * 3]},
                 TOO_MANY_WORDS, id="60 words in q and 45 in fq_list"),
    pytest.param({"fq_list": ["tags:" + "finances" * 700, "tags:" + "budget" * 800]},
                 TOO_LONG, id="two long fq"),
    pytest.param({"facet.field": json.dumps([f"champ_{n}" for n in range(21)])},
                 "This search asks for too many facets: at most 20", id="21 facet fields"),
    # Found by the generated searches (test_bounds_generated.py).
    pytest.param({"q": '"bureau vote"~3.5'}, "Cannot parse query", id="decimal proximity"),
    pytest.param({"fq": "spatial_bbox:[2.2 TO 2.3]"},
                 'Range queries are not supported on field "spatial_bbox"', id="bbox range"),
]


def api_search(app: Any, **params: Any) -> Any:
    return app.get("/api/3/action/package_search", query_string=params)


@pytest.mark.parametrize("params, message", BAD_SEARCHES)
def test_the_api_refuses_an_unbounded_search_with_400_and_a_message(
        app: Any, issy: dict[str, Any], params: dict[str, str], message: str) -> None:
    response = api_search(app, **params)

    assert response.status_code == 400
    assert response.json["error"]["__type"] == "Search Query Error"
    assert message in response.json["error"]["message"]


@pytest.mark.parametrize("params, message", [
    pytest.param({"q": words(150)}, TOO_MANY_WORDS, id="150 words"),
    pytest.param({"q": "budget\x00"}, 'The "q" parameter holds a NUL character', id="NUL"),
    pytest.param({"page": str(10**22)}, "Results can be read up to number 100000",
                 id="page 10^22"),
    pytest.param({"q": "élections", "sort": "metadata_modified\x00 desc"},
                 'The "sort" parameter holds a NUL character', id="NUL in sort"),
    pytest.param({"tags": "vote\x00"}, 'The "fq" parameter holds a NUL character',
                 id="NUL in a facet"),
])
def test_the_dataset_page_explains_an_unbounded_search(
        app: Any, issy: dict[str, Any], params: dict[str, str], message: str) -> None:
    response = app.get("/en/dataset/", query_string=params)

    assert response.status_code == 400
    assert message in html.unescape(response.body)


@pytest.mark.parametrize("url, params", [
    ("/api/2/util/dataset/autocomplete", {"incomplete": "budg\x00"}),
    ("/api/3/action/package_autocomplete", {"q": "budg\x00"}),
])
def test_suggestions_refuse_a_nul_character(app: Any, issy: dict[str, Any], url: str,
                                            params: dict[str, str]) -> None:
    response = app.get(url, query_string=params)

    assert response.status_code == 400
    assert response.json["error"]["__type"] == "Search Query Error"
    assert 'holds a NUL character' in response.json["error"]["message"]


@pytest.mark.parametrize("url, params", [
    ("/api/2/util/dataset/autocomplete", {"incomplete": "élections " * 1200}),
    ("/api/3/action/package_autocomplete", {"q": "élections " * 1200}),
])
def test_suggestions_refuse_a_text_too_long(app: Any, issy: dict[str, Any], url: str,
                                            params: dict[str, str]) -> None:
    response = app.get(url, query_string=params)

    assert response.status_code == 400
    assert TOO_LONG in response.json["error"]["message"]


@pytest.mark.parametrize("url, params", [
    (url, {name: "élect", "limit": limit})
    for url, name in (("/api/2/util/dataset/autocomplete", "incomplete"),
                      ("/api/3/action/package_autocomplete", "q"))
    for limit in ("-1", "dix", "")
])
def test_suggestions_refuse_a_limit_that_is_not_a_natural_number(
        app: Any, issy: dict[str, Any], url: str, params: dict[str, str]) -> None:
    response = app.get(url, query_string=params)

    assert response.status_code == 400
    assert '"limit" must be a natural number' in response.json["error"]["message"]


def test_an_empty_start_or_rows_is_not_given(app: Any, french_catalogue: dict[str, Any]) -> None:
    response = api_search(app, q="élections", start="", rows="")

    assert response.status_code == 200
    assert response.json["result"]["count"] == 2


def test_wildcards_search_tags_and_formats(french_catalogue: dict[str, Any]) -> None:
    assert names(search(fq="tags:financ*", sort="name asc")) == [
        "budget-primitif-2024", "comptes-administratifs"]
    assert names(search(fq="res_format:C?V", sort="name asc")) == [
        "budget-primitif-2024", "stationnement-temps-reel"]


def test_suggestions_with_a_huge_limit_are_all_the_matches(
        app: Any, french_catalogue: dict[str, Any]) -> None:
    response = app.get("/api/2/util/dataset/autocomplete",
                       query_string={"incomplete": "élect", "limit": str(10**30)})

    assert response.status_code == 200
    assert {result["name"] for result in response.json["ResultSet"]["Result"]} == {
        "elections-municipales-2020", "resultats-europeennes-2024"}


def test_invalid_unicode_in_a_json_request_is_refused(app: Any, issy: dict[str, Any]) -> None:
    # A lone surrogate, which JSON can carry but UTF-8 cannot.
    response = app.post("/api/3/action/package_search",
                        data='{"q": "budget \\ud800"}',
                        headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert 'The "q" parameter is not valid Unicode text' in response.json["error"]["message"]


@pytest.mark.parametrize("params", [
    pytest.param({"q": words(100)}, id="100 words"),
    pytest.param({"q": words(100, " AND ")}, id="100 words joined by AND"),
    # CKAN's own filters (site, state, permissions) hold a few more terms.
    pytest.param({"q": "name:(" + " OR ".join(f"n{n}" for n in range(1000)) + ")"},
                 id="1000 names"),
    pytest.param({"q": "(" * 10 + "budget" + ")" * 10}, id="10 parentheses"),
    pytest.param({"q": "budg* élec* stat* park* rés* vot* bur* pla* air* qual*"},
                 id="10 patterns"),
    pytest.param({"start": "100000"}, id="start 100000"),
    pytest.param({"fq": "metadata_modified:[2000-01-01T00:00:00Z-1999YEARS TO "
                        "2000-01-01T00:00:00Z+7999YEARS]"}, id="years 1 to 9999"),
])
def test_searches_within_the_limits_are_answered(
        app: Any, french_catalogue: dict[str, Any], params: dict[str, str]) -> None:
    response = api_search(app, **params)

    assert response.status_code == 200, response.body


def test_a_query_of_96_words_runs_and_finds_what_it_describes(
        french_catalogue: dict[str, Any]) -> None:
    # Dismax's 80 % of 100 words: the words of one dataset are not enough,
    # but repeated they are, and the compiled SQL is not too deep to run.
    title = "Stationnement places disponibles en temps réel parkings ville"
    assert names(search(q=" ".join([title] * 12)[:800])) == ["stationnement-temps-reel"]


@pytest.mark.ckan_config(bounds.OPTION_PREFIX + "max_text_terms", "3")
@pytest.mark.ckan_config(bounds.OPTION_PREFIX + "max_wildcards", "1")
@pytest.mark.ckan_config(bounds.OPTION_PREFIX + "max_start", "20")
@pytest.mark.ckan_config(bounds.OPTION_PREFIX + "max_query_length", "400")
def test_each_limit_is_a_site_setting(app: Any, issy: dict[str, Any]) -> None:
    def message(**params: str) -> str:
        response = api_search(app, **params)
        assert response.status_code == 400
        return response.json["error"]["message"]

    assert "at most 3 words" in message(q="budget primitif élections municipales")
    assert "at most 1 are accepted" in message(q="budg* élec*")
    assert "up to number 20" in message(start="21")
    assert "at most 400 are accepted" in message(fq="title:" + "budget" * 70)
    assert api_search(app, q="budget primitif élections", start="20").status_code == 200


# -- statement_timeout ---------------------------------------------------------

TIMEOUT = bounds.OPTION_PREFIX + "statement_timeout"


@contextlib.contextmanager
def index_locked() -> Iterator[None]:
    """The index table locked by another transaction (as a long migration
    would): a search waits for it until its statement_timeout."""
    with model.meta.engine.begin() as other:
        other.execute(sa.text("LOCK TABLE issy_search_index IN ACCESS EXCLUSIVE MODE"))
        yield


def statement_timeout() -> str:
    return model.Session.execute(sa.text("SHOW statement_timeout")).scalar_one()


@pytest.mark.ckan_config(TIMEOUT, "100")
def test_a_search_running_too_long_is_cancelled_with_a_message(
        app: Any, french_catalogue: dict[str, Any]) -> None:
    with index_locked():
        api = api_search(app, q="budget")
        page = app.get("/en/dataset/", query_string={"q": "budget"})
        organisation = app.get("/en/organization/ville-d-issy-les-moulineaux")
        suggestions = app.get("/api/2/util/dataset/autocomplete",
                              query_string={"incomplete": "budg"})

    message = "This search takes too long to answer"
    assert api.status_code == 400
    assert message in api.json["error"]["message"]
    for response in (page, organisation):
        # The whole page, in the site's theme, around the message.
        assert response.status_code == 400
        assert message in response.body
        assert "Issy-les-Moulineaux – données ouvertes (tests)" in response.body
    assert suggestions.status_code == 400
    assert message in suggestions.json["error"]["message"]


@pytest.mark.ckan_config(TIMEOUT, "100")
def test_a_cancelled_search_leaves_the_transaction_usable_and_unbounded(
        french_catalogue: dict[str, Any]) -> None:
    before = statement_timeout()
    with index_locked():
        with pytest.raises(SearchQueryError, match="takes too long"):
            search(q="budget")

    # The same transaction goes on: no statement_timeout for its writes,
    # and it can still search and write the index.
    assert statement_timeout() == before
    assert "budget-primitif-2024" in names(search(q="budget"))
    assert statement_timeout() == before
    patch("budget-primitif-2024", title="Budget primitif 2024 révisé")
    assert names(search(q="révisé")) == ["budget-primitif-2024"]


def test_a_search_sets_its_timeout_for_itself_only(french_catalogue: dict[str, Any]) -> None:
    before = statement_timeout()
    search(q="élections", **{"facet.field": json.dumps(["tags"])})

    assert statement_timeout() == before
