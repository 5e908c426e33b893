"""``issy_aggregate`` against a real DataStore table: every figure checked
against an independent SQL query."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckanext.datastore.backend.postgres import get_write_engine

from ckanext.issy.language import _
from tests.aggregate.conftest import query

pytestmark = pytest.mark.usefixtures("with_plugins")


def aggregate(resource_id: str, context: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    return tk.get_action("issy_aggregate")(context or {"ignore_auth": True}, {"resource_id": resource_id, **data})


def test_sum_by_one_column_equals_sql(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "section"}], measures=[{"function": "sum", "column": "montant"}])
    assert result["rows"] == query(f'SELECT section, sum(montant) FROM "{budget}" GROUP BY 1 ORDER BY 1')
    assert [f["id"] for f in result["fields"]] == ["section", "montant"]
    assert result["fields"][1] == {"id": "montant", "role": "measure", "function": "sum", "type": "number",
                                   "label": "Montant (€)"}
    assert result["truncated"] is False and result["others"] == []


def test_month_and_second_group_with_every_function_equal_sql(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "mandate_le", "unit": "month"}, {"column": "section"}],
                       measures=[{"function": f, "column": "montant"} for f in ("sum", "mean", "min", "max")]
                       + [{"function": "count"}])
    expected = query(f"""SELECT date_trunc('month', mandate_le)::date, section, sum(montant), avg(montant),
                         min(montant), max(montant), count(*) FROM "{budget}" GROUP BY 1, 2 ORDER BY 1, 2""")
    assert len(result["rows"]) == len(expected) == 12
    for row, want in zip(result["rows"], expected):
        assert row[:3] + row[4:] == want[:3] + want[4:]
        assert row[3] == pytest.approx(want[3])
    assert result["rows"][0][0] == "2024-01-01"


def test_year_of_a_date_and_count_of_a_column_skip_empty_cells(budget: str) -> None:
    result = aggregate(budget, group_by=["mandate_le"], measures=[{"function": "count", "column": "fonction"}],
                       sort={"by": "measure", "order": "desc"})
    assert result["rows"] == query(
        f'SELECT mandate_le, count(fonction) FROM "{budget}" GROUP BY 1 ORDER BY 2 DESC, 1')
    by_year = aggregate(budget, group_by=[{"column": "mandate_le", "unit": "year"}],
                        measures=[{"function": "count", "column": "fonction"}])
    assert by_year["rows"] == [["2024-01-01", 47]]


def test_filters_equality_list_range_and_difference_equal_sql(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "fonction"}], measures=[{"function": "sum", "column": "montant"}],
                       filters=[{"column": "section", "op": "eq", "value": "Fonctionnement"},
                                {"column": "fonction", "op": "in", "value": ["Culture", "Sport et jeunesse", "Sécurité"]},
                                {"column": "mandate_le", "op": "between", "value": ["2024-03-01", "2024-09-30"]},
                                {"column": "montant", "op": "gte", "value": "1 500,5".replace(" ", "")},
                                {"column": "nature", "op": "ne", "value": "600"}])
    assert result["rows"] == query(
        f"""SELECT fonction, sum(montant) FROM "{budget}" WHERE section = 'Fonctionnement'
            AND fonction IN ('Culture', 'Sport et jeunesse', 'Sécurité')
            AND mandate_le BETWEEN '2024-03-01' AND '2024-09-30' AND montant >= 1500.5
            AND nature IS DISTINCT FROM '600' GROUP BY 1 ORDER BY 1""")
    assert result["rows"]


def test_top_n_keeps_the_largest_and_sums_the_rest_as_others(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "fonction"}], measures=[{"function": "sum", "column": "montant"}],
                       limit=3, sort={"by": "measure", "order": "desc"})
    every = query(f'SELECT fonction, sum(montant) FROM "{budget}" GROUP BY 1 ORDER BY 2 DESC NULLS LAST')
    assert result["rows"] == every[:3]
    rest = query(f'''SELECT sum(montant) FROM "{budget}" WHERE fonction IS NULL
                     OR fonction NOT IN (SELECT fonction FROM "{budget}" WHERE fonction IS NOT NULL
                                         GROUP BY 1 ORDER BY sum(montant) DESC LIMIT 3)''')[0][0]
    assert result["others"] == [[None, pytest.approx(rest)]]
    assert sum(r[1] for r in result["rows"]) + result["others"][0][1] == pytest.approx(
        query(f'SELECT sum(montant) FROM "{budget}"')[0][0])


def test_top_n_with_a_second_group_gives_others_per_series(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "fonction"}, {"column": "section"}],
                       measures=[{"function": "count"}], limit=2)
    top = [r[0] for r in query(f'SELECT fonction FROM "{budget}" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2')]
    assert {r[0] for r in result["rows"]} == set(top)
    assert result["others"] == [[None] + r for r in query(
        f'SELECT section, count(*) FROM "{budget}" WHERE fonction IS NULL OR NOT fonction = ANY(%(top)s)'
        ' GROUP BY 1 ORDER BY 1', top=top)]


def test_top_n_without_others_and_a_top_covering_everything(budget: str) -> None:
    assert aggregate(budget, group_by=["section"], measures=[{"function": "count"}], limit=1,
                     others=False)["others"] == []
    assert aggregate(budget, group_by=["section"], measures=[{"function": "count"}], limit=5)["others"] == []


def test_result_is_cut_at_max_rows_and_says_so(budget: str, ckan_config: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ckan_config, "ckanext.issy.aggregate.max_rows", 5)
    result = aggregate(budget, group_by=["nature"], measures=[{"function": "count"}])
    assert len(result["rows"]) == 5 and result["truncated"] is True


def test_a_result_cut_short_is_not_served_once_the_limit_is_raised(
        budget: str, ckan_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ckan_config, "ckanext.issy.aggregate.max_rows", 5)
    asked = {"group_by": ["nature"], "measures": [{"function": "count"}]}
    assert aggregate(budget, **asked)["truncated"] is True
    # As the refusals of the report views tell sysadmins to do.
    monkeypatch.setitem(ckan_config, "ckanext.issy.aggregate.max_rows", 1000)
    result = aggregate(budget, **asked)
    assert result["truncated"] is False and result["cached"] is False
    assert len(result["rows"]) == query(f'SELECT count(DISTINCT nature) FROM "{budget}"')[0][0]


def test_columns_list_kinds_and_data_dictionary_labels(budget: str) -> None:
    columns = tk.get_action("issy_aggregate_columns")({"ignore_auth": True}, {"resource_id": budget})["columns"]
    assert columns == [
        {"id": "section", "type": "text", "label": "Section"},
        {"id": "fonction", "type": "text", "label": "Fonction"},
        {"id": "nature", "type": "text", "label": "Nature"},
        {"id": "montant", "type": "number", "label": "Montant (€)"},
        {"id": "mandate_le", "type": "date", "label": "Mandaté le"},
        {"id": "lignes", "type": "number", "label": "Lignes"},
    ]


def test_repeat_is_cached_and_a_change_of_rows_is_seen_at_once(budget: str) -> None:
    ask = {"group_by": ["section"], "measures": [{"function": "sum", "column": "montant"}]}
    first, again = aggregate(budget, **ask), aggregate(budget, **ask)
    assert (first["cached"], again["cached"]) == (False, True)
    assert again["rows"] == first["rows"]
    # The same request spelt differently shares the entry.
    assert aggregate(budget, **ask, sort={"by": "group", "index": 0, "order": "asc"}, others=False)["cached"] is True
    with get_write_engine().begin() as connection:  # any writer: SQL here, not the extension's modules
        connection.exec_driver_sql(f"""UPDATE "{budget}" SET montant = montant + 1000 WHERE section = 'Investissement'""")
    fresh = aggregate(budget, **ask)
    assert fresh["cached"] is False and fresh["version"] > first["version"]
    assert fresh["rows"] == query(f'SELECT section, sum(montant) FROM "{budget}" GROUP BY 1 ORDER BY 1')
    assert fresh["rows"] != first["rows"]


def test_table_without_version_is_computed_every_time_and_odd_names_are_quoted(with_plugins: None, clean_db: None, clean_index: None) -> None:
    from tests.aggregate.conftest import new_resource

    resource, context = new_resource()
    tk.get_action("datastore_create")(context, {
        "resource_id": resource["id"], "fields": [{"id": "quartier", "type": "text"}, {"id": "habitants", "type": "int"},
                                                 {"id": "part des 0-14 ans (%)", "type": "numeric"},
                                                 {"id": "densité", "type": "float8"}],
        "records": [{"quartier": "Les Épinettes", "habitants": 9800, "part des 0-14 ans (%)": 17.5, "densité": "NaN"},
                    {"quartier": "Centre-ville", "habitants": 12400, "part des 0-14 ans (%)": 15, "densité": 25000.5}],
        "force": True})
    ask = {"group_by": ["quartier"], "measures": [{"function": "sum", "column": "habitants"},
                                                 {"function": "max", "column": "part des 0-14 ans (%)"},
                                                 {"function": "max", "column": "densité"}],
           "filters": [{"column": "part des 0-14 ans (%)", "op": "gte", "value": 10}]}
    first, again = aggregate(resource["id"], **ask), aggregate(resource["id"], **ask)
    assert first["version"] is None and again["cached"] is False
    # PostgreSQL's NaN has no JSON form: null.
    assert again["rows"] == [["Centre-ville", 12400, 15, 25000.5], ["Les Épinettes", 9800, 17.5, None]]


def test_private_dataset_is_refused_to_visitors_and_served_to_its_editors(private_budget: str) -> None:
    ask = {"measures": [{"function": "count"}]}
    with pytest.raises(tk.NotAuthorized):
        aggregate(private_budget, {"user": ""}, **ask)
    from ckan.tests import factories

    with pytest.raises(tk.NotAuthorized):
        aggregate(private_budget, {"user": factories.User()["name"]}, **ask)
    assert aggregate(private_budget, {"user": factories.Sysadmin()["name"]}, **ask)["rows"] == [[48]]


def test_a_pathological_query_is_stopped_by_the_timeout(budget: str, ckan_config: dict[str, Any],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with get_write_engine().begin() as connection:
        connection.exec_driver_sql(f"""INSERT INTO "{budget}" (section, fonction, nature, montant, mandate_le, lignes)
            SELECT 'Fonctionnement', 'Culture', md5(n::text), n, DATE '2024-01-01' + mod(n, 366), 1
            FROM generate_series(1, 300000) AS n""")
    monkeypatch.setitem(ckan_config, "ckanext.issy.aggregate.timeout", 20)
    with pytest.raises(tk.ValidationError) as raised:
        # 300,000 distinct groups, each a mean: far beyond 20 ms.
        aggregate(budget, group_by=["nature", "mandate_le"], measures=[{"function": "mean", "column": "montant"}],
                  sort={"by": "measure", "order": "desc"})
    assert raised.value.error_dict["resource_id"] == [
        _("This request took too long to compute. Add a filter or group by fewer values.")]


def test_days_and_months_of_a_timestamptz_column_begin_at_local_midnight(
        with_plugins: None, clean_db: None, clean_index: None) -> None:
    """ckan.display_timezone is Europe/Paris (test.ini): a reading at 23:30 UTC
    on 31 October 2025 is on 1 November in Issy."""
    from datetime import datetime, timezone

    from ckanext.issy.harvesters.core import datastore
    from ckanext.issy.harvesters.core.datastore import Column
    from tests.aggregate.conftest import new_resource

    resource, context = new_resource()
    datastore.load(resource["id"], [Column("mesure_le", "timestamptz", "Mesuré le", ""),
                                    Column("places_libres", "int4", "Places libres", "")], [
        [datetime(2025, 10, 31, 22, 30, tzinfo=timezone.utc), 12],
        [datetime(2025, 10, 31, 23, 30, tzinfo=timezone.utc), 40],
        [datetime(2025, 11, 1, 8, 0, tzinfo=timezone.utc), 5],
    ], context)
    by = {unit: aggregate(resource["id"], group_by=[{"column": "mesure_le", "unit": unit}],
                          measures=[{"function": "sum", "column": "places_libres"}])["rows"]
          for unit in ("day", "month")}
    assert by["day"] == [["2025-10-31T00:00:00", 12], ["2025-11-01T00:00:00", 45]]
    assert by["month"] == [["2025-10-01T00:00:00", 12], ["2025-11-01T00:00:00", 45]]


def test_a_cut_top_n_keeps_its_top_rows_before_the_others(budget: str, ckan_config: dict[str, Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted by the measure, the others' bucket (the largest) would come
    first; the cut keeps the top's rows."""
    monkeypatch.setitem(ckan_config, "ckanext.issy.aggregate.max_rows", 2)
    result = aggregate(budget, group_by=["fonction", "nature"], measures=[{"function": "sum", "column": "montant"}],
                       limit=3, sort={"by": "measure", "order": "desc"})
    assert result["truncated"] is True
    top = [r[0] for r in query(f'SELECT fonction FROM "{budget}" GROUP BY 1 ORDER BY sum(montant) DESC NULLS LAST LIMIT 3')]
    assert len(result["rows"]) == 2 and {r[0] for r in result["rows"]} <= set(top)
    assert len(result["others"]) == 2 and all(r[0] is None for r in result["others"])


def test_top_months_with_others_keep_the_date_type(budget: str) -> None:
    result = aggregate(budget, group_by=[{"column": "mandate_le", "unit": "month"}],
                       measures=[{"function": "sum", "column": "montant"}], limit=10)
    every = query(f"""SELECT date_trunc('month', mandate_le)::date, sum(montant) FROM "{budget}"
                      GROUP BY 1 ORDER BY 2 DESC LIMIT 10""")
    assert sorted(result["rows"]) == sorted(every)
    assert result["others"] == [[None, pytest.approx(
        query(f'SELECT sum(montant) FROM "{budget}"')[0][0] - sum(r[1] for r in every))]]
