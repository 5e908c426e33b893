"""The demo shows the financial report and the election results: each view
is its table's first view, and the sample budget's report and the sample
election's results are featured (Visualisations page, home page) once
their first harvest has run, by a periodic task that stops once done."""
from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories

from devstack import demo, featuring, periodic, sample_data, siteconfig
from devstack.settings import SAMPLE_FEEDS
from tests.harvesters.conftest import Feed, Harvest, feed, harvest  # noqa: F401  (fixtures)
from tests.support.harvest import run_queued

DEFAULT_VIEWS = demo._settings({}, "redis://127.0.0.1:6379", 5000)["ckan.views.default_views"]
FEATURED = "ckanext.issy.theme.featured_views"


def test_the_report_views_are_a_resources_first_default_views_among_loaded_plugins() -> None:
    views = DEFAULT_VIEWS.split()
    assert views[:2] == ["issy_budget_view", "issy_elections_view"]
    assert set(views) <= set(siteconfig.PLUGINS.split())


BUDGETS, ELECTIONS = featuring.FEATURES


# --- featuring, on a harvest of the demo's sample sources ---------------------------
def _harvested_samples(harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch,
                       source: dict[str, Any], files: tuple[str, ...]) -> str:
    """A demo's sample source over its sample files, served by the test's feed
    server; its first job run as the demo's `ckan harvester run` does. The sysadmin."""
    for name in files:
        feed.serve_file(name, (SAMPLE_FEEDS / name).read_bytes())
    moved = {key: value.replace(sample_data.FEEDS_URL, feed.server.url) if isinstance(value, str) else value
             for key, value in source.items()}
    monkeypatch.setattr(sample_data, "SOURCES", [moved])
    admin = harvest.sysadmin["name"]
    sample_data.load(admin)
    return admin


def _harvested_sample_budgets(harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> str:
    return _harvested_samples(harvest, feed, monkeypatch, sample_data.FINANCE_SOURCE,
                              ("budget-primitif-2024.csv", "compte-administratif-2023-cp1252.csv"))


def _view_of(title: str, view_type: str, admin: str, role: str = "data") -> str:
    found = tk.get_action("package_search")({"user": admin}, {"rows": 100})["results"]
    package = next(p for p in found if p["title"] == title)
    resource = next(r for r in package["resources"] if r.get("issy_role") == role)
    views = tk.get_action("resource_view_list")({"user": admin}, {"id": resource["id"]})
    return next(v["id"] for v in views if v["view_type"] == view_type)


def _featured() -> list[str]:
    return tk.aslist(tk.config.get(FEATURED))


@pytest.mark.ckan_config("ckan.views.default_views", DEFAULT_VIEWS)
def test_the_sample_budget_report_is_featured_after_the_first_harvest_and_only_once(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, FEATURED, "")  # config_option_update writes it: restored after the test
    admin = _harvested_sample_budgets(harvest, feed, monkeypatch)

    # The source exists, its first job has not run: nothing to feature yet.
    assert featuring.feature_view(admin, BUDGETS)[0] is False
    run_queued(admin)
    # A sysadmin featured a table of the budget before the task's turn: it stays, first.
    table_view = _view_of("Budget primitif 2024 (exemple)", "datatables_view", admin)
    tk.get_action("config_option_update")({"user": admin}, {FEATURED: table_view})

    done, what = featuring.feature_view(admin, BUDGETS)

    report = _view_of("Compte administratif 2023 (exemple)", "issy_budget_view", admin)
    assert done and report in what
    assert _featured() == [table_view, report]
    # Done: a second run changes nothing.
    assert featuring.feature_view(admin, BUDGETS) == (True, "one budget view is featured already")
    assert _featured() == [table_view, report]


@pytest.mark.ckan_config("ckan.views.default_views", "datatables_view")
def test_tables_harvested_before_the_budget_view_existed_get_it_to_be_featured(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, FEATURED, "")
    admin = _harvested_sample_budgets(harvest, feed, monkeypatch)
    run_queued(admin)  # with an earlier demo's default views: no budget view
    # As the ini file declares it (a list once CKAN has read it).
    monkeypatch.setitem(tk.config, "ckan.views.default_views", DEFAULT_VIEWS.split())

    assert featuring.feature_view(admin, BUDGETS)[0] is True

    assert _featured() == [_view_of("Compte administratif 2023 (exemple)", "issy_budget_view", admin)]


@pytest.mark.ckan_config("ckan.views.default_views", DEFAULT_VIEWS)
def test_the_sample_elections_results_are_featured_after_the_first_harvest(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, FEATURED, "")
    admin = _harvested_samples(harvest, feed, monkeypatch, sample_data.ELECTION_SOURCE, (sample_data.ELECTION_FILE,))
    assert featuring.feature_view(admin, ELECTIONS)[0] is False
    run_queued(admin)

    done, what = featuring.feature_view(admin, ELECTIONS)

    results = _view_of("Élections européennes 2024 — 1er tour (exemple)", "issy_elections_view", admin, "results")
    assert done and results in what
    assert _featured() == [results]
    assert featuring.feature_view(admin, ELECTIONS) == (True, "one election results view is featured already")


def test_loading_the_sample_data_again_keeps_the_harvested_budget(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo upgraded loads its sample data again: it purged the dataset
    an earlier demo had created as "budget-primitif-2024-exemple", and then
    purged the finance source's own, which an unchanged file never published again."""
    admin = _harvested_sample_budgets(harvest, feed, monkeypatch)
    run_queued(admin)
    show = lambda: tk.get_action("package_show")({"user": admin}, {"id": "budget-primitif-2024-exemple"})  # noqa: E731
    harvested = show()

    sample_data.load(admin)

    assert show()["id"] == harvested["id"]


def test_loading_the_sample_data_purges_a_dataset_an_earlier_demo_created(
        harvest: Harvest, feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier = factories.Dataset(name="budget-primitif-2024-exemple", title="Budget primitif 2024 (exemple)",
                                owner_org=factories.Organization()["id"])
    _harvested_sample_budgets(harvest, feed, monkeypatch)
    with pytest.raises(tk.ObjectNotFound):
        tk.get_action("package_show")({"ignore_auth": True}, {"id": earlier["id"]})


# --- the command and the periodic task ----------------------------------------------
def test_the_command_remembers_it_is_done_so_a_sysadmins_later_choice_stands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ini = tmp_path / "demo.ini"
    answers = iter([(False, "no budget view yet"), (True, "featured the election results view e1"),
                    (True, "featured the budget view v1")])
    asked: list[tuple[str, str]] = []

    def feature(admin: str, featured: featuring.Featured) -> tuple[bool, str]:
        asked.append((admin, featured.view_type))
        return next(answers)

    assert featuring.feature_views(ini, "admin", feature) == featuring.NOT_YET
    assert featuring.feature_views(ini, "admin", feature) == 0
    # Later runs (the next demo starts) do not ask again, even if a view was unfeatured since.
    assert featuring.feature_views(ini, "admin", feature) == 0
    assert asked == [("admin", "issy_budget_view"), ("admin", "issy_elections_view"), ("admin", "issy_budget_view")]
    assert capsys.readouterr().out.splitlines() == [
        "feature-views: no budget view yet", "feature-views: featured the election results view e1",
        "feature-views: election results view: done by an earlier run",
        "feature-views: featured the budget view v1",
        "feature-views: budget view: done by an earlier run",
        "feature-views: election results view: done by an earlier run"]


def _answers(*codes: int) -> tuple[periodic.Run, list[list[str]]]:
    calls: list[list[str]] = []
    queue = list(codes)

    def run(argv: list[str], **_kwargs: Any) -> subprocess.CompletedProcess:
        calls.append(argv)
        code = queue.pop(0) if argv[-2] == "feature-views" else 0
        return subprocess.CompletedProcess(argv, code, "feature-views: something\n", "")

    return run, calls


def _tick(tasks: list[periodic.Task], due: dict[periodic.Task, float], runs: Counter, run: periodic.Run,
          ini: Path) -> list[periodic.Task]:
    for task in tasks:
        due[task] = 0.0  # every task due: one tick is one interval
    return periodic.run_due(tasks, due, runs, ini, run)


def test_the_featuring_task_runs_every_minute_until_done_then_stops(tmp_path: Path) -> None:
    (feature,) = [t for t in periodic.TASKS if t.command == ("feature-views",)]
    assert (feature.interval, feature.until_done, feature.ckan) == (60, True, False)
    ini = tmp_path / "demo.ini"
    assert feature.argv(ini)[1:] == ["-m", "devstack", "feature-views", str(ini)]
    run, calls = _answers(featuring.NOT_YET, 1, 0)
    tasks, due, runs = list(periodic.TASKS), {}, Counter()

    for _minute in range(4):
        tasks = _tick(tasks, due, runs, run, ini)

    assert [argv[-2] for argv in calls].count("feature-views") == 3  # not yet, failed, done
    assert feature not in tasks and len(tasks) == len(periodic.TASKS) - 1  # the harvests go on


def test_the_featuring_task_gives_up_after_its_tries(tmp_path: Path) -> None:
    (feature,) = [t for t in periodic.TASKS if t.command == ("feature-views",)]
    run, calls = _answers(*[featuring.NOT_YET] * (feature.tries + 5))
    tasks, due, runs = [feature], {}, Counter()

    for _minute in range(feature.tries + 5):
        tasks = _tick(tasks, due, runs, run, tmp_path / "demo.ini")

    assert len(calls) == feature.tries and tasks == []
