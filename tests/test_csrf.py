"""CKAN's CSRF protection holds for logged-in browsers, whatever requests
came before: an exemption CKAN grants to a request without a session (API
token, anonymous visitor) is not carried over to the next requests."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.model as model
from ckan.tests import factories

from tests.support.browser_session import csrf_token, logged_in
from tests.theme.conftest import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
NEW_DATASET = "/dataset/new"


def _dataset_form(org: dict[str, Any], name: str) -> dict[str, str]:
    return {"name": name, "title": "Qualité de l'air à Issy", "owner_org": org["id"],
            "save": "continue", "_ckan_phase": "dataset_new_1"}


def _created(name: str) -> bool:
    model.Session.remove()
    return model.Package.get(name) is not None


@pytest.fixture
def organisation(sysadmin: dict[str, Any]) -> dict[str, Any]:
    return factories.Organization(name="ville", title="Ville d'Issy", user=sysadmin)


@pytest.fixture
def sysadmin() -> dict[str, Any]:
    return factories.SysadminWithToken()


def test_a_browser_post_without_token_is_refused_after_an_anonymous_visit(
        app: Any, sysadmin: dict[str, Any], organisation: dict[str, Any]) -> None:
    app.get(NEW_DATASET)  # anonymous: CKAN exempts this request from CSRF
    browser = logged_in(app, sysadmin)

    response = browser.post(NEW_DATASET, data=_dataset_form(organisation, "air-forge"),
                        follow_redirects=False)

    assert response.status_code == 400
    assert "CSRF" in response.body
    assert not _created("air-forge")


def test_a_browser_post_with_the_form_token_is_accepted(
        app: Any, sysadmin: dict[str, Any], organisation: dict[str, Any]) -> None:
    app.get(NEW_DATASET)
    browser = logged_in(app, sysadmin)
    token = csrf_token(browser.get(NEW_DATASET).body)

    response = browser.post(NEW_DATASET, data={**_dataset_form(organisation, "air-form"),
                                           "_csrf_token": token}, follow_redirects=False)

    assert response.status_code == 302
    assert _created("air-form")


def test_api_token_posts_to_pages_still_need_no_csrf_token(
        app: Any, sysadmin: dict[str, Any], organisation: dict[str, Any]) -> None:
    response = app.post(NEW_DATASET, data=_dataset_form(organisation, "air-api"),
                        headers=as_user(sysadmin), follow_redirects=False)

    assert response.status_code == 302
    assert _created("air-api")
