"""Fixtures of the theme tests: the search tests' clean database and index
(the theme's pages search through issy_search), and a small portal."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import factories

from tests.search.conftest import sysadmin  # noqa: F401  (fixture; clean_db and clean_index are suite-wide)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def portal(sysadmin: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """An organisation, a dataset with a DataStore-less CSV and a view, and a
    dataset whose every text is hostile HTML."""
    org = factories.Organization(name="ville", title="Ville d'Issy", user=sysadmin)
    budget = factories.Dataset(
        name="budget-2024", title="Budget primitif 2024", owner_org=org["id"],
        notes="Le budget **voté**.", license_id="odc-odbl",
        extras=[{"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"},
                {"key": "temporal_start", "value": "2024-01-01"}, {"key": "temporal_end", "value": "2024-12-31"}],
    )
    resource = factories.Resource(package_id=budget["id"], name="budget.csv", format="CSV",
                                  url="https://data.example.org/budget.csv", size=123456)
    view = factories.ResourceView(resource_id=resource["id"], view_type="image_view",
                                  title="Graphique du budget", image_url="https://data.example.org/b.png")
    hostile = factories.Dataset(
        name="hostile", title=HOSTILE, notes=HOSTILE, owner_org=org["id"],
        extras=[{"key": "frequency", "value": HOSTILE}, {"key": "spatial_text", "value": HOSTILE}],
    )
    hostile_res = factories.Resource(package_id=hostile["id"], name=HOSTILE, format=HOSTILE,
                                     url="https://data.example.org/h.csv")
    hostile_view = factories.ResourceView(resource_id=hostile_res["id"], view_type="image_view",
                                          title=HOSTILE, image_url="https://data.example.org/h.png")
    return {"sysadmin": sysadmin, "org": org, "budget": budget, "resource": resource,
            "view": view, "hostile": hostile, "hostile_resource": hostile_res,
            "hostile_view": hostile_view}


def as_user(user: dict[str, Any]) -> dict[str, str]:
    """Request headers of ``user`` (API token): CKAN skips its CSRF check for
    such a request, which no other site can forge."""
    return {"Authorization": user["token"]}


@pytest.fixture
def paged(clean_db: None, clean_index: None) -> dict[str, Any]:
    """Five datasets of one organisation and one group; three organisations
    and groups: more than one page of each with ``ckan.datasets_per_page = 2``.
    Fifteen keywords, more than a facet lists (``search.facets.default``, 10):
    the keywords' "show more" link appears."""
    org = factories.Organization(name="mairie", title="Mairie d'Issy-les-Moulineaux")
    group = factories.Group(name="budget", title="Budget et finances")
    for n in range(5):
        tags = [{"name": f"{word}-{n}"} for word in ("été", "quartier", "équipement")]
        factories.Dataset(name=f"jeu-{n}", title=f"Jeu de données n° {n}", owner_org=org["id"],
                          groups=[{"name": group["name"]}], tags=tags)
    for n in range(2):
        factories.Organization(name=f"quartier-{n}", title=f"Quartier {n}")
        factories.Group(name=f"theme-{n}", title=f"Thème {n}")
    return {"org": org, "group": group}
