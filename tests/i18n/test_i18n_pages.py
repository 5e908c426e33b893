"""Every page speaks its language only: a crawl of a small harvested portal,
in French and in English, fails on any interface string shown in the other
language (tests/support/page_language.py says how strings are compared;
docs/translations.md what to do when it fails)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import lxml.html
import pytest
from ckan.tests import factories

from ckanext.issy.theme import settings
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401 (fixtures)
from tests.support.page_language import (
    LanguageChecker, WrongLanguage, normalise, site_messages,
)

DECISION = "decision-modificative-2024-bom.csv"
# A stage the SCDL schema does not know: published, with a warning in the
# job report, so that the report shows its error tables too.
CFU = "compte-financier-unique-2024.csv"
SOURCE = "budgets-issy"
SEEDS = (
    "/", "/dataset/", "/visualisations", "/creer", "/a-propos", "/a-propos/demarche",
    "/a-propos/reutiliser", "/a-propos/contact", "/accessibilite", "/mentions-legales",
    "/confidentialite", "/organization/", "/group/", "/harvest/",
)
# Not pages, or not for visitors: downloads, feeds, the API, assets.
NOT_PAGES = ("/api/", "/feeds/", "/catalog", "/uploads/", "/base/", "/webassets/",
             "/harvest/object/", "/dataset/harvest_object/", "/user/_logout", "/_")
# A guard against a crawl that never ends (links are followed without their
# query strings, so a small site has a few dozen pages).
MAX_PAGES = 300


@dataclass
class Site:
    """The crawled portal: its pages and the texts that are data, not interface."""

    public: list[str]
    admin: list[str]  # harvest jobs are shown to the source's editors only
    admin_headers: dict[str, str]
    data: frozenset[str] = field(default_factory=frozenset)


def _dictionary(resource: dict[str, Any]) -> set[str]:
    """The labels and notes of a table's data dictionary: the harvester
    writes them in French, as data ("Chapitre", "Fonction")."""
    if not resource.get("datastore_active"):
        return set()
    fields = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource["id"]})["fields"]
    return {str((field.get("info") or {}).get(key) or "") for field in fields for key in ("label", "notes")}


def _data_texts(report: dict[str, Any], *objects: dict[str, Any]) -> frozenset[str]:
    """Titles, descriptions, data dictionaries and stored messages, in French on every page."""
    texts = set(errors(report))
    for obj in objects:
        texts.update(str(obj.get(key) or "") for key in ("title", "display_name", "notes",
                                                          "description", "name"))
        for resource in obj.get("resources", []):
            texts.update(str(resource.get(key) or "") for key in ("name", "description"))
            texts.update(_dictionary(resource))
    return frozenset(normalise(text) for text in texts if text)


@pytest.fixture
def site(harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> Site:  # noqa: F811
    """An organisation, a group, two harvested datasets with their resources
    and a featured view, a harvest source and its finished job."""
    feed.serve_file(DECISION)
    feed.serve_file(CFU)
    source = harvest.source(feed.url(DECISION), {"urls": [feed.url(CFU)]}, name=SOURCE)
    report = harvest.run(source)
    assert errors(report), "the job report should show an error table"
    context = {"user": harvest.sysadmin["name"]}
    [dataset, *others] = tk.get_action("package_search")(context, {"q": "*:*", "sort": "name asc"})["results"]
    resource = dataset["resources"][0]
    view = factories.ResourceView(resource_id=resource["id"], view_type="datatables_view",
                                  title="Tableau des lignes budgétaires")
    monkeypatch.setitem(tk.config, settings.FEATURED_VIEWS, view["id"])
    group = tk.get_action("group_show")(context, {"id": dataset["groups"][0]["name"]})
    token = tk.get_action("api_token_create")(context, {"user": context["user"], "name": "crawl"})
    [job] = tk.get_action("harvest_job_list")(context, {"source_id": source["id"]})
    return Site(
        public=[*SEEDS, f"/dataset/{dataset['name']}", f"/dataset/{dataset['name']}/resource/{resource['id']}",
                f"/organization/{harvest.organization['name']}", f"/group/{group['name']}",
                f"/harvest/{SOURCE}", f"/harvest/about/{SOURCE}"],
        admin=[f"/harvest/admin/{SOURCE}", f"/harvest/{SOURCE}/job", f"/harvest/{SOURCE}/job/{job['id']}"],
        admin_headers={"Authorization": token["token"]},
        data=_data_texts(report, dataset, *others, resource, view, group, harvest.organization, source),
    )


# --- the crawl ----------------------------------------------------------------

def _localised(path: str, language: str) -> str:
    return path if language == "fr" else "/en" + path


def _in_language(path: str, language: str) -> bool:
    english = path == "/en" or path.startswith("/en/")
    return english == (language == "en")


def _links(body: str, language: str) -> Iterator[str]:
    site = urlsplit(tk.config["ckan.site_url"]).netloc
    for href in lxml.html.document_fromstring(body).xpath("//a/@href"):
        url = urlsplit(href)
        if url.netloc in ("", site) and url.path.startswith("/") and _in_language(url.path, language):
            yield url.path


def crawl(app: Any, seeds: list[str], language: str, headers: dict[str, str] | None = None,
          follow: bool = True) -> Iterator[tuple[str, str]]:
    """(path, HTML) of every page reached from the seeds, each once."""
    queue = [_localised(seed, language) for seed in seeds]
    seen = set(queue)
    while queue:
        assert len(seen) <= MAX_PAGES, f"the crawl found more than {MAX_PAGES} pages"
        path = queue.pop(0)
        response = app.get(path, headers=headers or {}, follow_redirects=False)
        links: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            links = [urlsplit(response.headers["Location"]).path]
        elif response.status_code == 200 and response.content_type.startswith("text/html"):
            yield path, response.body
            links = list(_links(response.body, language)) if follow else []
        for link in links:
            if link not in seen and not link.startswith(NOT_PAGES) and "/download" not in link:
                seen.add(link)
                queue.append(link)


# --- the test -----------------------------------------------------------------

@pytest.fixture(scope="module")
def checker() -> LanguageChecker:
    return LanguageChecker(site_messages())


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_shows_its_language_only(app: Any, site: Site, checker: LanguageChecker,
                                            language: str) -> None:
    pages = dict(crawl(app, site.public, language))
    pages.update(crawl(app, site.admin, language, site.admin_headers, follow=False))
    found: list[WrongLanguage] = []
    for path, body in pages.items():
        found += checker.check(path, body, language, site.data)

    expected = {_localised(path, language) for path in site.public + site.admin}
    assert expected - pages.keys() == set(), "pages not rendered"
    assert not found, _describe(found)


def _describe(found: list[WrongLanguage]) -> str:
    """One line per string, with its msgid and the pages showing it."""
    pages: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for item in found:
        pages.setdefault((item.text, item.msgids), []).append(item.url)
    lines = []
    for (text, msgids), urls in sorted(pages.items()):
        msgid = "" if msgids == (text,) else f" (msgid {' or '.join(map(repr, msgids))})"
        more = f" and {len(urls) - 3} more" if len(urls) > 3 else ""
        lines.append(f"{text!r}{msgid} on {', '.join(urls[:3])}{more}")
    return (f"{len(pages)} string(s) in the other language ({found[0].language} pages); see "
            "\"When the page crawl fails\" in docs/translations.md:\n" + "\n".join(lines))
