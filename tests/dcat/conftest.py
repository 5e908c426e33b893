"""Fixtures of the data.gouv.fr tests: a small portal with harvested
budgets and datasets written by editors, and the catalogue read back with
rdflib as a harvester reads it, page after page."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from rdflib import Graph, Namespace
from werkzeug.datastructures import FileStorage

# The harvester tests' feed server and harvest runner.
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401

SITE = "http://test.ckan.net"  # test.ini's ckan.site_url and ckanext.dcat.base_uri
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
# An approximate outline of the Île Saint-Germain (an island of the Seine, in Issy).
ILE_SAINT_GERMAIN = {"type": "Polygon", "coordinates": [[
    [2.2445, 48.8225], [2.2505, 48.8247], [2.2590, 48.8292], [2.2612, 48.8305],
    [2.2598, 48.8310], [2.2520, 48.8268], [2.2450, 48.8235], [2.2445, 48.8225]]]}
# Hôtel de Ville of Issy-les-Moulineaux, 62 rue du Général Leclerc.
HOTEL_DE_VILLE = {"type": "Point", "coordinates": [2.2737, 48.8244]}
RDF_FORMATS = {"xml": "xml", "ttl": "turtle", "jsonld": "json-ld"}


def act(user: dict[str, Any], action: str, **data: Any) -> Any:
    return tk.get_action(action)({"user": user["name"]}, data)


def show(name: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": name})


@dataclass
class Portal:
    sysadmin: dict[str, Any]
    organization: dict[str, Any]
    datasets: dict[str, dict[str, Any]]  # package_show of each dataset, by title


def editors_datasets(user: dict[str, Any], organization: dict[str, Any]) -> None:
    """Two datasets written as editors do, with the form's coverage fields."""
    act(user, "group_create", name="environnement", title="Environnement")
    air = act(user, "package_create", name="qualite-air-ile-saint-germain", owner_org=organization["id"],
              title="Qualité de l'air sur l'Île Saint-Germain",
              notes="Mesures **horaires** du capteur de l'Île Saint-Germain.\n\n- dioxyde d'azote\n- particules fines",
              license_id="lov2", tags=[{"name": "pollution"}, {"name": "Île Saint-Germain"}],
              groups=[{"name": "environnement"}], maintainer="Service environnement",
              maintainer_email="environnement@ville-issy.fr", frequency=FREQUENCY + "MONTHLY",
              temporal_start="2024-01-01", temporal_end="2024-12-31", spatial_coverage="custom",
              spatial=ILE_SAINT_GERMAIN)
    act(user, "resource_create", package_id=air["id"], name="Mesures 2024", format="CSV",
        url="https://capteurs.ville-issy.fr/air/2024.csv")
    hours = act(user, "package_create", name="horaires-hotel-de-ville", owner_org=organization["id"],
                title="Horaires d'ouverture de l'Hôtel de Ville", notes="Les horaires de l'accueil.",
                license_id="odc-odbl", frequency="ANNUAL", spatial_coverage="commune")
    act(user, "resource_create", package_id=hours["id"], name="Horaires", format="JSON",
        url="horaires.json", upload=FileStorage(io.BytesIO('{"lundi": "8h30-17h30"}'.encode()),
                                                "horaires.json", content_type="application/json"))


@pytest.fixture
def portal(harvest: Harvest, feed: Feed) -> Portal:  # noqa: F811
    """Two budgets harvested from SCDL files (the finance harvester) and two
    datasets of editors."""
    feed.serve_file("budget-primitif-2024.csv")
    feed.serve_file("compte-administratif-2023-cp1252.csv")
    source = harvest.source(feed.url("budget-primitif-2024.csv"),
                            {"urls": [feed.url("compte-administratif-2023-cp1252.csv")]})
    assert errors(harvest.run(source)) == []
    editors_datasets(harvest.sysadmin, harvest.organization)
    found = tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*", "rows": 10})["results"]
    return Portal(harvest.sysadmin, harvest.organization, {d["title"]: show(d["name"]) for d in found})


def local(url: str) -> str:
    """The path of a URL of the site, for the test app."""
    assert url.startswith(SITE + "/"), url
    return url[len(SITE):]


def read_catalogue(app: Any, extension: str) -> tuple[Graph, list[str]]:
    """Every page of ``/catalog.<extension>``, following ``hydra:next``
    from the first as a harvester does; the merged graph and the pages' URLs."""
    graph, pages, url = Graph(), [], f"{SITE}/catalog.{extension}"
    while url:
        response = app.get(local(url), status=200)
        page = Graph().parse(data=response.get_data(as_text=True), format=RDF_FORMATS[extension])
        graph += page
        pages.append(url)
        following = next(page.objects(None, HYDRA.next), None)
        url = str(following) if following is not None else ""
    return graph, pages
