"""The map of the polling stations (``issy_elections_map``, ``GET
/api/issy/elections/carte`` and the view's two maps): each station's
leading list and turnout are the figures independent SQL finds in the
round's tables; the map is refused as the results are (private, not an
election, no places), never with a 500; a round without places has no map;
a commune's own file of points names each station in the station form."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from devstack import station_samples
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import europeennes, europeennes_placed, query, table_id

pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view")]


def _map(resource_id: str) -> dict[str, Any]:
    return tk.get_action("issy_elections_map")({"user": ""}, {"resource_id": resource_id})


def test_each_stations_leader_and_turnout_are_those_sql_finds(harvest: Harvest, feed: Feed) -> None:
    package = europeennes_placed(harvest, feed)
    results, turnout = table_id(package, "results"), table_id(package, "turnout")
    # Each station's lists with the most votes (ties, in panel order), and the first's share of the votes cast.
    leaders = {key: (lists, Decimal(str(share))) for key, lists, share in query(f'''
        SELECT r.id_brut_miom, string_agg(r.liste, ' / ' ORDER BY r.no_panneau::int),
               round(100.0 * max(r.voix) / max(t.exprimes), 2)
        FROM "{results}" r JOIN "{turnout}" t USING (id_brut_miom)
        WHERE r.voix = (SELECT max(voix) FROM "{results}" m WHERE m.id_brut_miom = r.id_brut_miom)
        GROUP BY r.id_brut_miom''')}
    turnouts = dict(query(f'SELECT id_brut_miom, round(100.0 * votants / inscrits, 2) FROM "{turnout}"'))
    answer = _map(results)
    assert answer["join"] == {"matched": 45, "unmatched_features": 0, "unplaced_stations": 0}
    assert len(answer["features"]) == 45
    for feature in answer["features"]:
        properties = feature["properties"]
        key = f"92040_{int(properties['bureau']):04d}"
        lists, share = leaders[key]
        if " / " in lists:  # a tie names every list that leads, after the word for a tie
            assert properties["en_tete"].endswith(": " + lists) and properties["en_tete"] != lists
        else:
            assert properties["en_tete"] == lists
        assert Decimal(str(properties["part_en_tete"])) == share
        assert Decimal(str(properties["participation"])) == Decimal(str(turnouts[key]))
        assert feature["geometry"]["type"] == "Polygon"
    assert _map(turnout)["features"] == answer["features"]  # either table leads to the same map


def test_the_endpoint_answers_the_map_and_refuses_with_json(app: Any, harvest: Harvest, feed: Feed) -> None:
    placed = europeennes_placed(harvest, feed)
    answer = app.get("/api/issy/elections/carte", query_string={"resource_id": table_id(placed, "results")})
    assert answer.status_code == 200 and len(answer.json["result"]["features"]) == 45
    bounds = answer.json["result"]["bounds"]
    assert 48.8 < bounds[0][0] < bounds[1][0] < 48.85 and 2.2 < bounds[0][1] < bounds[1][1] < 2.3
    for resource_id in ("no-such-table", "\x00", "x" * 500):
        assert app.get("/api/issy/elections/carte", query_string={"resource_id": resource_id},
                       status=404).json["success"] is False
    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": placed["id"], "private": True})
    app.get("/api/issy/elections/carte", query_string={"resource_id": table_id(placed, "results")}, status=403)


def test_a_round_without_places_has_no_map(app: Any, harvest: Harvest, feed: Feed) -> None:
    package = europeennes(harvest, feed)
    app.get("/api/issy/elections/carte", query_string={"resource_id": table_id(package, "results")}, status=404)
    page = app.get(f"/dataset/{package['name']}/resource/{table_id(package, 'results')}").get_data(as_text=True)
    assert "data-issy-map" not in page and "Carte des bureaux de vote" not in page


def test_the_page_draws_the_leader_map_and_the_turnout_map(app: Any, harvest: Harvest, feed: Feed) -> None:
    package = europeennes_placed(harvest, feed)
    page = app.get(f"/dataset/{package['name']}/resource/{table_id(package, 'results')}").get_data(as_text=True)
    assert page.count("data-issy-map") == 2
    assert page.count('"api": "/api/issy/elections/carte"') == 2
    assert '"color": {"id": "en_tete"' in page and '"color": {"id": "participation"' in page


def test_a_communes_points_name_each_station_in_the_form_and_on_the_map(
        app: Any, harvest: Harvest, feed: Feed) -> None:
    package = europeennes_placed(harvest, feed, station_samples.points())
    results = table_id(package, "results")
    station_3 = next(f for f in _map(results)["features"] if f["properties"]["bureau"] == "3")
    assert station_3["geometry"]["type"] == "Point"
    assert station_3["properties"]["nom"] == "Centre administratif municipal (3)"
    page = app.get(f"/dataset/{package['name']}/resource/{results}", query_string={"bureau": "3"})
    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert ('<option value="3" selected>Bureau de vote 3 — Centre administratif municipal (3), '
            '3 rue Ernest-Renan, 92130 Issy-les-Moulineaux</option>') in text
