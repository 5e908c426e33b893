"""The demo's catalogue passes data.gouv.fr's harvesters: the demo's sample
data, loaded by devstack's own loader (as `make demo` does) into the live
test portal, with the budgets and election results harvested from
devstack/samples/ by the demo's sources and the real-time parking from the
parking simulator, are harvested by udata's DCAT and CKAN backends with
no failed item and each dataset whole. `make datagouv-check` runs the same
harvests on a running demo."""
from __future__ import annotations

from typing import Any

import pytest

from devstack import parking_simulator, sample_data
from devstack.datagouv import run_udata
from devstack.settings import SAMPLE_FEEDS
from tests.harvesters.conftest import Feed, Harvest
from tests.harvesters.parking.conftest import Simulator, simulator  # noqa: F401 (fixture)
from tests.interop.conftest import ISSY, Portal
from tests.interop.udata_record import Expected, assert_harvested_whole
from tests.support.harvest import run_queued
from tests.support.live_portal import LivePortal

pytestmark = pytest.mark.interop

BUDGETS = {"Budget primitif 2024 (exemple)": 2024, "Compte administratif 2023 (exemple)": 2023,
           "Projets d'investissement 2023 (exemple)": 2023}


def _sample(coverage: dict[str, str]) -> Expected:
    """A sample dataset of devstack/sample_data.py: the commune, Licence Ouverte 2.0."""
    period = (coverage["temporal_start"], coverage["temporal_end"]) if "temporal_start" in coverage else None
    return Expected("lov2", coverage["frequency"], period, ISSY)


ELECTIONS = {"Élections européennes 2024 — 1er tour (exemple)": "2024-06-09"}
PARKING = "Disponibilité du stationnement en temps réel (exemple)"


def expected() -> dict[str, Expected]:
    """The sample datasets, the commune's outline, the budgets (and
    projects), the election results and the parking of the sample sources."""
    budgets = {title: Expected("lov2", "ANNUAL", (f"{year}-01-01", f"{year}-12-31"), ISSY)
               for title, year in BUDGETS.items()}
    elections = {title: Expected("lov2", "NEVER", (day, day), ISSY) for title, day in ELECTIONS.items()}
    parking = {PARKING: Expected("lov2", "UPDATE_CONT", None, ISSY)}  # the present: no period
    samples = {spec["title"]: _sample(spec["coverage"]) for spec in (*sample_data.DATASETS, sample_data.BOUNDARY)}
    return {**samples, **budgets, **elections, **parking}


def _sample_source(source: dict[str, Any], feeds_url: str, simulator_url: str) -> dict[str, Any]:
    """A demo's source, its files served by the test's feed server and parking simulator."""
    def moved(text: str) -> str:
        return text.replace(sample_data.FEEDS_URL, feeds_url).replace(parking_simulator.URL, simulator_url)

    return {**source, "url": moved(source["url"]), "config": moved(source["config"])}


@pytest.fixture
def demo(live_portal: LivePortal, harvest: Harvest, feed: Feed, simulator: Simulator, paged_catalogue: None,
         monkeypatch: pytest.MonkeyPatch) -> Portal:
    for sample in (*SAMPLE_FEEDS.glob("*.csv"), *SAMPLE_FEEDS.glob("*.geojson")):
        feed.serve_file(sample.name, sample.read_bytes())
    monkeypatch.setattr(sample_data, "SOURCES", [_sample_source(s, feed.server.url, simulator.url)
                                                 for s in sample_data.SOURCES])
    sample_data.load(harvest.sysadmin["name"])
    # The first jobs of the sources, which the demo's `ckan harvester run` starts.
    run_queued(harvest.sysadmin["name"])
    return Portal(live_portal)


@pytest.mark.parametrize("backend, path", [("dcat", "catalog.ttl"), ("ckan", "")])
def test_udata_harvests_the_demo_catalogue_whole(demo: Portal, backend: str, path: str) -> None:
    report = run_udata(backend, demo.live.at(path))

    assert_harvested_whole(report, demo.datasets(), expected(), backend)
