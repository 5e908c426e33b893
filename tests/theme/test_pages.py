"""Every page of the theme, and every block it overrides, renders in French
and in English (run on CKAN 2.11 and 2.12: `make test`, `CKAN_VERSION=2.11
make test`)."""
from __future__ import annotations

import re
from typing import Any

import pytest

PAGES = {
    "/visualisations": ("Visualisations", "Visualisations"),
    "/creer": ("Créer un graphique ou une carte", "Create a chart or a map"),
    "/a-propos": ("À propos du portail", "About the portal"),
    "/a-propos/demarche": ("Notre démarche", "Our approach"),
    "/a-propos/reutiliser": ("Réutiliser les données", "Reuse the data"),
    "/a-propos/contact": ("Contact", "Contact"),
    "/accessibilite": ("Déclaration d’accessibilité", "Accessibility statement"),
    "/mentions-legales": ("Mentions légales", "Legal notices"),
    "/confidentialite": ("Confidentialité et statistiques", "Privacy and statistics"),
}
SECTIONS_FR = ("Données", "Visualisations", "Créer", "À propos")
SECTIONS_EN = ("Data", "Visualisations", "Create", "About")
pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _url(path: str, lang: str) -> str:
    return path if lang == "fr" else "/en" + path


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_section_and_legal_pages(app, path: str, lang: str) -> None:
    body = app.get(_url(path, lang), status=200).body
    heading = PAGES[path][0 if lang == "fr" else 1]

    assert f"<h1>{heading}</h1>" in body
    assert '<main id="content" class="issy-page">' in body


@pytest.mark.parametrize("lang, sections", [("fr", SECTIONS_FR), ("en", SECTIONS_EN)])
def test_header_has_the_four_sections_and_marks_the_current_one(app, lang: str, sections) -> None:
    body = app.get(_url("/creer", lang), status=200).body
    nav = body[body.index('id="main-navigation-toggle"'):body.index('role="search"')]

    for label in sections:
        assert f"</i>{label}\n" in nav
    assert nav.count('aria-current="page"') == 1
    current = nav[:nav.index('aria-current="page"')].rsplit("<a", 1)[1]
    assert 'href="' + _url("/creer", lang) + '"' in current


@pytest.mark.parametrize("lang, other, name", [("fr", "en", "English"), ("en", "fr", "français")])
def test_language_link_points_to_the_same_page_in_its_language(app, lang, other, name) -> None:
    body = app.get(_url("/a-propos", lang), status=200).body

    expected_url = f"/{other}/a-propos"
    assert f'<a href="{expected_url}" lang="{other}" hreflang="{other}">{name}</a>' in body


@pytest.mark.parametrize("lang, status", [("fr", "Accessibilité : non conforme"),
                                          ("en", "Accessibility: not compliant")])
def test_footer_states_the_conformance_status(app, lang: str, status: str) -> None:
    body = app.get(_url("/", lang), status=200).body
    footer = body[body.index('<footer class="site-footer">'):]

    assert status.replace(" :", "\u00a0:") in footer
    assert 'href="' + _url("/accessibilite", lang) + '"' in footer


@pytest.mark.ckan_config("ckanext.issy.theme.accessibility_status", "partial")
def test_footer_follows_the_declared_status(app) -> None:
    assert "partiellement conforme" in app.get("/", status=200).body


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_base_blocks_add_description_feed_and_stylesheets(app, lang: str) -> None:
    body = app.get(_url("/", lang), status=200).body
    head = body[:body.index("</head>")]

    assert '<meta name="description" content="' in head
    assert 'type="application/atom+xml"' in head and "/feeds/dataset.atom" in head
    assert "issy_theme" in head and "_identity.css" in head and "_theme.css" in head


@pytest.mark.parametrize("lang, texts", [
    ("fr", ("Les données ouvertes d’Issy-les-Moulineaux", "Les plus consultées", "Nouveautés",
            "Chiffres clés", "Suivre les nouvelles données", "Flux Atom des nouveaux jeux de données")),
    ("en", ("The open data of Issy-les-Moulineaux", "Most viewed", "New data", "Key figures",
            "Follow new data", "Atom feed of new datasets")),
])
def test_home_page(app, portal: dict[str, Any], lang: str, texts) -> None:
    body = app.get(_url("/", lang), status=200).body

    for text in texts:
        assert text in body
    assert 'id="home-search"' in body and 'list="home-search-suggestions"' in body
    assert body.count('class="issy-tile"') == 4
    assert "Budget primitif 2024" in body
    # Key figures formatted in the page's language.
    assert ("68\u202f000" in body or "68\u00a0000" in body) if lang == "fr" else "68,000" in body


def test_home_says_when_no_visit_was_counted(app, portal: dict[str, Any]) -> None:
    body = app.get("/", status=200).body

    assert "Aucune consultation n’a encore été comptée" in body


@pytest.mark.ckan_config("ckanext.issy.theme.social_links",
                         "Mastodon|https://mastodon.example/@ville Bad|javascript:alert(1)")
def test_social_links_are_configurable_and_only_http(app) -> None:
    body = app.get("/", status=200).body

    assert '<a href="https://mastodon.example/@ville" rel="me noopener">Mastodon</a>' in body
    assert "javascript:" not in body


@pytest.mark.parametrize("lang, texts", [
    ("fr", ("Télécharger les données", "123,5\u00a0ko", "À propos de ce jeu de données",
            "tous les ans", "Licence", "Toutes les métadonnées", "1 janvier 2024 au 31 décembre 2024")),
    ("en", ("Download the data", "123.5 kB", "About this dataset", "yearly", "All the metadata",
            "January 1, 2024 to December 31, 2024")),
])
def test_dataset_page(app, portal: dict[str, Any], lang: str, texts) -> None:
    body = app.get(_url("/dataset/budget-2024", lang), status=200).body

    for text in texts:
        assert text in body, text
    assert 'href="https://data.example.org/budget.csv"' in body
    assert "/api/3/action/package_show?id=budget-2024" in body


@pytest.mark.parametrize("lang, text", [("fr", "Mis à jour le"), ("en", "Updated")])
def test_search_results_show_update_and_visualisations(app, portal: dict[str, Any], lang, text) -> None:
    body = app.get(_url("/dataset/", lang), status=200).body
    item = body[body.index("Budget primitif 2024"):]
    item = item[:item.index("</li>")]

    assert text in item
    assert ("1 visualisation" in item)
    assert ("Thèmes" if lang == "fr" else "Themes") in body


@pytest.mark.parametrize("lang, button", [("fr", "Filtrer les résultats"), ("en", "Filter Results")])
def test_the_filters_button_is_spelled_right(app, portal: dict[str, Any], lang: str, button: str) -> None:
    # CKAN's French catalogue writes "Filtrer les resultats".
    body = app.get(_url("/dataset/", lang), status=200).body
    assert button in body and "resultats" not in body


def test_search_partial_renders_the_result_cards(app, portal: dict[str, Any]) -> None:
    """CKAN 2.12 answers htmx requests with a partial of the results; the
    overridden result card block renders there too (and on 2.11's full page)."""
    body = app.get("/dataset/", headers={"HX-Request": "true"}, status=200).body

    assert 'class="issy-meta"' in body


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_resource_page(app, portal: dict[str, Any], lang: str) -> None:
    url = f"/dataset/budget-2024/resource/{portal['resource']['id']}"
    body = app.get(_url(url, lang), status=200).body

    assert '<span class="issy-format">CSV</span>' in body
    assert body.index('class="issy-meta"') < body.index("</h1>") or "issy-meta" in body


def test_the_resource_page_gives_the_resource_creation_date(app, portal: dict[str, Any]) -> None:
    body = app.get(f"/dataset/budget-2024/resource/{portal['resource']['id']}", status=200).body
    created = re.search(r'<th scope="row">Créé le</th>\s*<td>([^<]*)</td>', body)
    assert created and created[1] not in ("", "inconnu"), created
