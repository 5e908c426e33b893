"""bench/loading.py: the benches' guard (they wipe and fill databases, so
they refuse any database but a test one on a loopback address, before
connecting to it), and the DataStore table of bench/aggregate.py and
bench/map.py: loaded once, kept only when it holds the rows asked for,
its cached results forgotten."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bench import loading
from bench.loading import check_test_database


def test_test_databases_on_loopback_addresses_are_accepted() -> None:
    check_test_database("postgresql://ckan:secret@127.0.0.1:54329/issy_test_2_12",
                        "postgresql://ckan:secret@127.0.0.1:54329/issy_test_2_12_datastore",
                        "postgresql://ro@127.0.0.2/issy_test_2_11_s3_datastore")


@pytest.mark.parametrize("url, named", [
    ("postgresql://ckan@127.0.0.1:5432/issy_demo", "'issy_demo'"),
    ("postgresql://ckan@db.example.org/issy_test_2_12", "'db.example.org'"),
    ("postgresql://ckan@192.168.1.20/issy_test_2_12", "'192.168.1.20'"),
    ("postgresql://ckan@/issy_test_2_12", "None"),
])
def test_any_other_database_stops_the_bench_naming_it(url: str, named: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        check_test_database("postgresql://ckan@127.0.0.1/issy_test_2_12", url)

    assert named in str(stopped.value) and "127.0.0.0/8" in str(stopped.value)


COLUMNS = (("code", "text", "Code", "Code de l'objet."), ("valeur", "numeric", "Valeur", "Sa valeur."))
ROWS = [["A", "1.5"], ["B", "2.25"], ["C", None]]


def _prepare(reuse: bool, holds: Any = None, made: list[int] | None = None,
             rows: list[list[str | None]] = ROWS) -> tuple[str, float | None]:
    def text() -> list[list[str | None]]:
        if made is not None:
            made.append(1)
        return rows

    return loading.prepare_table(
        "bench-loading-table", organization="bench-loading", organization_title="Direction du banc d'essai",
        title="Table du banc d'essai", resource_name="Objets", resource_url="http://127.0.0.1/objets.csv",
        columns=COLUMNS, text=text, reuse=reuse,
        holds=holds or (lambda resource_id: loading.table_holds(resource_id, len(rows), "valeur", Decimal("3.75"))))


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_the_table_is_loaded_kept_only_when_it_holds_the_rows_and_else_made_again(app: Any) -> None:
    import ckan.plugins.toolkit as tk

    with app.flask_app.test_request_context():
        loading.check_test_databases()
        made: list[int] = []
        resource_id, seconds = _prepare(reuse=False, made=made)
        assert seconds is not None and made == [1]
        context = {"user": loading.site_user()}
        dataset = tk.get_action("package_show")(context, {"id": "bench-loading-table"})
        assert (dataset["title"], dataset["private"], dataset["organization"]["title"]) == (
            "Table du banc d'essai", False, "Direction du banc d'essai")
        assert [(r["id"], r["name"], r["url"], r["format"]) for r in dataset["resources"]] == [
            (resource_id, "Objets", "http://127.0.0.1/objets.csv", "CSV")]
        records = tk.get_action("datastore_search")(context, {"resource_id": resource_id, "sort": "code"})
        assert [(f["id"], f["type"]) for f in records["fields"] if f["id"] != "_id"][:2] == [
            ("code", "text"), ("valeur", "numeric")]
        assert [(r["code"], r["valeur"]) for r in records["records"]] == [("A", 1.5), ("B", 2.25), ("C", None)]

        assert loading.table_holds(resource_id, 3, "valeur", Decimal("3.75"))
        assert not loading.table_holds(resource_id, 2, "valeur", Decimal("3.75"))
        assert not loading.table_holds(resource_id, 3, "valeur", Decimal("3.76"))
        assert not loading.table_holds("no-such-resource", 0, "valeur", None)

        # Kept when it holds the rows, without making their text again.
        assert _prepare(reuse=True, made=made) == (resource_id, None) and made == [1]
        # Made again (a new dataset, the old table deleted) when it does not, or without --reuse.
        again, seconds = _prepare(reuse=True, holds=lambda _resource_id: False, made=made)
        assert again != resource_id and seconds is not None and made == [1, 1]
        assert not loading.table_holds(resource_id, 3, "valeur", Decimal("3.75"))
        last, seconds = _prepare(reuse=False, made=made)
        assert last != again and seconds is not None and loading.table_holds(last, 3, "valeur", Decimal("3.75"))


@pytest.mark.usefixtures("with_plugins")
def test_forget_deletes_the_resource_s_cached_results_of_its_kind_only(app: Any) -> None:
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    keys = ["issy:points:result:r1:1:a", "issy:points:result:r1:2:b", "issy:points:result:r2:1:a",
            "issy:aggregate:result:r1:1:a"]
    try:
        for key in keys:
            redis.set(key, "{}", ex=60)
        with app.flask_app.test_request_context():
            loading.forget("points", "r1")
            loading.forget("points", "r3")  # nothing cached: nothing to delete
        assert [bool(redis.exists(key)) for key in keys] == [False, False, True, True]
    finally:
        redis.delete(*keys)
