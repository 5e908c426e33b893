"""The turnout over polling day in the results (``hours``) and on the page:
the commune's turnout at each hour is what independent SQL finds in the
round's table of it; a round without that table has no such part."""
from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pytest

from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import elections, europeennes, europeennes_hourly, query, table_id

pytestmark = [pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view")]


def test_the_communes_turnout_at_each_hour_is_the_sql_sum_of_its_stations(harvest: Harvest, feed: Feed) -> None:
    package = europeennes_hourly(harvest, feed)
    hours = table_id(package, "turnout_hours")
    expected = [[hour, voters, registered, Decimal(str(rate))] for hour, voters, registered, rate in query(f'''
        SELECT heure, sum(votants), sum(inscrits), round(100.0 * sum(votants) / sum(inscrits), 2)
        FROM "{hours}" GROUP BY heure ORDER BY heure''')]
    answer = elections(table_id(package, "results"))
    assert [[h["hour"], h["votants"], h["inscrits"], Decimal(str(h["turnout"]))] for h in answer["hours"]] == expected
    assert [h[0] for h in expected] == ["10:00", "12:00", "14:00", "16:00", "17:00", "18:00", "19:00", "20:00"]
    assert answer["hours"][-1]["votants"] == answer["city"]["votants"]  # the sample's 20h count is the day's


def test_the_page_shows_the_turnout_over_the_day_in_the_pages_language(
        app: Any, harvest: Harvest, feed: Feed) -> None:
    package = europeennes_hourly(harvest, feed)
    address = f"/dataset/{package['name']}/resource/{table_id(package, 'results')}"
    french = html.unescape(app.get(address).get_data(as_text=True))
    assert "Participation au fil de la journée" in french
    part = french[french.index('data-role="hours"'):]
    assert part.index("<th scope=\"row\">10:00</th>") < part.index("<th scope=\"row\">20:00</th>")
    english = html.unescape(app.get("/en" + address).get_data(as_text=True))
    assert "Turnout over the day" in english and '<th scope="row">5:00\u202fPM</th>' in english


def test_a_round_without_it_has_no_such_part(app: Any, harvest: Harvest, feed: Feed) -> None:
    package = europeennes(harvest, feed)
    assert elections(table_id(package, "results"))["hours"] is None
    page = app.get(f"/dataset/{package['name']}/resource/{table_id(package, 'results')}").get_data(as_text=True)
    assert 'data-role="hours"' not in page
