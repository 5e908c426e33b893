"""Every catalogue and dataset endpoint says its body is UTF-8, so that a
client decoding as HTTP says (udata's harvester, through ``requests``)
reads the accents right; without a charset, ``text/turtle`` is read as
ISO-8859-1."""
from __future__ import annotations

from typing import Any

import pytest
from ckan.tests import factories
from requests.utils import get_encoding_from_headers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

FORMATS = ["xml", "rdf", "ttl", "n3", "jsonld"]


@pytest.fixture
def dataset() -> dict[str, Any]:
    organization = factories.Organization(title="Ville d'Issy-les-Moulineaux")
    return factories.Dataset(name="promenades-ile-saint-germain", title="Promenades de l'Île Saint-Germain",
                             owner_org=organization["id"], license_id="lov2")


def test_every_rdf_endpoint_declares_utf8_and_its_accents_read_back(app: Any, dataset: dict[str, Any]) -> None:
    paths = [path for extension in FORMATS
             for path in (f"/catalog.{extension}", f"/dataset/{dataset['name']}.{extension}")]
    for path in paths:
        response = app.get(path, status=200)

        assert response.headers["Content-Type"].endswith("; charset=utf-8"), path
        encoding = get_encoding_from_headers(response.headers)
        assert encoding == "utf-8", path
        assert "Île Saint-Germain" in response.get_data().decode(encoding), path
