"""The benches' guard (bench/loading.py): they wipe and fill databases, so
they refuse any database but a test one on a loopback address, before
connecting to it."""
from __future__ import annotations

import pytest

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
