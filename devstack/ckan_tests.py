"""The CKAN test job's pytest command line: CKAN's own tests that exercise
search, with the job's configuration and pytest plugin (tests/ckan_core/,
where ``NOT_APPLICABLE`` lists the tests left out and why)."""
from __future__ import annotations

from typing import Sequence

from devstack.settings import ROOT

INI = ROOT / "tests" / "ckan_core" / "ckan-core.ini"
PLUGIN = "tests.ckan_core.plugin"

_TEST_GET = "ckan.tests.logic.action.test_get"
# The classes of test_get with a test that sends a search to the index
# (counted by wrapping the connection's `search`, on CKAN 2.11 and 2.12):
# package search and autocomplete, the dataset lists and counts of
# organisations, groups, tags, users and follows.
_TEST_GET_CLASSES = (
    "TestPackageSearch",
    "TestPackageAutocomplete",
    "TestPackageAutocompleteWithDatasetForm",
    "TestPackageShow",
    "TestPackageList",
    "TestCurrentPackageList",
    "TestCollaboratorsSearch",
    "TestGroupList",
    "TestGroupShow",
    "TestGroupPackageShow",
    "TestMembersList",
    "TestOrganizationList",
    "TestOrganizationShow",
    "TestOrganizationListForUser",
    "TestTagList",
    "TestTagShow",
    "TestFormatAutocomplete",
    "TestUserShow",
    "TestFollow",
)
SELECTION = (
    *(f"{_TEST_GET}::{name}" for name in _TEST_GET_CLASSES),
    "ckan.tests.lib.search.test_query",
    # Purging removes the dataset's index row too (a foreign key), and works
    # on a site that loads no harvester (no ckanext-harvest tables).
    "ckan.tests.logic.action.test_delete::TestDatasetPurge",
    # The dataset search page (/dataset).
    "ckan.tests.controllers.test_package::TestSearch",
)


def pytest_arguments(extra: Sequence[str]) -> list[str]:
    """pytest's arguments for the job, ``extra`` (``-k``, ``-x``...) last.

    The job's plugin comes before anything that imports CKAN, which puts
    its package directory first on ``sys.path``: ``tests`` would then be
    CKAN's ``ckan/tests``, not the project's."""
    return [f"--ckan-ini={INI}", "-p", PLUGIN, "--pyargs", *SELECTION, *extra]
