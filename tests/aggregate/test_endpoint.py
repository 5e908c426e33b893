"""``GET /api/issy/aggregate``: JSON answers, 4xx with a sentence for every
bad request, never a 500; the rate limit per client."""
from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.aggregate.conftest import query

pytestmark = pytest.mark.usefixtures("with_plugins")


def url(resource_id: str, **params: Any) -> str:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return "/api/issy/aggregate?" + urlencode({"resource_id": resource_id, **encoded})


def test_get_answers_the_action_result_as_json(app: Any, budget: str) -> None:
    body = app.get(url(budget, group_by=[{"column": "section"}], measures=[{"function": "sum", "column": "montant"}],
                       limit="1"), status=200).json
    assert body["success"] is True
    assert body["result"]["rows"] == query(f'SELECT section, sum(montant) FROM "{budget}" GROUP BY 1 ORDER BY 2 DESC LIMIT 1')


BAD = [
    ({"group_by": "[{", "measures": "[]"}, "group_by"),
    ({"measures": [{"function": "sum", "column": "recettes"}]}, "measures"),
    ({"measures": [{"function": "count"}], "filters": [{"column": "montant", "op": "~", "value": 1}]}, "filters"),
    ({"measures": {"function": "count"}, "limit": "dix"}, "limit"),
    ({"measures": "null"}, "measures"),
    ({"measures": [{"function": "count"}], "sort": "1"}, "sort"),
    ({"measures": "\"\\u0000\""}, "measures"),
]


def test_bad_request_is_a_400_with_a_sentence(app: Any, budget: str) -> None:
    for params, field in BAD:
        body = app.get(url(budget, **params), status=400).json
        assert body["success"] is False
        assert body["error"]["field"] == field and body["error"]["message"]


def test_unknown_resource_and_missing_id(app: Any, budget: str) -> None:
    assert app.get(url("inconnue", measures=[{"function": "count"}]), status=404).json["success"] is False
    assert app.get("/api/issy/aggregate", status=400).json["error"]["field"] == "resource_id"
    # A NUL character, which PostgreSQL refuses in any text: no such resource, not a 500.
    for address in ("/api/issy/aggregate", "/api/issy/points", "/api/issy/geojson", "/api/issy/budget"):
        assert app.get(address, query_string={"resource_id": "\x00"}, status=404).json["success"] is False


def test_private_resource_is_refused_to_visitors(app: Any, private_budget: str) -> None:
    body = app.get(url(private_budget, measures=[{"function": "count"}]), status=403).json
    assert body["error"]["message"]
    assert "48" not in json.dumps(body)


@pytest.mark.ckan_config("ckanext.issy.aggregate.rate_limit", "3")
@pytest.mark.ckan_config("ckanext.issy.aggregate.proxy_count", "1")
def test_a_client_over_its_rate_gets_429_while_cached_answers_still_come(app: Any, budget: str) -> None:
    client = {"X-Forwarded-For": f"203.0.113.7, 198.51.100.{uuid.uuid4().int % 250}"}  # the proxy's entry is last
    ask = [url(budget, measures=[{"function": "count"}], filters=[{"column": "lignes", "op": "eq", "value": n}])
           for n in range(1, 5)]
    for address in ask[:3]:
        assert app.get(address, headers=client, status=200).json["result"]["cached"] is False
    refused = app.get(ask[3], headers=client, status=429)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json["error"]["message"]
    assert app.get(ask[0], headers=client, status=200).json["result"]["cached"] is True
    other = {"X-Forwarded-For": "203.0.113.7, 192.0.2.44"}
    assert app.get(ask[3], headers=other, status=200).json["result"]["cached"] is False


@pytest.mark.ckan_config("ckanext.issy.aggregate.rate_limit", "1")
def test_ckans_action_api_refuses_a_client_over_its_rate_without_a_500(app: Any, budget: str) -> None:
    asked = [{"resource_id": budget, "measures": [{"function": "count"}],
              "filters": [{"column": "lignes", "op": "eq", "value": n}]} for n in (1, 2)]
    client = {"REMOTE_ADDR": f"198.51.100.{uuid.uuid4().int % 250}"}
    assert app.post("/api/3/action/issy_aggregate", json=asked[0], environ_overrides=client).status_code == 200
    refused = app.post("/api/3/action/issy_aggregate", json=asked[1], environ_overrides=client)
    assert refused.status_code == 409 and refused.json["success"] is False
    assert "minute" in json.dumps(refused.json["error"])
