"""data.gouv.fr's own harvesters (udata 17 from PyPI, run in .venv-udata
with an in-memory MongoDB) harvest the running test portal, over HTTP, as
data.gouv.fr harvests the city's: through the DCAT catalogue in each of its
serialisations (paged, two datasets a page) and through the CKAN API. No
item fails, and udata stores each dataset whole: title and description with
their accents, data.gouv.fr's licence id, frequency, temporal and spatial
coverage, and every resource."""
from __future__ import annotations

import pytest

from devstack.datagouv import run_udata
from tests.interop.conftest import AIR_QUALITY, PARC_HENRI_BARBUSSE, ISSY, Portal
from tests.interop.udata_record import Expected, assert_harvested_whole

pytestmark = pytest.mark.interop

EXPECTED = {
    "Budget primitif 2024": Expected("lov2", "ANNUAL", ("2024-01-01", "2024-12-31"), ISSY),
    "Compte administratif 2023": Expected("lov2", "ANNUAL", ("2023-01-01", "2023-12-31"), ISSY),
    AIR_QUALITY["title"]: Expected("odc-odbl", "MONTHLY", ("2024-01-01", "2024-12-31"), PARC_HENRI_BARBUSSE),
}


@pytest.mark.parametrize("catalogue", ["catalog.xml", "catalog.ttl", "catalog.jsonld"])
def test_udata_dcat_harvests_every_page_of_the_catalogue_whole(
        portal: Portal, catalogue: str) -> None:
    report = run_udata("dcat", portal.live.at(catalogue))

    assert_harvested_whole(report, portal.datasets(), EXPECTED, "dcat")
    # Three datasets at two a page: udata followed the Hydra link to the second page.
    assert f"/{catalogue}?page=2" in portal.live.requests


def test_udata_ckan_harvests_every_dataset_of_the_api_whole(portal: Portal) -> None:
    # data.gouv.fr's form asks for the portal's root URL; the trailing slash
    # matters (udata joins "api/3/action/..." to it).
    report = run_udata("ckan", portal.live.url + "/")

    # The finance harvest source is a package too: package_list leaves it out.
    assert_harvested_whole(report, portal.datasets(), EXPECTED, "ckan")
    assert "/api/3/action/package_list" in portal.live.requests
