"""Unknown columns, functions, units and operators, values of the wrong type
and injection attempts: refused with a clear error naming the parameter, or
(a value) bound as a value; the table is never touched.

The checks need only the table's columns: most cases run ``parse`` on the
budget table's columns, without a database; the last ones go through the
action and the real table."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.aggregate.request import Column, parse
from tests.aggregate.conftest import query
from tests.aggregate.test_action import aggregate

COLUMNS = {c.id: c for c in [
    Column("section", "text", "Section"), Column("fonction", "text", "Fonction"), Column("nature", "text", "Nature"),
    Column("montant", "number", "Montant (€)"), Column("mandate_le", "date", "Mandaté le", "date"),
    Column("lignes", "number", "Lignes")]}
SUM = [{"function": "sum", "column": "montant"}]


@pytest.mark.parametrize(("ask", "field"), [
    ({"group_by": ["commune"], "measures": SUM}, "group_by"),
    ({"group_by": ['section" FROM pg_user; --'], "measures": SUM}, "group_by"),
    ({"measures": [{"function": "sum", "column": "montant); DROP TABLE x; --"}]}, "measures"),
    ({"measures": [{"function": "sum(montant) FROM pg_shadow --", "column": "montant"}]}, "measures"),
    ({"measures": [{"function": "stddev", "column": "montant"}]}, "measures"),
    ({"measures": [{"function": "sum", "column": "section"}]}, "measures"),
    ({"measures": [{"function": "mean", "column": "mandate_le"}]}, "measures"),
    ({"measures": []}, "measures"),
    ({"measures": SUM * 6}, "measures"),
    ({"group_by": [{"column": "mandate_le", "unit": "week"}], "measures": SUM}, "group_by"),
    ({"group_by": [{"column": "mandate_le", "unit": "month', mandate_le) FROM pg_user --"}], "measures": SUM},
     "group_by"),
    ({"group_by": [{"column": "section", "unit": "month"}], "measures": SUM}, "group_by"),
    ({"group_by": ["section", "fonction", "nature"], "measures": SUM}, "group_by"),
    ({"measures": SUM, "filters": [{"column": "section", "op": "like", "value": "F%"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "section", "op": "= 'x' OR 1=1 --", "value": "x"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "montant", "op": "gt", "value": "beaucoup"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "montant", "op": "eq", "value": "NaN"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "mandate_le", "op": "gte", "value": "31/12/2024"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "section", "op": "gt", "value": "F"}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "montant", "op": "between", "value": [1]}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "section", "op": "in", "value": []}]}, "filters"),
    ({"measures": SUM, "filters": [{"column": "section", "op": "eq", "value": {"$ne": 1}}]}, "filters"),
    ({"measures": SUM, "filters": ["section = 'Investissement'"]}, "filters"),
    ({"measures": SUM, "limit": 3}, "limit"),
    ({"group_by": ["section"], "measures": SUM, "limit": 0}, "limit"),
    ({"group_by": ["section"], "measures": SUM, "limit": "10; DROP TABLE x"}, "limit"),
    ({"group_by": ["section"], "measures": SUM, "limit": 101}, "limit"),
    ({"group_by": ["section"], "measures": SUM, "sort": {"by": "measure", "index": 1}}, "sort"),
    ({"group_by": ["section"], "measures": SUM, "sort": {"by": "group", "order": "asc; DROP TABLE x"}}, "sort"),
    ({"group_by": ["section"], "measures": SUM, "others": "peut-être", "limit": 1}, "others"),
    ({"group_by": "section", "measures": "sum"}, "measures"),
])
def test_bad_request_is_refused_naming_the_parameter(ask: dict[str, Any], field: str) -> None:
    with pytest.raises(tk.ValidationError) as raised:
        parse({"resource_id": "mandats", **ask}, COLUMNS, max_limit=100)
    assert list(raised.value.error_dict) == [field]
    assert raised.value.error_dict[field][0]


@pytest.mark.usefixtures("with_plugins")
def test_an_injected_column_is_refused_by_the_action_and_the_table_untouched(budget: str) -> None:
    with pytest.raises(tk.ValidationError) as raised:
        aggregate(budget, group_by=[f'section" FROM "{budget}"; DELETE FROM "{budget}"; --'], measures=SUM)
    assert list(raised.value.error_dict) == ["group_by"]
    assert query(f'SELECT count(*) FROM "{budget}"') == [[48]]


def test_same_meaning_same_cache_key_and_values_typed() -> None:
    spelt_out = parse({"group_by": [{"column": "mandate_le", "unit": "month"}], "measures": SUM,
                       "filters": [{"column": "montant", "op": "between", "value": ["1 000,5".replace(" ", ""), 2000]}],
                       "sort": {"by": "group", "index": 0, "order": "asc"}, "others": "non"}, COLUMNS, 100)
    short = parse({"group_by": [{"column": "mandate_le", "unit": "month"}], "measures": SUM,
                   "filters": [{"column": "montant", "op": "between", "value": [1000.5, "2000"]}]}, COLUMNS, 100)
    assert spelt_out.cache_key() == short.cache_key()
    assert str(short.filters[0].value[0]) == "1000.5"


@pytest.mark.usefixtures("with_plugins")
def test_a_value_is_bound_never_read_as_sql(budget: str) -> None:
    sneaky = "Fonctionnement' OR '1'='1"
    result = aggregate(budget, measures=[{"function": "count"}],
                       filters=[{"column": "section", "op": "in", "value": [sneaky, "'; DROP TABLE x; --"]}])
    assert result["rows"] == [[0]]
    assert query(f'SELECT count(*) FROM "{budget}"') == [[48]]


@pytest.mark.usefixtures("with_plugins")
def test_missing_resource_and_a_resource_without_table(with_plugins: None, clean_db: None,
                                                       clean_index: None) -> None:
    from tests.aggregate.conftest import new_resource

    with pytest.raises(tk.ValidationError):
        aggregate("", measures=SUM)
    with pytest.raises(tk.ObjectNotFound):
        aggregate("pas-une-ressource", {"user": ""}, measures=SUM)
    resource, _ = new_resource()
    with pytest.raises(tk.ObjectNotFound):
        aggregate(resource["id"], measures=SUM)
