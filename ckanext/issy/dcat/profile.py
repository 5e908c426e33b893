"""The DCAT-AP profile of the portal, ``issy_dcat_ap_fr``: ckanext-dcat's
DCAT-AP 3 as data.gouv.fr's DCAT harvester (udata) reads it.

On top of DCAT-AP 3 it gives every dataset: a plain-text description, the
CKAN groups as themes with their label, ``dct:license`` on the dataset and
on every distribution (URIs udata recognises), the city as publisher (SIRET
and INSEE code), a contact point, EU frequency URIs, the spatial coverage
(the commune by its URI, or the area of the dataset) with its geometry in
GeoJSON (what udata reads) and WKT (what GeoDCAT-AP asks), its page on the
portal as landing page, and distributions with download URLs, IANA media
types, EU file types and integer byte sizes. Listed alone in
``ckanext.dcat.rdf.profiles`` (it includes DCAT-AP 3).
"""
from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins.toolkit as tk
import lxml.html
import shapely.geometry
from ckanext.dcat.profiles import (
    ADMS, DCAT, DCT, GEOJSON_IMT, GSP, LOCN, RDF, RDFS, SKOS, VCARD, XSD, CleanedURIRef,
    EuropeanDCATAP3Profile,
)
from ckanext.dcat.utils import resource_uri
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ckanext.issy.dcat import commune, frequencies, licences

LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
# CKAN formats whose code in the EU's file-type vocabulary is the same word.
EU_FILE_TYPE_CODES = frozenset({
    "CSV", "JSON", "GEOJSON", "XML", "PDF", "XLSX", "XLS", "ODS", "ZIP", "HTML", "TXT", "SHP", "KML",
    "JPEG", "PNG",
})
# Files the portal serves itself: their URL is a download URL.
SERVED_URL_TYPES = ("upload", "datastore")
LISTS = ("ul", "ol")


def _block_text(element: Any) -> str:
    if element.tag in LISTS:
        return "\n".join("- " + " ".join(item.text_content().split()) for item in element.iterchildren("li"))
    return " ".join(element.text_content().split())


def plain_text(markdown: str | None) -> str:
    """Markdown as plain text: a paragraph per block, a line per list item
    (udata would show Markdown marks as they are, and reads HTML as HTML)."""
    if not markdown:
        return ""
    html = str(tk.h.render_markdown(markdown, auto_link=False))
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    texts = [(root.text or "").strip(), *(_block_text(element) for element in root.iterchildren())]
    return "\n\n".join(text for text in texts if text)


def _extras(dataset: dict[str, Any]) -> dict[str, Any]:
    return {extra["key"]: extra["value"] for extra in dataset.get("extras") or []}


def _value(dataset: dict[str, Any], key: str) -> Any:
    return dataset.get(key) or _extras(dataset).get(key)


def _media_type(mimetype: str | None) -> str | None:
    if mimetype and re.fullmatch(r"[\w.+-]+/[\w.+-]+", mimetype):
        return IANA_MEDIA_TYPES + mimetype.lower()
    return mimetype or None


def _file_type(fmt: str | None) -> str | None:
    code = (fmt or "").strip().upper()
    return EU_FILE_TYPES + code if code in EU_FILE_TYPE_CODES else fmt or None


def _distribution(resource: dict[str, Any]) -> dict[str, Any]:
    url = resource.get("url")
    return {
        **resource,
        "description": plain_text(resource.get("description")),
        "access_url": resource.get("access_url") or url,
        "download_url": resource.get("download_url") or (url if resource.get("url_type") in SERVED_URL_TYPES else None),
        "mimetype": _media_type(resource.get("mimetype")),
        "format": _file_type(resource.get("format")),
        "size": None,  # added as an integer by the profile
        # udata fails on a checksum without its algorithm, which CKAN rarely records.
        "hash": resource.get("hash") if resource.get("hash_algorithm") else None,
    }


def _contact(dataset: dict[str, Any]) -> dict[str, Any]:
    """The city as contact point of a dataset that names none."""
    names = ("contact_name", "maintainer", "author")
    emails = ("contact_email", "maintainer_email", "author_email")
    fallback: dict[str, Any] = {}
    if not any(_value(dataset, key) for key in names):
        fallback["contact_name"] = tk.config.get("ckanext.issy.dcat.publisher_name")
    if not any(_value(dataset, key) for key in emails):
        fallback["contact_email"] = tk.config.get("ckanext.issy.theme.contact_email") or None
    return fallback


def _published(dataset: dict[str, Any]) -> dict[str, Any]:
    """The dataset as ckanext-dcat's DCAT-AP 3 should see it; what it must
    not write (publisher, themes, spatial coverage) is left out and written
    by the profile."""
    source = dataset.get("url")
    return {
        **dataset,
        "notes": plain_text(dataset.get("notes")),
        "url": tk.url_for("dataset.read", id=dataset["name"], qualified=True),
        "documentation": dataset.get("documentation") or ([source] if source else None),
        "frequency": frequencies.uri(_value(dataset, "frequency")) or _value(dataset, "frequency"),
        "organization": None,
        "theme": None,
        **{key: None for key in ("spatial", "spatial_text", "spatial_uri", "spatial_bbox", "spatial_centroid")},
        **_contact(dataset),
        "resources": [_distribution(resource) for resource in dataset.get("resources") or []],
    }


def _geometry(value: Any) -> dict[str, Any] | None:
    try:
        geometry = json.loads(value) if isinstance(value, str) else value
        shapely.geometry.shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return geometry


class IssyDCATAPProfile(EuropeanDCATAP3Profile):
    """DCAT-AP 3 as data.gouv.fr reads it (module docstring)."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        super().graph_from_dataset(_published(dataset_dict), dataset_ref)
        self._add_publisher(dataset_ref)
        self._add_contact_url(dataset_ref)
        self._add_themes(dataset_dict, dataset_ref)
        self._add_coverage(dataset_dict, dataset_ref)
        self._add_licence(dataset_dict, dataset_ref)
        for resource in dataset_dict.get("resources") or []:
            self._add_byte_size(resource)

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Node) -> None:
        super().graph_from_catalog(catalog_dict, catalog_ref)
        self._add_publisher(catalog_ref)

    def _add_publisher(self, subject: Node) -> None:
        """The city: name, homepage, SIRET, and its INSEE code."""
        siret = tk.config.get("ckanext.issy.dcat.publisher_siret")
        agent = self._add_agent_to_graph(subject, DCT.publisher, {
            "name": tk.config.get("ckanext.issy.dcat.publisher_name"),
            "url": tk.config.get("ckanext.issy.dcat.publisher_url"),
            "type": LOCAL_AUTHORITY, "identifier": siret,
        })
        for notation, agency in ((siret, "SIRET (INSEE)"), (commune.insee_code(), "Code officiel géographique (INSEE)")):
            identifier = BNode()
            self.g.add((agent, ADMS.identifier, identifier))
            self.g.add((identifier, RDF.type, ADMS.Identifier))
            self.g.add((identifier, SKOS.notation, Literal(notation)))
            self.g.add((identifier, ADMS.schemaAgency, Literal(agency)))

    def _add_contact_url(self, dataset_ref: Node) -> None:
        contact, url = self.g.value(dataset_ref, DCAT.contactPoint), tk.config.get("ckanext.issy.theme.contact_url")
        if contact is not None and url and self.g.value(contact, VCARD.hasURL) is None:
            self.g.add((contact, VCARD.hasURL, URIRef(url)))

    def _add_themes(self, dataset: dict[str, Any], dataset_ref: Node) -> None:
        """The dataset's groups, each a concept with its label (udata keeps
        a theme only with its ``skos:prefLabel``)."""
        for group in dataset.get("groups") or []:
            theme = CleanedURIRef(tk.url_for("group.read", id=group["name"], qualified=True))
            self.g.add((dataset_ref, DCAT.theme, theme))
            self.g.add((theme, RDF.type, SKOS.Concept))
            self.g.add((theme, SKOS.prefLabel, Literal(group.get("title") or group["name"])))

    def _add_coverage(self, dataset: dict[str, Any], dataset_ref: Node) -> None:
        """The area covered: the commune by its URI when the dataset covers it
        (or says nothing), else a location of its own, with the geometry in
        GeoJSON and WKT."""
        value = _value(dataset, "spatial")
        geometry = _geometry(value) if value else commune.boundary()
        if geometry is None:
            return
        if commune.is_commune(geometry):
            location, label = URIRef(commune.uri()), commune.name()
        else:
            location, label = BNode(), _value(dataset, "spatial_text")
        self.g.add((dataset_ref, DCT.spatial, location))
        self.g.add((location, RDF.type, DCT.Location))
        if label:
            self.g.add((location, SKOS.prefLabel, Literal(label)))
        self.g.add((location, LOCN.geometry, Literal(json.dumps(geometry), datatype=GEOJSON_IMT)))
        self.g.add((location, LOCN.geometry, Literal(shapely.geometry.shape(geometry).wkt, datatype=GSP.wktLiteral)))

    def _add_licence(self, dataset: dict[str, Any], dataset_ref: Node) -> None:
        """``dct:license`` of the dataset, and of every distribution without
        a licence of its own: the licence's URL, or its title for the
        licences without one (udata matches either)."""
        licence_id, url = dataset.get("license_id"), dataset.get("license_url")
        if not licence_id or licence_id in licences.UNPUBLISHED:
            return
        licence = URIRef(url) if url else BNode()
        self.g.add((licence, RDF.type, DCT.LicenseDocument))
        if not url:
            self.g.add((licence, RDFS.label, Literal(dataset.get("license_title") or licence_id)))
        self.g.add((dataset_ref, DCT.license, licence))
        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            if self.g.value(distribution, DCT.license) is None:
                self.g.add((distribution, DCT.license, licence))

    def _add_byte_size(self, resource: dict[str, Any]) -> None:
        size = resource.get("size")
        if isinstance(size, int) or (isinstance(size, str) and size.isdigit()):
            distribution = CleanedURIRef(resource_uri(resource))
            self.g.add((distribution, DCAT.byteSize, Literal(int(size), datatype=XSD.nonNegativeInteger)))
