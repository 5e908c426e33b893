"""The demo's sample harvest sources: valid, allow-listed, over files in sync with their generators."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from devstack import demo, parking_simulator, sample_data
from devstack.settings import SAMPLE_FEEDS, SAMPLE_FEEDS_HOST, SAMPLE_FEEDS_PORT
from tests.harvesters.fixtures import generate


@pytest.mark.usefixtures("with_plugins")
# As the demo allows its sample feeds (the next test checks that it does).
@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", f"{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT}")
def test_the_sample_finance_source_configuration_is_valid_and_labels_its_datasets() -> None:
    from ckanext.issy.harvesters.finance import ScdlBudgetHarvester

    config = json.loads(ScdlBudgetHarvester().validate_config(sample_data.FINANCE_SOURCE["config"]))
    assert config["title_suffix"] == " (exemple)"
    assert sample_data.SAMPLE_TAG in config["tags"]
    # The sample files' functions are M14's (devstack/scdl_samples.py's default).
    assert config["nomenclature"] == "M14"


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", f"{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT}")
def test_the_sample_projects_source_configuration_is_valid_and_its_file_holds_2023_projects() -> None:
    from ckanext.issy.harvesters.finance import ScdlBudgetHarvester

    config = json.loads(ScdlBudgetHarvester().validate_config(sample_data.PROJECTS_SOURCE["config"]))
    assert (config["format"], config["budget_document"], config["title_suffix"]) == (
        "projects", "compte administratif", " (exemple)")
    features = json.loads((SAMPLE_FEEDS / sample_data.PROJECTS_FILE).read_text())["features"]
    assert {feature["properties"]["annee"] for feature in features} == {2023}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", f"{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT}")
def test_the_sample_election_source_configuration_is_valid_and_labels_its_datasets() -> None:
    from ckanext.issy.harvesters.elections import ElectionResultsHarvester

    config = json.loads(ElectionResultsHarvester().validate_config(sample_data.ELECTION_SOURCE["config"]))
    assert config["title_suffix"] == " (exemple)"
    assert sample_data.SAMPLE_TAG in config["tags"]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", f"{parking_simulator.HOST}:{parking_simulator.PORT}")
def test_the_sample_parking_source_configuration_is_valid_and_reads_both_simulated_datasets() -> None:
    from ckanext.issy.harvesters.parking import ParkingHarvester

    config = json.loads(ParkingHarvester().validate_config(sample_data.PARKING_SOURCE["config"]))
    assert [config["dataset"], config["feeds"][0]["dataset"]] == [
        parking_simulator.GARAGES_DATASET, parking_simulator.SPACES_DATASET]
    assert sample_data.SAMPLE_TAG in config["tags"]


def test_the_sample_feeds_are_the_only_private_destinations_the_demo_allows() -> None:
    settings = demo._settings({}, "redis://127.0.0.1:6379", 5000)
    parking = json.loads(sample_data.PARKING_SOURCE["config"])
    urls = [sample_data.FINANCE_SOURCE["url"], *json.loads(sample_data.FINANCE_SOURCE["config"])["urls"],
            sample_data.PROJECTS_SOURCE["url"], sample_data.ELECTION_SOURCE["url"], sample_data.PARKING_SOURCE["url"], parking["feeds"][0]["url"]]
    assert {urlsplit(url).netloc for url in urls} == set(settings["ckanext.issy.harvest.allowed_hosts"].split())


def test_the_demo_runs_the_sample_feed_servers_and_the_parking_poller(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    procfile = tmp_path / "Procfile"  # type: ignore[operator]
    monkeypatch.setattr(demo, "PROCFILE", procfile)
    demo.write_procfile(demo.web_process(5000))
    text = procfile.read_text()
    assert "-m devstack sample-feeds" in text and "-m devstack parking-simulator" in text
    assert "issy parking poll" in text


@pytest.mark.parametrize("name", generate.DEMO_FILES)
def test_the_sample_files_are_those_the_fixture_generator_writes(name: str) -> None:
    from devstack import scdl_samples

    budget, shape = generate.FIXTURES[name]
    assert (SAMPLE_FEEDS / name).read_bytes() == scdl_samples.write(budget, **shape)


def test_the_sample_election_file_is_the_one_its_generator_writes() -> None:
    from devstack import election_samples

    assert (SAMPLE_FEEDS / sample_data.ELECTION_FILE).read_bytes() == election_samples.europeennes_2024_format_b()
