"""The platform is real: CKAN with every plugin of the portal, on PostgreSQL and Redis."""
from __future__ import annotations

import json

import psycopg2
import pytest
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from devstack.siteconfig import PLUGINS
from tests.support.http_server import Response, serve

ISSY_PLUGINS = {"issy", "issy_search"}
SIBLING_PLUGINS = {"harvest", "dcat", "spatial_metadata", "datastore", "activity", "tracking"}


def test_the_test_site_loads_the_demo_plugins() -> None:
    assert list(tk.config["ckan.plugins"]) == PLUGINS.split()


@pytest.mark.usefixtures("with_plugins")
def test_app_boots_with_every_plugin(app) -> None:
    for name in ISSY_PLUGINS | SIBLING_PLUGINS:
        assert p.plugin_loaded(name), name
    status = app.get("/api/3/action/status_show").json["result"]
    assert ISSY_PLUGINS | SIBLING_PLUGINS <= set(status["extensions"])


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_dataset_is_created_through_the_action_api(app) -> None:
    user = factories.SysadminWithToken()
    org = factories.Organization(title="Ville d'Issy-les-Moulineaux")
    response = app.post(
        "/api/3/action/package_create",
        json={
            "name": "budget-primitif-2024",
            "title": "Budget primitif 2024",
            "notes": "Budget voté par le conseil municipal.",
            "owner_org": org["id"],
            "tags": [{"name": "finances"}],
        },
        headers={"Authorization": user["token"]},
    )
    assert response.status_code == 200, response.body
    stored = call_action("package_show", id="budget-primitif-2024")
    assert stored["title"] == "Budget primitif 2024"
    assert stored["organization"]["title"] == "Ville d'Issy-les-Moulineaux"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_datastore_table_is_created_and_read_through_the_read_only_role() -> None:
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    resource = factories.Resource(package_id=dataset["id"])
    call_action(
        "datastore_create",
        {"user": factories.Sysadmin()["name"]},
        resource_id=resource["id"],
        force=True,
        fields=[{"id": "bureau", "type": "text"}, {"id": "votants", "type": "int"}],
        records=[{"bureau": "0001", "votants": 812}, {"bureau": "0002", "votants": 745}],
    )
    found = call_action("datastore_search", resource_id=resource["id"], sort="bureau")
    assert [r["votants"] for r in found["records"]] == [812, 745]
    # datastore_search reads through ckan.datastore.read_url: the read-only
    # role that `make test` set up, which may read the table but not write it.
    read_only = psycopg2.connect(tk.config["ckan.datastore.read_url"])
    try:
        with read_only.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{resource["id"]}"')
            assert cursor.fetchone() == (2,)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(f'INSERT INTO "{resource["id"]}" (bureau) VALUES (\'0003\')')
    finally:
        read_only.close()


def _remote_ckan(dataset: dict) -> dict:
    """Routes of a remote CKAN whose catalogue holds one dataset."""

    def package_search(query: dict[str, list[str]]) -> Response:
        results = [dataset] if query.get("start", ["0"]) == ["0"] else []
        body = {"success": True, "result": {"count": 1, "results": results}}
        return Response(json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    return {"/api/3/action/package_search": package_search}


REMOTE_DATASET = {
    "id": "5b0e54a8-3c34-4f5e-9c5e-2f7d1b0a9a11",
    "name": "resultats-elections-municipales-2020",
    "title": "Résultats des élections municipales 2020",
    "notes": "Résultats par bureau de vote, premier tour.",
    "metadata_modified": "2024-03-01T10:00:00",
    "tags": [{"name": "élections"}],
    "resources": [{"url": "http://127.0.0.1/resultats.csv", "format": "CSV", "name": "Résultats"}],
    "extras": [],
}


# ckanext-harvest's own CKAN-to-CKAN harvester, beside the site's plugins.
@pytest.mark.ckan_config("ckan.plugins", f"{PLUGINS} ckan_harvester")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues")
def test_a_harvest_job_goes_through_the_redis_queues() -> None:
    from ckanext.harvest import queue

    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"]}
    org = factories.Organization()
    with serve(_remote_ckan(REMOTE_DATASET)) as remote:
        source = call_action(
            "harvest_source_create", context, name="ckan-distant", title="CKAN distant",
            url=remote.url + "/", source_type="ckan", owner_org=org["id"],
        )
        job = call_action("harvest_job_create", context, source_id=source["id"], run=True)

        gather = queue.get_gather_consumer()
        queue.gather_callback(gather, *next(gather.consume(queue.get_gather_queue_name())))
        fetch = queue.get_fetch_consumer()
        queue.fetch_callback(fetch, *next(fetch.consume(queue.get_fetch_queue_name())))

    assert any(path.startswith("/api/3/action/package_search") for path in remote.requests)
    call_action("harvest_jobs_run", context, source_id=source["id"])
    finished = call_action("harvest_job_show", context, id=job["id"])
    assert finished["status"] == "Finished"
    assert finished["stats"]["added"] == 1
    harvested = call_action("package_show", id=REMOTE_DATASET["name"])
    assert harvested["title"] == "Résultats des élections municipales 2020"
