"""The two things sysadmins edit from the pages themselves: the featured
visualisations and the approach text. Sysadmins only, through forms that
keep CKAN's CSRF protection, stored in the database (system_info)."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.model as model
from ckan.tests import factories

from tests.support.browser_session import csrf_token, logged_in
from tests.theme.conftest import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
EDIT = "/visualisations/vedettes"


def _stored(key: str) -> str | None:
    model.Session.remove()
    return model.get_system_info(key)


def _post(app: Any, url: str, user: dict[str, Any], **data: str) -> Any:
    """POST as ``user`` (API token: no CSRF token needed)."""
    return app.post(url, data=data, headers=as_user(user), follow_redirects=False)


def test_anonymous_visitors_see_no_controls_and_cannot_post(app, portal: dict[str, Any]) -> None:
    body = app.get("/visualisations", status=200).body

    assert "Choisir les visualisations" not in body
    assert "Pas encore de visualisation à la une" in body
    assert app.post(EDIT, data={"view_id": portal["view"]["id"], "move": "add"}).status_code == 400
    assert app.get("/a-propos/demarche/modifier").status_code == 403


def test_ordinary_users_are_refused(app, portal: dict[str, Any]) -> None:
    user = factories.UserWithToken()

    assert "Choisir les visualisations" not in app.get("/visualisations", headers=as_user(user),
                                                       status=200).body
    assert _post(app, EDIT, user, view_id=portal["view"]["id"], move="add").status_code == 403
    assert app.get("/a-propos/demarche/modifier", headers=as_user(user)).status_code == 403
    assert _stored("ckanext.issy.theme.featured_views") is None


def test_sysadmin_features_orders_and_removes_views(app, portal: dict[str, Any]) -> None:
    admin = portal["sysadmin"]
    first, second = portal["view"]["id"], portal["hostile_view"]["id"]

    for view_id in (first, second):
        assert _post(app, EDIT, admin, view_id=view_id, move="add").status_code == 302
    assert _stored("ckanext.issy.theme.featured_views") == f"{first} {second}"

    _post(app, EDIT, admin, view_id=second, move="up")
    assert _stored("ckanext.issy.theme.featured_views") == f"{second} {first}"
    body = app.get("/visualisations", headers=as_user(admin), status=200).body
    assert "Choisir les visualisations" in body
    assert body.index("&lt;script&gt;") < body.index("Graphique du budget")

    _post(app, EDIT, admin, view_id=second, move="remove")
    assert _stored("ckanext.issy.theme.featured_views") == first


def test_sysadmin_cannot_feature_a_view_that_does_not_exist(app, portal: dict[str, Any]) -> None:
    _post(app, EDIT, portal["sysadmin"], view_id="nope", move="add")
    assert _stored("ckanext.issy.theme.featured_views") is None


@pytest.mark.parametrize("anonymous_post_first", [False, True])
def test_browser_posts_without_the_csrf_token_are_refused(app, portal: dict[str, Any],
                                                          anonymous_post_first: bool) -> None:
    """A logged-in browser (cookie session) must send the form's token, also
    after an anonymous POST, which makes CKAN exempt the view from its own
    CSRF check for the rest of the process."""
    if anonymous_post_first:
        app.post(EDIT, data={"move": "add"})
        app.post("/a-propos/demarche/modifier", data={"text": "x"})
    browser = logged_in(app, portal["sysadmin"])

    assert browser.post(EDIT, data={"view_id": portal["view"]["id"], "move": "add"}).status_code == 400
    assert browser.post("/a-propos/demarche/modifier", data={"text": "x"}).status_code == 400
    assert _stored("ckanext.issy.theme.featured_views") is None
    assert _stored("ckanext.issy.theme.approach") is None


def test_sysadmin_edits_the_approach_page_in_markdown(app, portal: dict[str, Any]) -> None:
    admin = portal["sysadmin"]
    text = "## Depuis 2012\n\nUne **démarche** ouverte.<script>alert(1)</script>"

    form = app.get("/a-propos/demarche/modifier", headers=as_user(admin), status=200).body
    assert 'name="_csrf_token"' in form
    response = _post(app, "/a-propos/demarche/modifier", admin,
                     text=text)
    assert response.status_code == 302

    body = app.get("/a-propos/demarche", status=200).body
    assert "<h2>Depuis 2012</h2>" in body and "<strong>démarche</strong>" in body
    assert "<script>alert(1)" not in body
    assert _stored("ckanext.issy.theme.approach") == text


def test_browser_posts_with_the_form_token_are_accepted(app, portal: dict[str, Any]) -> None:
    browser = logged_in(app, portal["sysadmin"])
    form = browser.get("/a-propos/demarche/modifier", status=200).body

    response = browser.post("/a-propos/demarche/modifier", data={
        "text": "Depuis 2012.", "_csrf_token": csrf_token(form)}, follow_redirects=False)

    assert response.status_code == 302
    assert _stored("ckanext.issy.theme.approach") == "Depuis 2012."
