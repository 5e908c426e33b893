"""What bench/views.py asks of each view's part (bench/views_budget.py,
bench/views_elections.py: modules that have these names) and of the tables
they prepare."""
from __future__ import annotations

import argparse
from typing import Any, Optional, Protocol


class Subject(Protocol):
    """A table whose resource page is measured (a budget, an election round)."""
    label: str  # "sample", or its size
    resource_id: str
    path: str  # the resource page
    expected: str  # the key figure as the page writes it
    loading: Optional[float]  # seconds of datastore.load; None: kept from an earlier run


class View(Protocol):
    """A view's part of the bench, a module: its tables, the JavaScript
    that bench/views.py's ``PROBE`` and ``SHOWN`` take, what its pages must
    show, and the words of the report's tables."""
    NAME: str  # --view
    VIEW_TYPE: str
    VIEW_TITLE: str
    DOCS_BEGIN: str
    DOCS_END: str
    NOUN: str  # the tables' first heading: "budget"
    FIGURE: str  # "key figures visible"
    FIGURE_NAME: str  # "The total of real expenses"
    SELECTOR: str  # the key figure's element
    THEN: str  # JavaScript run once the figure is visible
    LATER: str  # "treemaps drawn": the script's part done
    LATER_PROBE: str  # JavaScript that sets bench.later
    FOUND: str  # a JavaScript expression: what else the page shows (Run.found)
    COMPUTED: str  # "the report's figures computed (not in the cache)"
    PART_NAMES: dict[str, str]  # html, view, page: the bytes table's rows
    FOUND_BYTES: dict[str, str]  # a key of Run.found holding bytes -> its row
    API: str  # "/api/issy/budget"
    API_ROW: str
    TABLES: str  # "The budgets"
    FIRST_VIEW: str  # "the report is the first view of each table's resource page"

    def add_arguments(self, parse: argparse.ArgumentParser) -> None: ...
    def argument_problem(self, args: argparse.Namespace) -> str: ...  # "" when right
    def docs_problem(self, args: argparse.Namespace) -> str: ...  # why --write-docs refuses them, or ""
    def prepare(self, args: argparse.Namespace) -> list[Any]: ...
    def size_of(self, subject: Any) -> str: ...  # "700 lines"
    def name_of(self, label: str) -> str: ...
    def is_view_asset(self, asset: str) -> bool: ...  # a path under /webassets/
    def timed(self, subject: Any) -> list[tuple[str, str, bool, str]]: ...  # heading, path, computed, shown
    def forget(self, subject: Any) -> None: ...
    def correct(self, run: Any, subject: Any) -> bool: ...  # a views.Run of the subject's page
    def correct_text(self, subject: Any) -> str: ...
