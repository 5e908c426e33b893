"""The DCAT catalogue (profile ``issy_dcat_ap_fr``), read with rdflib over
two Hydra pages in RDF/XML, Turtle and JSON-LD: every property
data.gouv.fr's DCAT harvester reads, for harvested budgets and for
datasets written by editors."""
from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, SKOS

from ckanext.issy.dcat import commune
from tests.dcat.conftest import FREQUENCY, ILE_SAINT_GERMAIN, SITE, Portal, read_catalogue

pytestmark = [pytest.mark.usefixtures("with_plugins"),
              pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")]

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS_IDENTIFIER = URIRef("http://www.w3.org/ns/adms#identifier")
LOCN_GEOMETRY = URIRef("http://www.w3.org/ns/locn#geometry")
GEOJSON = URIRef("https://www.iana.org/assignments/media-types/application/vnd.geo+json")
WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
ETALAB = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
ODBL = URIRef("http://opendatacommons.org/licenses/odbl/summary/")
ISSY = URIRef("http://id.insee.fr/geo/commune/92040")
# What each dataset of the portal must say, as udata reads it.
EXPECTED: dict[str, dict[str, Any]] = {
    "Budget primitif 2024": {
        "description": "Budget primitif 2024 de ", "licence": ETALAB, "frequency": "ANNUAL",
        "period": ("2024-01-01", "2024-12-31"), "area": ISSY, "themes": {"Finances"}},
    "Compte administratif 2023": {
        "description": "Compte administratif 2023 de ", "licence": ETALAB, "frequency": "ANNUAL",
        "period": ("2023-01-01", "2023-12-31"), "area": ISSY, "themes": {"Finances"}},
    "Qualité de l'air sur l'Île Saint-Germain": {
        # Markdown as plain text: no "**", a line per item.
        "description": "Mesures horaires du capteur de l'Île Saint-Germain.\n\n- dioxyde d'azote\n- particules fines",
        "licence": ETALAB, "frequency": "MONTHLY", "period": ("2024-01-01", "2024-12-31"),
        "area": ILE_SAINT_GERMAIN, "themes": {"Environnement"}},
    "Horaires d'ouverture de l'Hôtel de Ville": {
        "description": "Les horaires de l'accueil.", "licence": ODBL, "frequency": "ANNUAL", "period": None,
        "area": ISSY, "themes": set()},
}


def _text(graph: Graph, node: Any, predicate: URIRef) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def _check_text_fields(graph: Graph, node: Any, dataset: dict[str, Any]) -> None:
    assert _text(graph, node, DCT.title) == dataset["title"]
    assert _text(graph, node, DCT.description).startswith(EXPECTED[dataset["title"]]["description"])
    assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {t["name"] for t in dataset["tags"]}
    themes = list(graph.objects(node, DCAT.theme))
    assert {_text(graph, theme, SKOS.prefLabel) for theme in themes} == EXPECTED[dataset["title"]]["themes"]
    assert all(str(theme).startswith(f"{SITE}/group/") for theme in themes)
    assert graph.value(node, DCAT.landingPage) == URIRef(f"{SITE}/dataset/{dataset['name']}")
    assert _text(graph, node, DCT.issued)[:19] == dataset["metadata_created"][:19]
    assert _text(graph, node, DCT.modified)[:19] == dataset["metadata_modified"][:19]


def _check_publisher_and_contact(graph: Graph, node: Any, dataset: dict[str, Any]) -> None:
    publisher = graph.value(node, DCT.publisher)
    assert _text(graph, publisher, FOAF.name) == "Ville d'Issy-les-Moulineaux"
    assert _text(graph, publisher, DCT.identifier) == "21920040500011"
    notations = {_text(graph, identifier, SKOS.notation) for identifier in graph.objects(publisher, ADMS_IDENTIFIER)}
    assert notations == {"21920040500011", "92040"}
    contact = graph.value(node, DCAT.contactPoint)
    assert _text(graph, contact, VCARD.fn) == (dataset["maintainer"] or "Ville d'Issy-les-Moulineaux")
    if dataset["maintainer_email"]:
        assert graph.value(contact, VCARD.hasEmail) == URIRef(f"mailto:{dataset['maintainer_email']}")


def _check_coverage(graph: Graph, node: Any, dataset: dict[str, Any]) -> None:
    expected = EXPECTED[dataset["title"]]
    assert graph.value(node, DCT.accrualPeriodicity) == URIRef(FREQUENCY + expected["frequency"])
    period = graph.value(node, DCT.temporal)
    if expected["period"] is None:
        assert period is None
    else:
        assert (_text(graph, period, DCAT.startDate), _text(graph, period, DCAT.endDate)) == expected["period"]
        assert graph.value(period, DCAT.startDate).datatype == URIRef("http://www.w3.org/2001/XMLSchema#date")
    [area] = graph.objects(node, DCT.spatial)
    geometries = {literal.datatype: str(literal) for literal in graph.objects(area, LOCN_GEOMETRY)}
    assert geometries.keys() == {GEOJSON, WKT}
    if expected["area"] == ISSY:
        assert area == ISSY and _text(graph, area, SKOS.prefLabel) == "Issy-les-Moulineaux"
        assert json.loads(geometries[GEOJSON]) == commune.boundary()
    else:
        assert isinstance(area, BNode)
        assert json.loads(geometries[GEOJSON]) == expected["area"]
        assert geometries[WKT].startswith("POLYGON ((2.2445 48.8225, ")


def _check_licence_and_distributions(graph: Graph, node: Any, dataset: dict[str, Any]) -> None:
    licence = EXPECTED[dataset["title"]]["licence"]
    assert list(graph.objects(node, DCT.license)) == [licence]
    distributions = {_text(graph, d, DCT.title): d for d in graph.objects(node, DCAT.distribution)}
    assert distributions.keys() == {resource["name"] for resource in dataset["resources"]}
    for resource in dataset["resources"]:
        distribution = distributions[resource["name"]]
        assert list(graph.objects(distribution, DCT.license)) == [licence]
        assert graph.value(distribution, DCAT.accessURL) == URIRef(resource["url"])
        assert resource["url"].startswith(("http://", "https://"))
        assert graph.value(distribution, DCT["format"]) == URIRef(
            "http://publications.europa.eu/resource/authority/file-type/" + resource["format"].upper())
        assert graph.value(distribution, DCAT.mediaType) == URIRef(
            "https://www.iana.org/assignments/media-types/" + resource["mimetype"])
        if resource["url_type"] == "upload":  # served by the portal: a download URL and a size
            assert graph.value(distribution, DCAT.downloadURL) == URIRef(resource["url"])
            assert graph.value(distribution, DCAT.byteSize).toPython() == resource["size"] > 0


@pytest.mark.parametrize("extension", ["xml", "ttl", "jsonld"])
def test_two_pages_describe_every_dataset_with_what_data_gouv_fr_reads(app: Any, portal: Portal,
                                                                         extension: str) -> None:
    graph, pages = read_catalogue(app, extension)

    assert pages == [f"{SITE}/catalog.{extension}", f"{SITE}/catalog.{extension}?page=2"]
    described = {_text(graph, node, DCT.identifier): node for node in graph.subjects(RDF.type, DCAT.Dataset)}
    assert described.keys() == {dataset["id"] for dataset in portal.datasets.values()}
    assert set(portal.datasets) == set(EXPECTED)
    for dataset in portal.datasets.values():
        node = described[dataset["id"]]
        _check_text_fields(graph, node, dataset)
        _check_publisher_and_contact(graph, node, dataset)
        _check_coverage(graph, node, dataset)
        _check_licence_and_distributions(graph, node, dataset)

