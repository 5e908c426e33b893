"""Every RDF response says it is UTF-8.

ckanext-dcat sends ``/catalog.ttl`` as ``text/turtle`` without a charset;
HTTP clients, udata's among them, then decode it as ISO-8859-1 and the
accents of every title are garbled. The body is UTF-8 (Flask encodes the
serialisation so), and this says it, on every catalogue and dataset
endpoint (``/catalog.{xml,rdf,ttl,n3,jsonld}``, ``/dataset/{id}.{format}``).
"""
from __future__ import annotations

from flask import Blueprint, Response

RDF_MEDIA_TYPES = frozenset({
    "application/rdf+xml", "text/turtle", "text/n3", "application/n-triples", "application/ld+json",
})

blueprint = Blueprint("issy_dcat", __name__)


@blueprint.after_app_request
def declare_utf8(response: Response) -> Response:
    if response.mimetype in RDF_MEDIA_TYPES and "charset" not in response.mimetype_params:
        response.headers["Content-Type"] = f"{response.mimetype}; charset=utf-8"
    return response
