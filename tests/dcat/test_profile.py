"""The profile ``issy_dcat_ap_fr`` on datasets the form does not make:
written through the API or by other tools, with what udata reads and what
it must not be given."""
from __future__ import annotations

import json
from typing import Any

import pytest
from ckanext.dcat.processors import RDFSerializer
from rdflib import RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT

from ckanext.issy.dcat.profile import plain_text
from tests.dcat.conftest import FREQUENCY, HOTEL_DE_VILLE

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")
SPDX_CHECKSUM = URIRef("http://spdx.org/rdf/terms#checksum")


def dataset(**fields: Any) -> dict[str, Any]:
    return {"id": "5a1b7c1e-8f8e-4d0a-9d0c-2f6f1c9e0a01", "name": "bornes-recharge", "title": "Bornes de recharge",
            "notes": "", "metadata_created": "2024-03-01T10:00:00", "metadata_modified": "2024-03-02T10:00:00",
            "tags": [], "groups": [], "extras": [],
            "resources": [{"id": "0c2a4f3e-6d1b-4b8e-9a7e-3f2d1c0b9a88", "package_id": "bornes-recharge",
                           "name": "Bornes", "url": "https://data.issy.com/bornes.csv", "format": "CSV",
                           "hash": "d41d8cd98f00b204e9800998ecf8427e"}],
            **fields}


def graph_of(dataset_dict: dict[str, Any]) -> tuple[Graph, URIRef]:
    serializer = RDFSerializer(profiles=["issy_dcat_ap_fr"])
    graph = Graph().parse(data=serializer.serialize_dataset(dataset_dict, _format="ttl"), format="turtle")
    return graph, next(graph.subjects(DCT.identifier, Literal(dataset_dict["id"])))


def test_a_licence_without_url_is_named_by_its_title_on_dataset_and_distributions() -> None:
    graph, node = graph_of(dataset(license_id="other-at", license_title="Other (Attribution)"))

    [licence] = graph.objects(node, DCT.license)
    assert isinstance(licence, BNode) and graph.value(licence, RDFS.label) == Literal("Other (Attribution)")
    assert [graph.value(d, DCT.license) for d in graph.objects(node, DCAT.distribution)] == [licence]


@pytest.mark.parametrize("licence", ["notspecified", "other-closed"])
def test_no_licence_is_published_rather_than_one_udata_could_take_for_an_open_one(licence: str) -> None:
    graph, node = graph_of(dataset(license_id=licence, license_title="Other (Not Open)"))

    assert not list(graph.objects(None, DCT.license))


def test_a_point_written_through_the_api_stays_a_point_not_the_town() -> None:
    graph, node = graph_of(dataset(extras=[{"key": "spatial", "value": json.dumps(HOTEL_DE_VILLE)}]))

    [area] = graph.objects(node, DCT.spatial)
    geojson = [json.loads(g) for g in graph.objects(area, URIRef("http://www.w3.org/ns/locn#geometry"))
               if g.datatype == URIRef("https://www.iana.org/assignments/media-types/application/vnd.geo+json")]
    assert isinstance(area, BNode) and geojson == [HOTEL_DE_VILLE]


def test_frequencies_written_as_codes_are_published_as_eu_uris() -> None:
    daily, _ = graph_of(dataset(extras=[{"key": "frequency", "value": "daily"}]))
    other, _ = graph_of(dataset(extras=[{"key": "frequency", "value": "mensuelle"}]))

    assert set(daily.objects(None, DCT.accrualPeriodicity)) == {URIRef(FREQUENCY + "DAILY")}
    assert set(other.objects(None, DCT.accrualPeriodicity)) == {Literal("mensuelle")}


def test_a_checksum_without_its_algorithm_is_left_out() -> None:
    """udata fails a dataset whose checksum has no algorithm; CKAN rarely records it."""
    graph, _ = graph_of(dataset())

    assert not list(graph.objects(None, SPDX_CHECKSUM))


def test_markdown_becomes_plain_text() -> None:
    markdown = ("## Bornes\n\nLes bornes de la [ville](https://www.issy.com) & de **GPSO**.\n\n"
                "1. rue Guynemer\n2. place de l'Hôtel-de-Ville\n\n<script>alert(1)</script>")

    assert plain_text(markdown) == ("Bornes\n\nLes bornes de la ville & de GPSO.\n\n"
                                    "- rue Guynemer\n- place de l'Hôtel-de-Ville")
