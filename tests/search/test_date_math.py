"""Date ranges with Solr's date math on any date field: NOW, NOW-1MONTH,
NOW/DAY, explicit dates with math, open ends."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import ckan.model as model
from ckan.lib.search import rebuild

from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.values import parse_query_date
from tests.search.support import dataset, names, search

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

NOW = dt.datetime(2025, 3, 15, 13, 45, 12, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("NOW", NOW),
    ("NOW-1MONTH", dt.datetime(2025, 2, 15, 13, 45, 12)),
    ("NOW/DAY", dt.datetime(2025, 3, 15)),
    ("NOW-7DAYS/DAY", dt.datetime(2025, 3, 8)),
    ("NOW/DAY+1DAY", dt.datetime(2025, 3, 16)),
    ("NOW+1YEAR/YEAR", dt.datetime(2026, 1, 1)),
    ("now-2hours", dt.datetime(2025, 3, 15, 11, 45, 12)),
    ("2024-01-01T00:00:00Z", dt.datetime(2024, 1, 1)),
    ("2024-01-01T00:00:00Z+1YEAR", dt.datetime(2025, 1, 1)),
    ("2024-02-10T10:30:00Z/MONTH", dt.datetime(2024, 2, 1)),
    ("2024-02-10", dt.datetime(2024, 2, 10)),
])
def test_solr_date_math(value: str, expected: dt.datetime) -> None:
    assert parse_query_date(value, NOW) == expected.replace(tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("value", ["NOW-1WEEK", "NOW/FORTNIGHT", "hier",
                                   "2024-01-01T00:00:00Z+x"])
def test_unknown_date_math_is_refused(value: str) -> None:
    with pytest.raises(InvalidQuery):
        parse_query_date(value, NOW)


@pytest.fixture
def ages(issy: dict[str, Any]) -> None:
    """Datasets last modified two years, ten days and zero days ago."""
    now = dt.datetime.utcnow()
    for name, age in (("ancien", 730), ("recent", 10), ("nouveau", 0)):
        dataset(name, name.capitalize(), issy)
        package = model.Package.get(name)
        package.metadata_modified = now - dt.timedelta(days=age)
        model.Session.commit()
        rebuild(package.id)


def found_by(fq: str) -> set[str]:
    return set(names(search(fq=fq, rows=100)))


def test_date_math_ranges_filter_any_date_field(ages: None) -> None:
    assert found_by("metadata_modified:[NOW-1MONTH TO *]") == {"recent", "nouveau"}
    assert found_by("metadata_modified:[* TO NOW-1YEAR]") == {"ancien"}
    assert found_by("metadata_modified:[NOW/DAY TO NOW/DAY+1DAY]") == {"nouveau"}
    assert found_by("metadata_modified:{NOW-1YEAR TO NOW-1DAY}") == {"recent"}
    assert found_by("metadata_created:[NOW/DAY TO *]") == {
        "ancien", "recent", "nouveau"}
    two_years_ago = (dt.datetime.utcnow() - dt.timedelta(days=740)).strftime(
        "%Y-%m-%dT00:00:00Z")
    assert found_by(f"metadata_modified:[{two_years_ago} TO {two_years_ago}+1YEAR]") \
        == {"ancien"}
    assert found_by("metadata_modified:[2000-01-01T00:00:00Z TO NOW]") == {
        "ancien", "recent", "nouveau"}


def test_date_math_in_free_text_queries(ages: None) -> None:
    assert set(names(search(q="metadata_modified:[NOW-1MONTH TO NOW]"))) == {
        "recent", "nouveau"}
