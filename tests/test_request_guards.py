"""Requests CKAN itself would answer with a 500 get a 400 that says why."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_a_datastore_dump_in_an_unknown_format_is_refused_with_the_formats_it_offers(app: Any) -> None:
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    resource = factories.Resource(package_id=dataset["id"])
    tk.get_action("datastore_create")({"user": factories.Sysadmin()["name"]}, {
        "resource_id": resource["id"], "force": True, "fields": [{"id": "commune", "type": "text"}],
        "records": [{"commune": "Issy-les-Moulineaux"}]})
    refused = app.get(f"/datastore/dump/{resource['id']}?format=xlsx", status=400)
    assert "csv, tsv, json, xml" in refused.get_data(as_text=True)
    answered = app.get(f"/datastore/dump/{resource['id']}?format=tsv", status=200)
    assert "Issy-les-Moulineaux" in answered.get_data(as_text=True)
    assert "Issy-les-Moulineaux" in app.get(f"/datastore/dump/{resource['id']}", status=200).get_data(as_text=True)
