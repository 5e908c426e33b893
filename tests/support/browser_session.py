"""A browser's cookie session in the functional tests.

CKAN 2.12's test app keeps one client (and its cookies) per test; CKAN
2.11's makes a new client for every request, so a login through ``app``
would be forgotten at once. A client of our own keeps its cookies on both."""
from __future__ import annotations

import re
from typing import Any

PASSWORD = "correct123"  # ckan.tests.factories.User's default


def csrf_token(body: str) -> str:
    # The token of the session, which CKAN puts in a meta tag of every page.
    match = re.search(r'<meta name="_csrf_token" content="([^"]+)"', body)
    assert match, "no CSRF token in the page"
    return match.group(1)


def logged_in(app: Any, user: dict[str, Any]) -> Any:
    """A client logged in through the login form, as a browser is (a cookie
    session: the credentials that CSRF attacks ride on)."""
    client = app.test_client()
    token = csrf_token(client.get("/user/login").body)
    response = client.post("/user/login", data={"login": user["name"], "password": PASSWORD,
                                                 "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302, response.body[-2000:]
    assert client.get("/dashboard/datasets", follow_redirects=False).status_code == 200
    return client
