"""The election results' part of bench/views.py (issue 26;
docs/performance.md, "Election results view"): ``--view elections``.

- **the rounds**: two public datasets of the Européennes 2024 (first
  round) in Issy-les-Moulineaux, as the election harvester publishes a
  round (the extra ``election_id`` "2024_euro_t1"; a resource of
  ``issy_role`` "turnout" and one of "results", whose DataStore tables
  have the harvester's columns, ``election_formats/columns.py``, and the
  rows its ``model.typed_tables`` types, loaded by
  ``ckanext.issy.harvesters.core.datastore.load``), with the
  ``issy_elections_view`` ("Résultats électoraux") as the results table's
  view: the demo's sample round (``devstack.election_samples
  .europeennes_2024_format_b()`` read by the harvester's format B reader:
  45 polling stations, 8 lists), and a round of the same lists in
  ``--stations`` polling stations (400), each station's figures made by
  the sample's generator (``election_samples.figures``): a results table
  of 400 × 8 rows; and the file of its polling stations' places, as the
  harvester publishes it from Etalab's contours (``devstack.station_samples
  .contours``: Voronoi cells in Issy's boundary), so that the page has its
  two maps;
- **the key figure**: the commune's turnout, written by the server as
  ``h.issy_percent(value, 2)`` writes it ("54,75 %", the action
  ``issy_elections``'s ``city.turnout``);
- **the script's part**: the table of every polling station sortable
  (elections.js, fetched after the first paint, turns each sortable header
  into a ``button.issy-elections-sort``: the first one there, checked on
  each animation frame);
- **the view's own bytes**: elections.js and elections.css, and what it
  shares with the other figures (the shared stylesheet, the embed code's
  copy button);
- **the server**: the resource page, the results cached and computed
  (their entry and the aggregations of both tables deleted from Redis),
  the page with "my polling station" (``?bureau=12``), ``GET
  /api/issy/elections`` and the maps' ``GET /api/issy/elections/carte``
  cached and computed (the results and the stations file read again).
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import random
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlencode

if TYPE_CHECKING:
    from ckanext.issy.harvesters.election_formats.model import Round as HarvestedRound

NAME = "elections"
DOCS_BEGIN = "<!-- bench/views.py --view elections --write-docs: begin -->"
DOCS_END = "<!-- bench/views.py --view elections --write-docs: end -->"
STATIONS = 400
SEED = 2026
STATION = "12"  # "my polling station" of the measures: ?bureau=12
ORGANIZATION = "bench-elections"
ELECTION, INSEE, COMMUNE = "2024_euro_t1", "92040", "Issy-les-Moulineaux"
FILE = "resultats-europeennes-2024.csv"
VIEW_TYPE, VIEW_TITLE = "issy_elections_view", "Résultats électoraux"


# --- the rounds ----------------------------------------------------------------------------------
def sample_round() -> HarvestedRound:
    """Issy's 45 polling stations of the demo's Européennes 2024 file, read
    by the harvester's own format B reader."""
    from ckanext.issy.harvesters.core import reading
    from ckanext.issy.harvesters.election_formats import wide
    from devstack import election_samples

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FILE
        path.write_bytes(election_samples.europeennes_2024_format_b())
        with reading.iter_csv(path, FILE) as stream:
            return wide.read_format_b(stream, ELECTION, INSEE, COMMUNE, FILE)


def large_round(stations: int, seed: int = SEED) -> HarvestedRound:
    """``stations`` polling stations of Issy with the sample's lists, each
    station's figures made by the sample's generator, its cells written as
    the file writes them."""
    from ckanext.issy.harvesters.election_formats import model
    from devstack import election_samples

    lists = sample_round().stations[0].candidates
    rng = random.Random(seed)
    found = model.Round(ELECTION, FILE)
    for number in range(1, stations + 1):
        figures = election_samples.figures(rng, len(lists))
        found.stations.append(model.Station(
            line=number + 1, code_commune=INSEE, libelle_commune=COMMUNE, code_bv=f"{number:04d}",
            inscrits=str(figures.inscrits), votants=str(figures.votants), exprimes=str(figures.exprimes),
            abstentions=str(figures.inscrits - figures.votants), blancs=str(figures.blancs), nuls=str(figures.nuls),
            candidates=[dataclasses.replace(one, voix=str(votes)) for one, votes in zip(lists, figures.voix)]))
    return found


def dataset_name(label: str) -> str:
    return f"bench-elections-{ELECTION.replace('_', '-')}-{label}"


def dataset_title(stations: int) -> str:
    from ckanext.issy.harvesters.election_formats.model import election_title

    return f"{election_title(ELECTION)} (banc d'essai, {stations} bureaux de vote)"


def _results_table(name: str) -> Optional[str]:
    import ckan.plugins.toolkit as tk

    package = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    return next((r["id"] for r in package["resources"] if r.get("issy_role") == "results"), None)


def prepare_round(label: str, election_round: HarvestedRound, reuse: bool) -> tuple[str, str, Optional[float]]:
    """The round's dataset, as the harvester publishes it: its turnout and
    results tables (ids), and the seconds their loads took (None when
    ``reuse`` kept an earlier run's tables); bench/views.py makes the
    results the results table's first view."""
    import ckan.plugins.toolkit as tk
    from bench import loading
    from ckanext.issy.harvesters.core import datastore
    from ckanext.issy.harvesters.election_formats import columns, model

    tables = model.typed_tables(election_round)
    name = dataset_name(label)

    def holds(turnout_id: str) -> bool:
        results_id = _results_table(name)
        return (results_id is not None
                and loading.table_holds(turnout_id, len(tables.turnout), "votants", tables.totals["votants"])
                and loading.table_holds(results_id, len(tables.results), "voix", sum(tables.votes.values())))

    slug = ELECTION.replace("_", "-")
    turnout_id, seconds = loading.prepare_table(
        name, organization=ORGANIZATION, organization_title="Élections", title=dataset_title(len(tables.turnout)),
        resource_name="Participation par bureau de vote (CSV)",
        resource_url=f"http://127.0.0.1/participation-{slug}.csv",
        columns=[dataclasses.astuple(column) for column in columns.TURNOUT], text=lambda: tables.turnout,
        holds=holds, reuse=reuse, extras={"election_id": ELECTION}, resource_fields={"issy_role": "turnout"})
    if seconds is None:
        return turnout_id, str(_results_table(name)), None
    user = loading.site_user()
    resource = tk.get_action("resource_create")({"user": user, "ignore_auth": True}, {
        "package_id": name, "name": "Résultats par bureau de vote et par candidat (CSV)", "format": "CSV",
        "url": f"http://127.0.0.1/resultats-{slug}.csv", "issy_role": "results"})
    start = time.perf_counter()
    datastore.load(resource["id"], columns.RESULTS, tables.results, {"user": user})
    return turnout_id, resource["id"], seconds + time.perf_counter() - start


def prepare_places(label: str, stations: int) -> str:
    """The round's file of its polling stations' places (its id), uploaded
    as the harvester publishes it, unless an earlier run left it."""
    import ckan.plugins.toolkit as tk
    from werkzeug.datastructures import FileStorage

    from bench import loading
    from ckanext.issy.harvesters.election_formats import stations as places
    from devstack import station_samples

    name = dataset_name(label)
    package = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    kept = next((r["id"] for r in package["resources"] if r.get("issy_role") == "stations"), None)
    if kept:
        return kept
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contours.geojson"
        path.write_bytes(station_samples.contours(SEED, stations))
        features = [location.feature() for location in places.read_locations(path, path.name, INSEE)]
    content = places.feature_collection(features)
    resource = tk.get_action("resource_create")({"user": loading.site_user(), "ignore_auth": True}, {
        "package_id": name, "name": "Bureaux de vote de la commune (GeoJSON)", "format": "GeoJSON",
        "issy_role": "stations", "url": "bureaux-de-vote.geojson",
        "upload": FileStorage(stream=io.BytesIO(content), filename="bureaux-de-vote.geojson",
                              content_type="application/geo+json")})
    return resource["id"]


def results_of(resource_id: str) -> dict[str, Any]:
    """The action ``issy_elections``'s answer, as an anonymous visitor gets it."""
    import ckan.plugins.toolkit as tk

    return tk.get_action("issy_elections")({"user": ""}, {"resource_id": resource_id})


def percent(value: float) -> str:
    """A share as the page writes it (``h.issy_percent(value, 2)``;
    test.ini's default locale, French: "54,75 %")."""
    from ckanext.issy.views.formatting import issy_percent

    return issy_percent(value, 2)


def forget_results(turnout_id: str, results_id: str, stations_id: str = "") -> None:
    """The round's cached results, both tables' aggregations and the
    stations file read, deleted from Redis."""
    from bench import loading

    loading.forget("elections", results_id)
    for resource_id in (turnout_id, results_id):
        loading.forget("aggregate", resource_id)
    if stations_id:
        for kind in ("geojson", "elections-names"):
            loading.forget(kind, stations_id)


@dataclasses.dataclass(frozen=True)
class Election:
    label: str  # "sample", or the stations
    stations: int
    lists: int
    turnout_id: str
    resource_id: str  # the results table, whose first view is the results
    path: str  # the resource page
    expected: str  # the commune's turnout as the page writes it
    loading: Optional[float]  # seconds of datastore.load; None: kept from an earlier run
    stations_id: str = ""  # the file of its polling stations' places


def prepare(args: argparse.Namespace) -> list[Election]:
    """Both rounds' tables, and what their pages must show (within a request context)."""
    found = []
    for label, election_round in (("sample", sample_round()), (str(args.stations), large_round(args.stations))):
        lists = len(election_round.stations[0].candidates)
        turnout_id, results_id, seconds = prepare_round(label, election_round, args.reuse)
        stations_id = prepare_places(label, len(election_round.stations))
        results = results_of(results_id)
        found.append(Election(label, results["city"]["stations"], lists, turnout_id, results_id,
                              f"/dataset/{dataset_name(label)}/resource/{results_id}",
                              percent(results["city"]["turnout"]), seconds, stations_id))
    return found


def forget(election: Election) -> None:
    forget_results(election.turnout_id, election.resource_id, election.stations_id)


# --- what bench/views.py measures and how its tables name it ------------------------------------
NOUN = "round"
FIGURE, FIGURE_NAME = "turnout visible", "The turnout"
SELECTOR = "[data-role=turnout] dd"
THEN = "requestAnimationFrame(sortable);"
LATER = "stations table sortable"
# elections.js, fetched after the first paint, turns each sortable header of
# the stations' table into a button.
LATER_PROBE = """
function sortable(now) {
    if (document.querySelector('table[data-role=stations] button.issy-elections-sort')) bench.later = now;
    else requestAnimationFrame(sortable);
}
"""
# The stations' rows, the sortable headers and those made buttons.
FOUND = """{stations: document.querySelectorAll('table[data-role=stations] tbody tr').length,
            headers: document.querySelectorAll('table[data-role=stations] th[data-sort]').length,
            buttons: document.querySelectorAll('table[data-role=stations] th[data-sort] > button.issy-elections-sort')
                .length}"""
COMPUTED = "the results computed (not in the cache)"
PART_NAMES = {"html": "the page's HTML (the results written by the server, every station's row included)",
              "view": "the view's scripts and stylesheets (elections.js, elections.css; shared.css, copy.js "
                      "when the page has the embed code)",
              "page": "the rest: CKAN's and the theme's assets"}
FOUND_BYTES: dict[str, str] = {}
API = "/api/issy/elections"
MAP_API = "/api/issy/elections/carte"
API_ROW = "the results' JSON (`GET /api/issy/elections`, not fetched by the page)"
TABLES = "The rounds (Européennes 2024 in Issy-les-Moulineaux)"
FIRST_VIEW = "the results are the first view of each results table's resource page"


def add_arguments(parse: argparse.ArgumentParser) -> None:
    parse.add_argument("--stations", type=int, default=STATIONS, help="polling stations of the large round")


def argument_problem(args: argparse.Namespace) -> str:
    # The page with "my polling station" asks for station 12.
    return f"--stations must be at least {STATION}" if args.stations < int(STATION) else ""


def docs_problem(args: argparse.Namespace) -> str:
    return f"{STATIONS} polling stations" if args.stations != STATIONS else ""


def name_of(label: str) -> str:
    return "the sample round" if label == "sample" else f"{int(label):,} polling stations"


def size_of(election: Election) -> str:
    return (f"{election.stations:,} stations × {election.lists} lists: "
            f"{election.stations * election.lists:,} results")


def is_view_asset(asset: str) -> bool:
    """elections.js and elections.css, and what the view shares with the
    other figures (as for the report): the figures' shared stylesheet, the
    embed code's copy button."""
    name = asset.rsplit("/", 1)[-1]
    return asset.startswith(("issy_elections/", "issy_chart/")) or (
        asset.startswith("issy_theme/") and name.endswith("_copy.js"))


def timed(election: Election) -> list[tuple[str, str, bool, str]]:
    """The server times measured: (heading, path, the results computed, what the answer must show)."""
    api = f"{API}?{urlencode({'resource_id': election.resource_id})}"
    return [("resource page, results cached", election.path, False, election.expected),
            ("results computed", election.path, True, election.expected),
            (f"`?bureau={STATION}`, results cached", f"{election.path}?bureau={STATION}", False,
             f'data-role="station" data-station="{INSEE}_{STATION.zfill(4)}"'),
            (f"`GET {API}`, cached", api, False, ""),
            ("computed", api, True, ""),
            (f"maps' `GET {MAP_API}`, cached", api.replace(API, MAP_API, 1), False, ""),
            ("the map's results and file read again", api.replace(API, MAP_API, 1), True, "")]


def correct(run: Any, election: Election) -> bool:
    found = run.found
    return (run.shown == election.expected and found["stations"] == election.stations
            and found["headers"] > 0 and found["buttons"] == found["headers"])


def correct_text(election: Election) -> str:
    return (f"every run of {name_of(election.label)} showed the turnout ({election.expected}) and made the table "
            f"of its {election.stations:,} polling stations sortable")
