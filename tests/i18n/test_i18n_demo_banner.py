"""The demo banner, the first translated feature, in both page languages.

``/about`` renders CKAN's page.html without needing search; French is the
default locale (``ckan.locale_default = fr``), so it has no URL prefix."""
from __future__ import annotations

import pytest

BANNER_EN = (
    "Demonstration portal: the data shown here are samples, not official "
    "figures of the City."
)
BANNER_FR = (
    "Portail de démonstration\u00a0: les données présentées sont des exemples, "
    "pas des chiffres officiels de la Ville."
)


@pytest.mark.ckan_config("ckanext.issy.demo_banner", True)
@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("url, text", [("/about", BANNER_FR), ("/en/about", BANNER_EN)])
def test_banner_speaks_the_page_language(app, url: str, text: str) -> None:
    body = app.get(url, status=200).body

    assert f'role="note">\n      {text}\n    </div>' in body
    # After the skip link, which stays first for keyboard users, and before
    # the site header.
    assert body.index('href="#content"') < body.index("issy-demo-banner") < body.index(
        '<header class="masthead">'
    )


@pytest.mark.ckan_config("ckanext.issy.demo_banner", False)
@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("url", ["/about", "/en/about"])
def test_no_banner_when_switched_off(app, url: str) -> None:
    body = app.get(url, status=200).body

    assert "issy-demo-banner" not in body
    assert '<header class="masthead">' in body
