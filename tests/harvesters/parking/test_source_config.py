"""A parking source's configuration is checked when it is saved, with every
problem in one message; the examples of docs/harvesters.md are valid."""
from __future__ import annotations

import json

import pytest

from ckanext.issy.harvesters.core.base import ConfigError
from ckanext.issy.harvesters.parking import ParkingHarvester
from tests.harvesters.elections.conftest import plain_quotes
from tests.harvesters.test_config import doc_examples

EXAMPLES = doc_examples("## Real-time parking")
GARAGES = {"kind": "garage", "id": "parking_id", "free": "value_free_spots"}


@pytest.mark.usefixtures("with_plugins")
def test_the_documentation_shows_every_feed_format_but_csv_which_is_json_s_twin() -> None:
    formats = {json.loads(example)["format"] for example in EXAMPLES}
    assert formats == {"ods", "datex", "json"}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_parking_configuration_example_of_the_documentation_is_valid(example: str) -> None:
    normalised = json.loads(ParkingHarvester().validate_config(example))
    assert normalised["title"] == "Disponibilité du stationnement en temps réel"
    assert normalised["group_title"] == "Mobilité"


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config, words", [
    ({}, ['"format"', "ods, json, csv, datex"]),
    ({"format": "ods", "mapping": GARAGES}, ['"dataset"']),
    ({"format": "datex"}, ['"table_url"']),
    ({"format": "datex", "table_url": "file:///etc/passwd"}, ["http"]),
    ({"format": "datex", "table_url": "http://127.0.0.1:5432/table.xml"}, ["127.0.0.1"]),
    ({"format": "json", "mapping": {"kind": "garage", "id": "id"}}, ['"free"', '"occupied"']),
    ({"format": "json", "mapping": {**GARAGES, "state": "etat"}}, ['"state"']),
    ({"format": "datex", "table_url": "https://example.fr/t.xml", "mapping": GARAGES}, ['"mapping"']),
    ({"format": "json", "mapping": GARAGES, "feeds": {"url": "https://example.fr"}}, ['"feeds"']),
    ({"format": "json", "mapping": GARAGES, "feeds": [{"format": "csv", "mapping": GARAGES, "colour": "bleu"}]},
     ['"feeds"', '"url"', '"colour"']),
    ({"format": "json", "mapping": GARAGES, "insee": "92", "tags": "parking", "title": " "},
     ['"insee"', '"tags"', '"title"']),
    ({"format": "json", "mapping": GARAGES, "interval": 30}, ['"interval"']),
])
def test_an_invalid_parking_configuration_is_refused_naming_each_problem(config: dict, words: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        ParkingHarvester().validate_config(json.dumps(config))
    message = plain_quotes(str(raised.value))
    assert all(word in message for word in words), message


@pytest.mark.usefixtures("with_plugins")
def test_a_description_of_car_parks_completes_a_live_feed_but_cannot_be_the_only_one() -> None:
    bnls = {"format": "bnls", "url": "https://transport.data.gouv.fr/stationnement.csv"}
    ParkingHarvester().validate_config(json.dumps({"format": "json", "mapping": GARAGES, "feeds": [bnls]}))
    with pytest.raises(ConfigError, match="bnls"):
        ParkingHarvester().validate_config(json.dumps({"format": "bnls"}))
