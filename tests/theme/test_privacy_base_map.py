"""The privacy page tells the truth about the base map, in French and in
English: no tiles, nothing goes elsewhere; relayed tiles, the provider only
sees the portal; tiles loaded directly, the provider sees the visitor."""
from __future__ import annotations

from typing import Any

import pytest

OSM_FR = "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
NO_DATA_ELSEWHERE = {"fr": "aucune donnée n’est transmise à une autre entreprise",
                     "en": "no data is sent to another company"}
HEADING = {"fr": "<h1>Confidentialité et statistiques</h1>", "en": "<h1>Privacy and statistics</h1>"}
pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
LANGS = pytest.mark.parametrize("lang", ["fr", "en"])


def _page(app: Any, lang: str) -> str:
    body = app.get("/confidentialite" if lang == "fr" else "/en/confidentialite", status=200).body
    assert HEADING[lang] in body
    return body[body.index(HEADING[lang]):body.index("</main>")]


@LANGS
def test_without_tiles_no_data_goes_to_another_company(app: Any, lang: str) -> None:
    page = _page(app, lang)

    assert NO_DATA_ELSEWHERE[lang] in page
    assert "tile.openstreetmap.fr" not in page and "<h2>Maps</h2>" not in page


@LANGS
@pytest.mark.ckan_config("ckanext.issy.map.tile_url", OSM_FR)
@pytest.mark.ckan_config("ckanext.issy.map.tile_provider", "<b>OpenStreetMap France</b>")
def test_relayed_tiles_name_the_provider_that_only_sees_the_portal(app: Any, lang: str) -> None:
    page = _page(app, lang)

    assert NO_DATA_ELSEWHERE[lang] in page
    assert "&lt;b&gt;OpenStreetMap France&lt;/b&gt;" in page and "<b>OpenStreetMap" not in page
    if lang == "en":
        assert "<h2>Maps</h2>" in page
        assert ("The backgrounds of the maps come from &lt;b&gt;OpenStreetMap France&lt;/b&gt;. The portal "
                "fetches them itself: &lt;b&gt;OpenStreetMap France&lt;/b&gt; sees the portal’s address, "
                "not yours.") in page


@LANGS
@pytest.mark.ckan_config("ckanext.issy.map.tile_url", OSM_FR)
@pytest.mark.ckan_config("ckanext.issy.map.tile_relay", "false")
def test_direct_tiles_say_the_provider_receives_the_visitors_address(app: Any, lang: str) -> None:
    page = _page(app, lang)

    assert NO_DATA_ELSEWHERE[lang] not in page
    # Without tile_provider, the provider is named by the tile URL's host (the domain its subdomains share).
    assert "tile.openstreetmap.fr (tile.openstreetmap.fr)" in page
    if lang == "en":
        assert ("it uses no advertising or third-party audience measurement.</p>") in page
        assert ("When a page shows a map, your browser loads its background from tile.openstreetmap.fr "
                "(tile.openstreetmap.fr), which receives your IP address and the address of the page, "
                "like any website you visit, under its own privacy policy.") in page
