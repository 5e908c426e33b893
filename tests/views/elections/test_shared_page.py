"""The results page is one page for every visitor without a session
(views/shared_page.py): CKAN answers it with ``X-Accel-Expires`` and no
session cookie, and nginx (deploy/nginx/issy-ckan.conf) serves one rendering
to all of them for those seconds; a visitor with a session, a logged-in user
or an API client always gets CKAN's own answer, on either session backend."""
from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from sqlalchemy import text

from ckan import model
from ckan.tests import factories
from ckanext.issy.views import shared_page
from devstack import production
from devstack.settings import ROOT
from devstack.testrun import ckan_series, run_name
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import europeennes, table_id

BACKENDS = [pytest.param("cookie", marks=pytest.mark.ckan_config("SESSION_TYPE", "cookie")),
            pytest.param("redis", marks=pytest.mark.ckan_config("SESSION_TYPE", "redis"))]
pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view datatables_view")]


def _page(package: dict[str, Any]) -> str:
    return f"/dataset/{package['name']}/resource/{table_id(package, 'results')}"


def _shared(answer: Any) -> bool:
    return shared_page.HEADER in answer.headers


def _get(app: Any, url: str, **headers: str) -> Any:
    """``url`` with exactly these headers (CKAN 2.11's test client would
    replace a Cookie header by its own, empty, cookie jar)."""
    return app.test_client(use_cookies=False).get(url, headers=headers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_visitor_without_a_session_gets_the_shared_page_and_no_cookie(
        backend: str, harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    embed = f"/resultats-electoraux/integrer?resource_id={table_id(package, 'results')}"
    for url in (_page(package), _page(package) + "?bureau=12", embed):
        answer = app.get(url)
        assert answer.status_code == 200
        assert 'data-role="city-results"' in answer.get_data(as_text=True)
        assert answer.headers[shared_page.HEADER] == "5"  # the setting's default
        assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_visitor_with_a_session_gets_ckans_own_answer(
        backend: str, harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    # A first page of the portal gives the visitor a session (its CSRF token).
    first = app.get("/dataset/")
    assert not _shared(first)
    session = first.headers["Set-Cookie"].split(";")[0]
    assert session.startswith("ckan=")
    answer = _get(app, _page(package), Cookie=session)
    assert answer.status_code == 200
    assert not _shared(answer)


def test_a_logged_in_user_or_an_api_client_gets_ckans_own_answer(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    assert not _shared(_get(app, _page(package), Authorization=token))
    assert not _shared(_get(app, _page(package), Cookie="remember_token=someone"))


def test_other_pages_are_not_shared(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    for url in ("/", f"/dataset/{package['name']}", f"/dataset/{package['name']}/resource/{table_id(package, 'turnout')}"):
        answer = app.get(url)
        assert answer.status_code == 200
        assert not _shared(answer)


@pytest.mark.ckan_config(shared_page.SECONDS_OPTION, "0")
def test_no_page_is_shared_when_the_setting_is_0(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    answer = app.get(_page(package))
    assert not _shared(answer)
    assert "Set-Cookie" in answer.headers


def test_a_view_of_the_shared_page_is_still_counted(harvest: Harvest, feed: Feed, app: Any) -> None:
    package = europeennes(harvest, feed)
    page = _page(package)
    # The tracking beacon of a page without a session (ckanext/tracking's script).
    app.post("/_tracking", data={"url": page, "type": "page"}, headers={"User-Agent": "Firefox"},
             environ_base={"REMOTE_ADDR": "192.0.2.10"})  # as gunicorn gives it
    rows = model.Session.execute(text("SELECT url FROM tracking_raw WHERE url = :url"), {"url": page})
    assert [row.url for row in rows] == [page]


def _fetch(url: str, **headers: str) -> tuple[dict[str, str], str]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as answer:
        return dict(answer.headers), answer.read().decode()


def test_nginx_serves_one_rendering_to_visitors_without_a_session(harvest: Harvest, feed: Feed) -> None:
    """Behind the nginx site of deploy/ (one gunicorn worker)."""
    package = europeennes(harvest, feed)
    server = production.WebServer(f"test-shared-{run_name(ckan_series())}", ROOT / "test.ini",
                                  production.free_port(), production.free_port())
    with production.running(server, workers=1):
        url = server.url + _page(package)
        first, page = _fetch(url)
        again, page_again = _fetch(url)
        assert (first["X-Cache-Status"], again["X-Cache-Status"]) == ("MISS", "HIT")
        assert page_again == page and 'data-role="city-results"' in page
        assert shared_page.HEADER not in again and "Set-Cookie" not in again  # nginx keeps its header
        # A visitor with a session or a token reaches CKAN, and nothing is kept of it.
        for headers in ({"Cookie": "ckan=une-session"}, {"Authorization": "un-jeton"}):
            assert _fetch(url, **headers)[0]["X-Cache-Status"] == "BYPASS"
        assert _fetch(server.url + "/dataset/")[0]["X-Cache-Status"] == "MISS"
        assert _fetch(server.url + "/dataset/")[0]["X-Cache-Status"] == "MISS"  # not marked: never kept
