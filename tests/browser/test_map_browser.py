"""The map builder in Chromium: on the Créer page a visitor maps a table of
the city's investment projects (points coloured by sector, sized by
amount) and an uploaded GeoJSON layer of polling-station contours joined
to a turnout table (areas); the permalink, opened in a fresh browser, draws
the same map; axe-core finds nothing at 375 and 1280 px.

The base map is set to a tile server that does not answer (a closed port
of 127.0.0.1, listed among the allowed private hosts): the portal's relay
answers each tile 204, the map draws the data on its plain background with
the commune's outline, and the browser's console holds no error and no
warning at all.

Counting what Leaflet drew: its SVG renderer draws each circle marker and
each area as one ``<path>`` of the overlay pane; the commune's outline has
a pane of its own. Clustering starts above 200 points: these maps draw
every marker."""
from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from ckan.tests import factories
from werkzeug.datastructures import FileStorage

from ckanext.issy.harvesters.core.datastore import Column
from tests.browser.conftest import WIDTHS, axe_violations, console_problems, context_at, free_port, screenshot, visit
from tests.geo.conftest import Portal, act, contours, square, table
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401  (fixtures)
from tests.harvesters.test_finance import data_resource, dataset
from tests.harvesters.test_finance_projects import CSV, CSV_MAPPING, PROJECTS_2023

FIGURE = "#issy-map"



# Nothing listens there once the probe is closed: every tile fails upstream.
DEAD_TILES = f"127.0.0.1:{free_port()}"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    pytest.mark.ckan_config("ckanext.issy.map.tile_url", f"http://{DEAD_TILES}/{{z}}/{{x}}/{{y}}.png"),
    pytest.mark.ckan_config("ckanext.issy.map.tile_attribution", "Plan de test"),
    pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", DEAD_TILES),
    pytest.mark.ckan_config("ckanext.issy.map.boundary", "limites-issy"),
]
# A French amount as Intl.NumberFormat('fr-FR') writes it: 1 250 000 or 98 500,5.
FRENCH_NUMBER = re.compile(r"^\d{1,3}([\u202f\u00a0]\d{3})*(,\d{1,2})?$")

PROJECT_COLUMNS = [
    Column("libelle", "text", "Libellé", "Intitulé du projet."),
    Column("secteur", "text", "Secteur", "Secteur d’investissement."),
    Column("montant", "numeric", "Montant (€)", "Montant voté."),
    Column("latitude", "numeric", "Latitude", "Latitude WGS 84."),
    Column("longitude", "numeric", "Longitude", "Longitude WGS 84."),
]
# Investment projects of Issy-les-Moulineaux, as the finance table lists them.
PROJECTS = [
    ("Rénovation de l’Hôtel de Ville", "Bâtiments", "1250000", "48.8240", "2.2700"),
    ("Médiathèque centrale : mise en accessibilité", "Culture", "480000", "48.8227", "2.2731"),
    ("Parc Henri-Barbusse : aire de jeux", "Espaces verts", "210000", "48.8189", "2.2625"),
    ("Île Saint-Germain : berges", "Espaces verts", "760000", "48.8265", "2.2510"),
    ("Fort d’Issy : école", "Éducation", "3100000", "48.8185", "2.2585"),
    ("Gare d’Issy-Val-de-Seine : parvis", "Voirie", "920000", "48.8303", "2.2641"),
    ("Rue General-Leclerc : pistes cyclables", "Voirie", "640000", "48.8222", "2.2678"),
    ("Gymnase Jules-Guesde : toiture", "Sport", "330000", "48.8180", "2.2600"),
    ("Stade Jean-Bouin", "Sport", "98500.5", "48.8170", "2.2650"),
    ("Conservatoire : salle de musique", "Culture", "150000", "48.8251", "2.2736"),
    ("École des Épinettes : cantine", "Éducation", "560000", "48.8290", "2.2640"),
    ("Place de la Résistance : éclairage", "Voirie", "75000", "48.8236", "2.2715"),
]


def _upload(portal: Portal, package_id: str, content: dict[str, Any], name: str) -> str:
    data = json.dumps(content).encode()
    resource = act(portal.sysadmin, "resource_create", package_id=package_id, name=name, url=f"{name}.geojson",
                   format="GeoJSON", upload=FileStorage(io.BytesIO(data), f"{name}.geojson",
                                                        content_type="application/geo+json"))
    return resource["id"]


@pytest.fixture
def map_data(portal: dict[str, Any]) -> dict[str, Any]:  # the theme's portal (live_server's)
    owner = Portal(portal["sysadmin"], portal["sysadmin"], portal["org"])
    projects = table(owner, "Projets d’investissement géolocalisés", PROJECT_COLUMNS,
                     [[name, sector, Decimal(amount), Decimal(lat), Decimal(lon)]
                      for name, sector, amount, lat, lon in PROJECTS])
    # The polling-station contours and, in the same dataset, the turnout to join them to.
    elections = factories.Dataset(user=owner.sysadmin, owner_org=owner.organization["id"],
                                  title="Bureaux de vote d’Issy-les-Moulineaux")
    layer = _upload(owner, elections["id"], contours(), "contours")
    turnout = factories.Resource(package_id=elections["id"], name="Participation", format="CSV",
                                 url="http://example.org/participation.csv")
    from ckanext.issy.harvesters.core import datastore
    datastore.load(turnout["id"], [Column("bureau", "text", "Bureau de vote", "Code du bureau."),
                                   Column("votants", "int4", "Votants", "Électeurs ayant voté.")],
                   [["92040_0001", 702], ["92040_0002", 640], ["92040_0003", 512]],
                   {"user": owner.sysadmin["name"]})
    # The commune's outline (ckanext.issy.map.boundary).
    limits = factories.Dataset(user=owner.sysadmin, owner_org=owner.organization["id"], name="limites-issy",
                               title="Limites communales")
    _upload(owner, limits["id"], {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "Issy-les-Moulineaux"},
         "geometry": {"type": "Polygon", "coordinates": square(2.245, 48.812, 0.035)}}]}, "limites")
    return {"projects": projects, "layer": layer, "turnout": turnout["id"]}


def _drawn(page: Any, address: str = "") -> None:
    page.wait_for_function("""([selector, address]) => {
        const figure = document.querySelector(selector);
        return figure && figure.getAttribute('data-state') === 'drawn' && !figure.hasAttribute('aria-busy')
            && decodeURIComponent(location.search.replace(/\\+/g, ' ')).includes(address);
    }""", arg=[FIGURE, address], timeout=15000)


def _counts(page: Any) -> dict[str, int]:
    """What map.js says it drew, the SVG paths of the data, the outline's
    paths and the rows of the table."""
    return page.evaluate("""(selector) => {
        const figure = document.querySelector(selector);
        return {
            drawn: Number(figure.dataset.drawn),
            paths: figure.querySelectorAll('.leaflet-overlay-pane path').length,
            outline: figure.querySelectorAll('.leaflet-issyBoundary-pane path').length,
            rows: figure.querySelectorAll('[data-role=table] tbody tr').length,
        };
    }""", FIGURE)


def _table(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(f"{FIGURE} table tbody tr",
                                     "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")


def _legend(page: Any) -> list[str]:
    return page.eval_on_selector_all(f"{FIGURE} [data-role=legend] > ul > li", "items => items.map(i => i.textContent)")


def test_the_table_of_a_harvested_projects_file_is_mapped_one_point_per_row(
        browser: Any, live_server: str, harvest: Harvest, feed: Feed) -> None:  # noqa: F811
    """The finance harvester publishes the projects of 2023 (a CSV whose
    points are Opendatasoft geo_point_2d texts) as a table with latitude and
    longitude columns: its first map finds them and draws every row."""
    feed.serve_file(CSV)
    assert errors(harvest.run(harvest.source(feed.url(CSV), {"format": "projects", "mapping": CSV_MAPPING}))) == []
    resource = data_resource(dataset(PROJECTS_2023))
    context = context_at(browser, "phone")
    page = context.new_page()
    said = console_problems(page, warnings=True)
    visit(page, f"{live_server}/creer?kind=map&resource_id={resource['id']}")
    _drawn(page)

    counts = _counts(page)
    assert counts["drawn"] == counts["paths"] == counts["rows"] == 3, counts
    assert said == []
    screenshot(page, "map-harvested-projects-375")
    context.close()


def test_a_point_map_is_built_shared_and_opened_again(browser, live_server: str, map_data) -> None:
    context = context_at(browser, "desktop")
    page = context.new_page()
    said = console_problems(page, warnings=True)
    tiles: list[int] = []
    page.on("response", lambda r: tiles.append(r.status) if "/carte/fond/" in r.url else None)
    visit(page, f"{live_server}/creer?kind=map&resource_id={map_data['projects']}")
    _drawn(page)  # the columns named latitude and longitude are found by themselves
    assert _counts(page)["drawn"] == len(PROJECTS)

    for selector, value in {"#map-color": "secteur", "#map-size": "montant", "#map-popup-0": "libelle",
                            "#map-popup-1": "montant", "#map-title": "Projets d’investissement"}.items():
        if selector == "#map-title":
            page.fill(selector, value)
        else:
            page.select_option(selector, value)
    _drawn(page, "title=Projets d’investissement")

    counts = _counts(page)
    assert counts == {"drawn": len(PROJECTS), "paths": len(PROJECTS), "outline": 1, "rows": len(PROJECTS)}
    rows = _table(page)
    assert {row[0] for row in rows} == {name for name, *_ in PROJECTS}
    assert all(FRENCH_NUMBER.match(row[1]) for row in rows), rows
    assert "98\u202f500,5" in [row[1] for row in rows]
    # Each sector says its name and its count: colour is not the only clue.
    assert sorted(_legend(page)) == sorted(["Voirie (3)", "Culture (2)", "Espaces verts (2)", "Éducation (2)",
                                            "Sport (2)", "Bâtiments (1)"]), _legend(page)
    assert page.inner_text(f"{FIGURE} [data-role=summary]").startswith("12 points.")
    # The base map's tiles did not come: the relay said 204, the map is drawn all the same.
    assert tiles and set(tiles) == {204}
    assert "Plan de test" in page.inner_text(f"{FIGURE} .leaflet-control-attribution")

    # A row's button shows its feature on the map, with its popup.
    page.click(f"{FIGURE} [data-role=details] summary")
    page.click(f"{FIGURE} tbody tr:has-text('Stade Jean-Bouin') button")
    page.wait_for_selector(f"{FIGURE} .leaflet-popup-content")
    assert "Stade Jean-Bouin" in page.inner_text(f"{FIGURE} .leaflet-popup-content")
    assert "98\u202f500,5" in page.inner_text(f"{FIGURE} .leaflet-popup-content")
    screenshot(page, "desktop_creer_map_points")
    assert axe_violations(page) == []

    # The keyboard reaches the map and its buttons; + zooms in.
    zoom = page.evaluate("document.querySelector('#issy-map').issyMap.map.getZoom()")
    page.focus(f"{FIGURE} .leaflet-container")
    # Leaflet ignores a key while the popup's pan (0.25 s) still runs, which
    # a loaded machine can stretch: the key is pressed again until it counts.
    for _attempt in range(20):
        page.keyboard.press("Equal")
        if page.evaluate("document.querySelector('#issy-map').issyMap.map.getZoom()") > zoom:
            break
        page.wait_for_timeout(250)
    assert page.evaluate("document.querySelector('#issy-map').issyMap.map.getZoom()") > zoom

    # The permalink in a fresh browser (no cookie, no history) draws the same map.
    permalink = page.inner_text("#map-permalink")
    assert permalink == page.url
    fresh = context_at(browser, "phone")
    other = fresh.new_page()
    said += console_problems(other, warnings=True)
    visit(other, permalink)
    _drawn(other)
    assert _counts(other) == counts
    assert _table(other) == rows
    assert other.input_value("#map-color") == "secteur"
    screenshot(other, "phone_creer_map_points")
    assert axe_violations(other) == []
    assert other.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
    fresh.close()
    context.close()
    assert said == []


def test_an_area_map_of_a_geojson_layer_joined_to_a_table(browser, live_server: str, map_data) -> None:
    query = urlencode({"kind": "map", "resource_id": map_data["layer"], "join_resource": map_data["turnout"],
                       "join_key": "codeBureauVote", "join_column": "bureau", "join_measure": "sum:votants",
                       "popup": "nomBureauVote", "title": "Votants par bureau"})
    for width in WIDTHS:
        context = context_at(browser, width)
        page = context.new_page()
        said = console_problems(page, warnings=True)
        visit(page, f"{live_server}/creer?{query}")
        _drawn(page)
        # Four contours have a geometry (one a MultiPolygon: one path); the fifth is skipped.
        assert _counts(page) == {"drawn": 4, "paths": 4, "outline": 1, "rows": 4}
        rows = _table(page)
        assert [row[0] for row in rows] == ["Hôtel de Ville", "École Anatole-France", "Gymnase Jules-Guesde",
                                            "École des Épinettes"]
        # The joined sum of votes; 0004 has no row in the table.
        no_value = page.evaluate("document.querySelector('#issy-map').issySpec.text.no_value")
        assert [row[1] for row in rows] == ["702", "640", "512", no_value]
        assert page.inner_text(f"{FIGURE} [data-role=summary]").startswith("4 ")
        # One class a value (three values), and the area without one.
        assert _legend(page) == ["512 (1)", "640 (1)", "702 (1)", f"{no_value} (1)"]
        screenshot(page, f"{width}_creer_map_areas")
        assert axe_violations(page) == []
        if width == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0]
        context.close()
        assert said == []
