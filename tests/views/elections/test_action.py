"""What ``issy_elections`` and ``GET /api/issy/elections`` refuse, with a
clear JSON error and never a 500, and what they keep: an unknown polling
station, a table that is not an election's, a private dataset, and the
figures kept by the tables' versions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.aggregate import cache
from tests.harvesters.conftest import Feed, Harvest
from tests.views.elections.conftest import elections, europeennes, table_id
from tests.views.budget.conftest import CA_2023, publish as publish_budget, table_of


def test_an_unknown_polling_station_is_a_400_that_says_how_to_name_one(
        app, harvest: Harvest, feed: Feed) -> None:
    resource_id = table_id(europeennes(harvest, feed), "results")
    for asked in ("46", "92012_0001", "<script>", "x" * 500, "١٢"):  # "١٢": 12 in Arabic-Indic digits
        answer = app.get("/api/issy/elections", query_string={"resource_id": resource_id, "station": asked},
                         status=400)
        assert answer.json["success"] is False and answer.json["error"]["field"] == "station"
        assert "92040_0001" in answer.json["error"]["message"]


def test_a_table_that_is_not_an_elections_is_a_404(app, harvest: Harvest, feed: Feed) -> None:
    publish_budget(harvest, feed, {CA_2023: None})
    for resource_id in (table_of("Compte administratif 2023"), "no-such-table", "\x00"):
        answer = app.get("/api/issy/elections", query_string={"resource_id": resource_id}, status=404)
        assert answer.json["success"] is False


def test_a_private_elections_results_are_refused_to_visitors(app, harvest: Harvest, feed: Feed) -> None:
    package = europeennes(harvest, feed)
    tk.get_action("package_patch")({"user": harvest.sysadmin["name"]}, {"id": package["id"], "private": True})
    app.get("/api/issy/elections", query_string={"resource_id": table_id(package, "turnout")}, status=403)
    with pytest.raises(tk.NotAuthorized):
        elections(table_id(package, "results"))


def test_the_figures_are_computed_once_per_version_of_the_tables(harvest: Harvest, feed: Feed) -> None:
    from ckanext.issy.harvesters.core.datastore import table_version
    from ckanext.issy.views.elections.document import read_round

    package = europeennes(harvest, feed)
    first = elections(table_id(package, "results"))
    round_ = read_round(tk.get_action("package_show")({"ignore_auth": True}, {"id": package["id"]}))
    versions = f"{table_version(round_.turnout_id)}.{table_version(round_.results_id)}"
    entry = cache.key("elections", round_.results_id, versions, round_.turnout_id)
    assert cache.connect_to_redis().get(entry) is not None
    assert elections(table_id(package, "turnout"))["candidates"] == first["candidates"]


@pytest.mark.ckan_config("ckan.views.default_views", "issy_elections_view")
def test_between_the_writes_of_a_harvests_two_tables_the_last_figures_of_one_harvest_are_served(
        app, harvest: Harvest, feed: Feed) -> None:
    from ckanext.datastore.backend.postgres import get_write_engine

    package = europeennes(harvest, feed)
    turnout, results = table_id(package, "turnout"), table_id(package, "results")
    before = elections(results)
    # A harvest has committed the new turnout table, not yet the new results.
    with get_write_engine().begin() as connection:
        connection.exec_driver_sql(f'UPDATE "{turnout}" SET votants = votants + 10, exprimes = exprimes + 10, '
                                   f'inscrits = inscrits + 10 WHERE code_bv = \'0001\'')

    assert elections(results) == before  # never a mix of the two harvests

    cache.connect_to_redis().delete(f"issy:elections:last:{results}")  # nothing kept: the answer says wait
    answer = app.get("/api/issy/elections", query_string={"resource_id": results}, status=503)
    assert answer.json["success"] is False and int(answer.headers["Retry-After"]) > 0
    page = app.get(f"/dataset/{package['name']}/resource/{results}").get_data(as_text=True)
    assert "en cours de mise à jour" in page and 'data-role="city-results"' not in page
