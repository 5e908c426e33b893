"""Result pages with more than one page name every pagination link, in the
page's language (theme/pagination.py), on /dataset, an organisation's and a
group's pages and the lists of organisations and groups."""
from __future__ import annotations

import re
from typing import Any

import pytest
from ckan.tests import factories

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
              pytest.mark.ckan_config("ckan.datasets_per_page", "2")]
NAMES = {"fr": ("Pages de résultats", "Page précédente", "Page suivante"),
         "en": ("Pages of results", "Previous page", "Next page")}


def _pagination(body: str) -> str:
    found = re.search(r'<nav aria-label="[^"]+"><div class="pagination-wrapper">.*?</nav>', body, re.S)
    assert found, "no named pagination"
    return found.group(0)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", ["/dataset/", "/organization/mairie", "/group/budget", "/organization/", "/group/"])
def test_every_pagination_link_has_a_name(app: Any, paged: dict[str, Any], path: str, lang: str) -> None:
    landmark, previous, following = NAMES[lang]
    prefix = "" if lang == "fr" else "/en"
    first = _pagination(app.get(prefix + path, status=200).body)
    second = _pagination(app.get(prefix + path + "?page=2", status=200).body)

    assert first.startswith(f'<nav aria-label="{landmark}">')
    assert f'<span class="visually-hidden">{following}</span>' in first
    assert previous not in first  # the first page has no previous page
    assert f'<span class="visually-hidden">{previous}</span>' in second
    for links in (first, second):
        # Every link's name: a number, "..." or the hidden words; icons are hidden.
        for anchor in re.findall(r"<a [^>]*>(.*?)</a>", links, re.S):
            text = re.sub(r'<i [^>]*aria-hidden="true"[^>]*></i>', "", anchor)
            assert re.sub(r"<[^>]+>", "", text).strip(), anchor
        assert "«" not in links and "»" not in links


def test_one_page_of_results_has_no_pagination(app: Any) -> None:
    factories.Dataset(name="seul", title="Un seul jeu", owner_org=factories.Organization()["id"])
    assert "Pages de résultats" not in app.get("/dataset/", status=200).body


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_current_page_says_so_and_the_gap_is_no_link(app: Any, paged: dict[str, Any], lang: str) -> None:
    """Six pages: CKAN's pager shows 1 2 3 … 6 on the first, the gap as a
    link to "#" (a stop for the keyboard that leads nowhere)."""
    for n in range(5, 12):
        factories.Dataset(name=f"jeu-{n}", title=f"Jeu de données n° {n}", owner_org=paged["org"]["id"])
    prefix = "" if lang == "fr" else "/en"
    links = _pagination(app.get(prefix + "/dataset/", status=200).body)

    assert 'href="#"' not in links
    assert '<span class="page-link">…</span>' in links
    current = re.findall(r"<a [^>]*aria-current=\"page\"[^>]*>(.*?)</a>", links)
    assert current == ["1"]
