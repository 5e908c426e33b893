"""The financial report's part of bench/views.py (issue 25;
docs/performance.md, "Financial report view"): ``--view budget``.

- **the budgets**: two public datasets of a budget primitif 2024 of the
  city, as the finance harvester publishes one (the extras
  ``scdl_document``, ``scdl_siret``, ``temporal_start``/``temporal_end``
  and ``budget_nomenclature``, M14), each with a resource of ``issy_role``
  "data" whose DataStore table has the SCDL columns typed as the harvester
  types them (``finance_formats.scdl.SCDL_COLUMNS``), loaded by
  ``ckanext.issy.harvesters.core.datastore.load``, and the
  ``issy_budget_view`` ("Rapport financier") as its view:
  ``devstack.scdl_samples.rows("budget primitif", 2024)``, the sample
  budget of the demo (700 lines), and the same with ``--lines`` lines
  (20,000).
- **the key figures**: the total of real expenses, written by the server
  as ``h.issy_euros`` writes it ("12 345 678 €", the action
  ``issy_budget``'s ``totals.expense.real``);
- **the script's part**: every treemap drawn (budget.js draws each when it
  comes near the screen and sets its ``data-state="drawn"``: the probe
  scrolls to each in turn as soon as the key figures are shown, as a
  reader going down the page);
- **the view's own bytes**: budget.js, budget.css, ECharts, format.js, the
  figures' shared stylesheet, the embed code's copy button; and the
  report's JSON block in the HTML;
- **the server**: the resource page, the report cached and computed (its
  entries and its aggregations' deleted from Redis), and ``GET
  /api/issy/budget``.
"""
from __future__ import annotations

import argparse
import dataclasses
from decimal import Decimal
from typing import Any, Optional
from urllib.parse import urlencode

NAME = "budget"
DOCS_BEGIN = "<!-- bench/views.py --write-docs: begin -->"
DOCS_END = "<!-- bench/views.py --write-docs: end -->"
LINES = 20_000
ORGANIZATION = "bench-budget"
STAGE, YEAR, NOMENCLATURE = "budget primitif", 2024, "M14"
VIEW_TYPE, VIEW_TITLE = "issy_budget_view", "Rapport financier"
Row = dict[str, Any]


# --- the budgets ---------------------------------------------------------------------------------
def generate(lines: Optional[int]) -> list[Row]:
    """The budget primitif 2024 of devstack/scdl_samples.py: the demo's
    sample (one line per nature and function) when ``lines`` is None, else
    exactly ``lines`` lines."""
    from devstack import scdl_samples

    return scdl_samples.rows(STAGE, YEAR, lines=lines, nomenclature=NOMENCLATURE)


def cell(value: Any) -> Optional[str]:
    """A line's value as COPY's text, as the harvester reads the file
    (devstack/scdl_samples.py writes amounts with two decimals): an empty
    cell is NULL."""
    if value == "" or value is None:
        return None
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def columns() -> list[tuple[str, str, str, str]]:
    """The SCDL columns as the finance harvester types them."""
    from ckanext.issy.harvesters.finance_formats.scdl import SCDL_COLUMNS

    return [(column.id, column.type, column.label, column.description) for column in SCDL_COLUMNS]


def as_text(rows: list[Row]) -> list[list[Optional[str]]]:
    """The lines as COPY's text cells in the table's column order (datastore.load's fast path)."""
    names = [column[0] for column in columns()]
    return [[cell(row.get(name, "")) for name in names] for row in rows]


def voted(rows: list[Row]) -> Decimal:
    """The sum of the amounts voted (BGT_MTPREV), as the table sums them."""
    return sum((Decimal(cell(row["BGT_MTPREV"]) or 0) for row in rows), Decimal(0))


def _grouped(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")


def dataset_name(rows: list[Row]) -> str:
    return f"bench-budget-primitif-{YEAR}-{len(rows)}"


def dataset_title(rows: list[Row]) -> str:
    return f"Budget primitif {YEAR} (banc d'essai, {_grouped(len(rows))} lignes)"


def extras() -> dict[str, str]:
    """The extras the finance harvester gives a budget document's dataset
    (those the report reads, and its period)."""
    from devstack import scdl_samples

    return {"scdl_document": STAGE, "scdl_siret": scdl_samples.SIRET, "temporal_start": f"{YEAR}-01-01",
            "temporal_end": f"{YEAR}-12-31", "budget_nomenclature": NOMENCLATURE}


def prepare_budget(rows: list[Row], reuse: bool) -> tuple[str, Optional[float]]:
    """The resource whose table holds ``rows``, and the seconds its load
    took (None when ``reuse`` kept an earlier run's table); bench/views.py
    makes the report its first view."""
    from bench import loading

    return loading.prepare_table(
        dataset_name(rows), organization=ORGANIZATION, organization_title="Direction des finances",
        title=dataset_title(rows), resource_name="Données (CSV normalisé, SCDL)",
        resource_url="http://127.0.0.1/budget-primitif-2024.csv", columns=columns(),
        text=lambda: as_text(rows), reuse=reuse, extras=extras(), resource_fields={"issy_role": "data"},
        holds=lambda resource_id: loading.table_holds(resource_id, len(rows), "BGT_MTPREV", voted(rows)))


def page_path(rows: list[Row], resource_id: str) -> str:
    """The resource page, whose first view is the report."""
    return f"/dataset/{dataset_name(rows)}/resource/{resource_id}"


def report_of(resource_id: str) -> dict[str, Any]:
    """The action ``issy_budget``'s answer, as an anonymous visitor gets it."""
    import ckan.plugins.toolkit as tk

    return tk.get_action("issy_budget")({"user": ""}, {"resource_id": resource_id})


def euros(amount: float) -> str:
    """An amount as the page writes it (``h.issy_euros``; test.ini's
    default locale, French: "12 345 678 €")."""
    from ckanext.issy.views.formatting import issy_euros

    return issy_euros(amount)


def forget_report(resource_id: str) -> None:
    """The report's cached figures, and its aggregations', deleted from Redis."""
    from bench import loading

    for kind in ("budget", "aggregate"):
        loading.forget(kind, resource_id)


@dataclasses.dataclass(frozen=True)
class Budget:
    label: str  # "sample", or the lines
    lines: int
    resource_id: str
    path: str  # the resource page
    expected: str  # the total of real expenses as the page writes it
    trees: int  # the treemaps of the report
    loading: Optional[float]  # seconds of datastore.load; None: kept from an earlier run


def prepare(args: argparse.Namespace) -> list[Budget]:
    """Both budgets' tables, and what their pages must show (within a request context)."""
    budgets = []
    for label, count in (("sample", None), (str(args.lines), args.lines)):
        rows = generate(count)
        resource_id, seconds = prepare_budget(rows, args.reuse)
        report = report_of(resource_id)
        budgets.append(Budget(label, len(rows), resource_id, page_path(rows, resource_id),
                              euros(report["totals"]["expense"]["real"]), len(report["trees"]), seconds))
    return budgets


def forget(budget: Budget) -> None:
    forget_report(budget.resource_id)


# --- what bench/views.py measures and how its tables name it ------------------------------------
NOUN = "budget"
FIGURE, FIGURE_NAME = "key figures visible", "The total of real expenses"
SELECTOR = '[data-role="total-expense"] .issy-budget-amount'
THEN = "requestAnimationFrame(scroll);"
LATER = "treemaps drawn"
# A treemap is drawn when it comes near the screen (budget.js): the reader
# scrolls down to each in turn as soon as the key figures are shown.
LATER_PROBE = """
function scroll() {
    const waiting = document.querySelector('figure[data-tree][data-state=waiting]');
    if (waiting) waiting.scrollIntoView();
    if (bench.later === null) requestAnimationFrame(scroll);
}
new MutationObserver(() => {
    const trees = document.querySelectorAll('figure[data-tree]');
    if (bench.later === null && trees.length
            && Array.from(trees).every(figure => ['drawn', 'error'].includes(figure.dataset.state))) {
        bench.later = performance.now();
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
"""
# The treemaps' states, the report's JSON block (UTF-8 bytes).
FOUND = """{trees: Array.from(document.querySelectorAll('figure[data-tree]')).map(figure => figure.dataset.state),
            json: (block => block ? new TextEncoder().encode(block.textContent).length : 0)(
                document.querySelector('[data-issy-budget] > script[data-role=budget]'))}"""
COMPUTED = "the report's figures computed (not in the cache)"
PART_NAMES = {"html": "the page's HTML (the report written by the server, its JSON block included)",
              "view": "the report's scripts and stylesheets (budget.js, budget.css, ECharts, format.js, "
                      "shared.css, copy.js)",
              "page": "the rest: CKAN's and the theme's assets"}
FOUND_BYTES = {"json": "the report's JSON block in the HTML"}
API = "/api/issy/budget"
API_ROW = "the report's JSON (`GET /api/issy/budget`, not fetched by the page)"
TABLES, FIRST_VIEW = "The budgets", "the report is the first view of each table's resource page"


def add_arguments(parse: argparse.ArgumentParser) -> None:
    parse.add_argument("--lines", type=int, default=LINES, help="lines of the large budget")


def argument_problem(args: argparse.Namespace) -> str:
    return "--lines must be at least 1" if args.lines < 1 else ""


def docs_problem(args: argparse.Namespace) -> str:
    return f"{LINES:,} lines" if args.lines != LINES else ""


def name_of(label: str) -> str:
    return "the sample budget" if label == "sample" else f"{int(label):,} lines"


def size_of(budget: Budget) -> str:
    return f"{budget.lines:,} lines"


def is_view_asset(asset: str) -> bool:
    """budget.js and budget.css, ECharts, format.js and the figures' shared
    stylesheet, the embed code's copy button."""
    name = asset.rsplit("/", 1)[-1]
    return (asset.startswith(("issy_budget/", "issy_chart/")) or "echarts" in name
            or (asset.startswith("issy_theme/") and name.endswith("_copy.js")))


def timed(budget: Budget) -> list[tuple[str, str, bool, str]]:
    """The server times measured: (heading, path, the report computed, what the answer must show)."""
    api = f"{API}?{urlencode({'resource_id': budget.resource_id})}"
    return [("resource page, report cached", budget.path, False, budget.expected),
            ("report computed", budget.path, True, budget.expected),
            (f"`GET {API}`, cached", api, False, "")]


def correct(run: Any, budget: Budget) -> bool:
    return run.shown == budget.expected and run.found["trees"] == ["drawn"] * budget.trees


def correct_text(budget: Budget) -> str:
    return (f"every run of {name_of(budget.label)} showed the total of real expenses ({budget.expected}) "
            f"and drew its {budget.trees} treemaps")
