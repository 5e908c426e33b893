"""The CKAN test job (devstack/ckan_tests.py, tests/ckan_core/): when it runs,
with which arguments, and its list of tests that do not apply."""
from __future__ import annotations

import importlib

import pytest

from devstack import ckan_tests, testrun
from tests.ckan_core.plugin import NOT_APPLICABLE

JOB_START = [f"--ckan-ini={ckan_tests.INI}", "-p", "tests.ckan_core.plugin", "--pyargs"]


def test_make_test_runs_ckan_tests_after_the_suite_with_their_own_arguments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSY_CKAN_TESTS", "1")
    suite, job = testrun.pytest_runs(["-ra", "-m", "not interop"], ckan_tests_only=False)
    assert suite == [f"--ckan-ini={testrun.TEST_INI}", "-ra", "-m", "not interop"]
    assert job == [*JOB_START, *ckan_tests.SELECTION, "-ra", "--strict-markers"]


def test_a_subset_of_the_suite_runs_without_ckan_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSY_CKAN_TESTS", "0")
    assert testrun.pytest_runs(["tests/search", "-x"], ckan_tests_only=False) == [
        [f"--ckan-ini={testrun.TEST_INI}", "tests/search", "-x"]
    ]


def test_make_test_ckan_runs_only_ckan_tests_with_the_given_arguments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSY_CKAN_TESTS", "0")
    assert testrun.pytest_runs(["-k", "autocomplete"], ckan_tests_only=True) == [
        [*JOB_START, *ckan_tests.SELECTION, "-k", "autocomplete"]
    ]


@pytest.mark.parametrize("name", sorted(NOT_APPLICABLE))
def test_each_test_left_out_is_a_test_of_this_ckan_that_the_job_selects(name: str) -> None:
    module, cls, function = name.split("::")
    assert module in ckan_tests.SELECTION or f"{module}::{cls}" in ckan_tests.SELECTION
    assert callable(getattr(getattr(importlib.import_module(module), cls), function))
    assert NOT_APPLICABLE[name].strip()
