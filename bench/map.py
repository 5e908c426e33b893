"""Benchmark of a map of 5,000 points (issue 24; docs/performance.md, "Maps").

In one process with CKAN loaded from test.ini (the slot's databases, every
plugin of the test site, logging at WARNING as on a site), served on
127.0.0.1 by werkzeug's threaded server:

1. **the table**: a public dataset of the city, "Mobilier urbain et arbres
   d'alignement", whose resource gets a DataStore table of 5,000 objects
   (``--points``) loaded by ``ckanext.issy.harvesters.core.datastore.load``,
   the harvesters' way: each object's identifier, its category (nine, from
   street trees, a third of the whole, to drinking fountains), a label
   (the tree's species, or the category and the street), its street and
   district, a height for trees, the year it was put in, and its latitude
   and longitude: along 80 street segments drawn inside Issy's bounding
   box, a few metres apart, as a city's street furniture is. Generated from
   ``--seed`` (reproducible); ``--reuse`` keeps the table of an earlier run.
2. **the map**: the Créer page's permalink of a point map of the table
   (coloured by category: eight classes and "others"; popups with the
   label, street and district; clustered), opened ``--runs`` times in
   Debian's Chromium (headless, Playwright, 1280 × 900), each time in a
   fresh browser context (an empty cache, as a first visit), and as many
   times with the CPU slowed down 4 times (Chromium's throttling, as
   Lighthouse's mobile mode does). Half the runs of each find the points
   in the aggregation cache (Redis) and half do not (the entry deleted
   first, untimed: the first visitor of a map computes it).
3. **measures**: the time from the navigation's start to the figure's
   ``data-state="drawn"`` (map.js sets it once every marker is in its
   cluster: the markers are drawn), taken in the page
   (``performance.now()``); the main thread's long tasks (over 50 ms:
   the longest, and the total beyond 50 ms of each, as Lighthouse's total
   blocking time counts them) from the first paint on; and the bytes of
   each answer (its body as served, and gzipped at level 5 as nginx sends
   text: deploy/nginx/issy-ckan.conf), summed over the page, the map's
   own scripts and stylesheets (Leaflet, markercluster, format.js, map.js,
   builder.js, map.css and what it preloads) and the points' JSON alone.

The map's answer is checked: 5,000 points drawn (``data-drawn``), not
truncated, the legend's counts adding up to 5,000. Exit status 1 when a
target of issue 24 is missed (median time to drawn over 1.5 s on the
unthrottled CPU, or the map's own bytes, gzipped, over 300 KB) or the map
is wrong.

    ISSY_TEST_SLOT=4 make test ARGS='tests/test_platform.py -q'   # creates slot 4's databases
    set -a; . .dev/test-2.12-s4.env; set +a
    .venv/bin/python bench/map.py [--points 5000] [--runs 5] [--reuse] [--write-docs]

It refuses any database but an ``issy_test_*`` one on 127.0.0.0/8, registers
as a user of the private PostgreSQL and Redis as a test run does
(``devstack.services.bring_up``), connects only to 127.0.0.0/8
(``harvesting.allow_only_loopback``) and Chromium resolves no other host.
No base map is set (``ckanext.issy.map.tile_url`` empty, as in test.ini):
what is measured is the portal's own work.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import statistics
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import browser, harvesting, markers  # noqa: E402 (the checkout is on sys.path now)
from bench.browser import SLOW_CPU  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/map.py --write-docs: begin -->"
DOCS_END = "<!-- bench/map.py --write-docs: end -->"
POINTS = 5_000
RUNS = 5
# Issue 24's targets.
TARGET_SECONDS, TARGET_BYTES = 1.5, 300_000
ORGANIZATION = "bench-map"

# --- the table -------------------------------------------------------------------------
# Issy-les-Moulineaux's bounding box (south, west, north, east), a little inside the commune.
BOUNDS = (48.8160, 2.2400, 48.8340, 2.2860)
# (category, weight): street trees are a third of a city's street objects.
CATEGORIES = (("Arbre d'alignement", 34), ("Candélabre", 18), ("Corbeille de rue", 14), ("Banc", 11),
              ("Arceau vélo", 8), ("Panneau d'information", 6), ("Borne de propreté canine", 4),
              ("Abri voyageurs", 3), ("Fontaine à boire", 2))
SPECIES = ("Platane commun", "Tilleul argenté", "Érable plane", "Marronnier d'Inde", "Sophora du Japon",
           "Micocoulier", "Frêne à fleurs", "Chêne fastigié", "Poirier à fleurs", "Charme commun")
STREETS = ("Rue du Général-Leclerc", "Avenue Victor-Cresson", "Boulevard Gallieni", "Rue Camille-Desmoulins",
           "Avenue de Verdun", "Rue Ernest-Renan", "Boulevard Rodin", "Rue Jean-Jaurès", "Quai de la Bataille-de-Stalingrad",
           "Rue d'Estienne-d'Orves", "Avenue Jean-Monnet", "Rue Guynemer", "Rue Marceau", "Rue Auguste-Gervais",
           "Allée Sainte-Lucie", "Rue du Chevalier-de-la-Barre", "Avenue de la République", "Rue Aristide-Briand",
           "Rue Henri-Barbusse", "Cours de l'Ancienne-Boulangerie")
DISTRICTS = ("Centre-ville", "Les Épinettes", "Fort", "Île Saint-Germain", "Val de Seine", "Corentin-Celton",
             "Hauts d'Issy", "La Ferme", "Bords de Seine")
SEGMENTS = 80
COLUMNS_SPEC = (  # (id, DataStore type, label, description)
    ("identifiant", "text", "Identifiant", "Identifiant de l'objet dans le patrimoine de la ville."),
    ("categorie", "text", "Catégorie", "Nature de l'objet."),
    ("libelle", "text", "Libellé", "Essence de l'arbre, ou catégorie et voie."),
    ("voie", "text", "Voie", "Voie où se trouve l'objet."),
    ("quartier", "text", "Quartier", "Quartier d'Issy-les-Moulineaux."),
    ("hauteur", "numeric", "Hauteur (m)", "Hauteur de l'arbre, en mètres."),
    ("annee_pose", "int4", "Année de pose", "Année de plantation ou d'installation."),
    ("latitude", "numeric", "Latitude", "Latitude WGS 84."),
    ("longitude", "numeric", "Longitude", "Longitude WGS 84."),
)
Row = tuple[str, str, str, str, str, "Decimal | None", int, Decimal, Decimal]


def generate(points: int, seed: int) -> list[Row]:
    """``points`` street objects along street segments inside Issy's bounding
    box, reproducible from ``seed``."""
    rng = random.Random(f"{seed}-mobilier")
    south, west, north, east = BOUNDS
    segments = []
    for number in range(SEGMENTS):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        length, angle = rng.uniform(0.002, 0.008), rng.uniform(0, math.pi)
        end = (min(north, max(south, lat + length * math.sin(angle))),
               min(east, max(west, lon + length * math.cos(angle) * 1.5)))
        segments.append(((lat, lon), end, STREETS[number % len(STREETS)], rng.choice(DISTRICTS)))
    weights = [weight for _name, weight in CATEGORIES]
    rows: list[Row] = []
    for number in range(points):
        (lat0, lon0), (lat1, lon1), street, district = rng.choice(segments)
        along = rng.random()
        lat = lat0 + (lat1 - lat0) * along + rng.gauss(0, 0.00004)
        lon = lon0 + (lon1 - lon0) * along + rng.gauss(0, 0.00006)
        category = rng.choices(CATEGORIES, weights=weights)[0][0]
        tree = category == "Arbre d'alignement"
        rows.append((f"MU-{number + 1:06d}", category, rng.choice(SPECIES) if tree else f"{category}, {street}",
                     street, district, Decimal(f"{rng.uniform(4, 22):.1f}") if tree else None,
                     rng.randint(1975, 2025),
                     Decimal(f"{min(north, max(south, lat)):.6f}"), Decimal(f"{min(east, max(west, lon)):.6f}")))
    return rows


def as_text(rows: list[Row]) -> list[list[str | None]]:
    """The rows as COPY's text cells (datastore.load's fast path)."""
    return [[None if cell is None else str(cell) for cell in row] for row in rows]


def map_query(resource_id: str) -> str:
    """The Créer page's permalink of the map measured."""
    return "/creer?" + urlencode([("kind", "map"), ("resource_id", resource_id), ("lat", "latitude"),
                                  ("lon", "longitude"), ("color", "categorie"), ("popup", "libelle"),
                                  ("popup", "voie"), ("popup", "quartier"), ("cluster", "yes"),
                                  ("title", "Mobilier urbain et arbres d'alignement")])


# --- bytes ------------------------------------------------------------------------------------
PARTS = ("points", "map", "page")


class Answer(browser.Answer):
    @property
    def part(self) -> str:
        return part_of(self.url)


def part_of(url: str) -> str:
    """Which part of the page an answer is: the points' JSON, the map's own
    scripts and stylesheets, or the rest of the page (its HTML, CKAN's and
    the theme's assets)."""
    path = urlsplit(url).path
    if path.startswith("/api/issy/points"):
        return "points"
    name = path.rsplit("/", 1)[-1]
    if "/webassets/" in path and (path.split("/webassets/", 1)[1].startswith(("issy_map/", "issy_chart/"))
                                  or "leaflet" in name):
        return "map"
    return "page"


sent_bytes = browser.sent_bytes


def totals(answers: list[Answer]) -> dict[str, tuple[int, int]]:
    """(served, sent) bytes by part, and for the whole page ("total")."""
    return browser.totals(answers, PARTS)


# --- the site and the browser -----------------------------------------------------------------
def dataset_name(points: int, seed: int) -> str:
    return f"bench-map-mobilier-{seed}-{points}"


def _table_holds(resource_id: str, rows: list[Row]) -> bool:
    from bench import loading

    return loading.table_holds(resource_id, len(rows), "latitude", sum((row[7] for row in rows), Decimal(0)))


def prepare_table(rows: list[Row], seed: int, reuse: bool) -> tuple[str, float | None]:
    """The resource whose table holds ``rows``, and the seconds its load took
    (None when ``reuse`` kept an earlier run's table)."""
    from bench import loading

    return loading.prepare_table(
        dataset_name(len(rows), seed), organization=ORGANIZATION, organization_title="Direction de l'espace public",
        title="Mobilier urbain et arbres d'alignement d'Issy-les-Moulineaux (banc d'essai)",
        resource_name="Mobilier urbain et arbres", resource_url="http://127.0.0.1/mobilier.csv",
        columns=COLUMNS_SPEC, text=lambda: as_text(rows), holds=lambda resource_id: _table_holds(resource_id, rows),
        reuse=reuse)


def forget(resource_id: str) -> None:
    """The resource's cached map data deleted from Redis."""
    from bench import loading

    loading.forget("points", resource_id)


# Set before the page's scripts (after browser.LONG_TASKS): when the figure is drawn.
PROBE = """
window.__issyBench.drawn = null;
new MutationObserver(() => {
    const figure = document.querySelector('figure[data-issy-map]');
    if (figure && figure.dataset.state === 'drawn' && window.__issyBench.drawn === null) {
        window.__issyBench.drawn = performance.now();
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
"""


@dataclasses.dataclass
class Run:
    slow: bool
    cached: bool
    seconds: float
    paint: float  # first contentful paint, s
    longest_task: float  # ms
    blocking: float  # ms beyond 50 of each long task after the first paint
    answers: list[Answer]
    drawn: int
    legend_total: int
    truncated: bool


_blocking = browser.blocking
# The markers drawn, and the legend's counts added up.
FIGURE = """() => {
    const figure = document.querySelector('figure[data-issy-map]');
    const counts = Array.from(figure.querySelectorAll('[data-role=legend] > ul > li'))
        .map(li => Number((li.textContent.match(/\\(([\\d\\s\\u202f\\u00a0]+)\\)$/) || ['', '0'])[1].replace(/\\D/g, '')));
    return {drawn: Number(figure.dataset.drawn), legend: counts.reduce((a, b) => a + b, 0)};
}"""


def open_map(chromium: Any, url: str, slow: bool, cached: bool) -> Run:
    data: dict[str, Any] = {}

    def body(url: str, content: bytes) -> None:
        if part_of(url) == "points":
            data.update(json.loads(content)["result"])

    seen = browser.visit(chromium, url, slow=slow, probe=PROBE, answer=Answer, body=body,
                         ready="window.__issyBench && window.__issyBench.drawn !== null",
                         inspect=lambda page: page.evaluate(FIGURE))
    if seen.errors:
        raise SystemExit(f"the map's page said: {seen.errors}")
    probe, figure = seen.probe, seen.found
    longest, blocking = _blocking(probe["tasks"], probe["paint"] or 0.0)
    return Run(slow, cached, probe["drawn"] / 1000, (probe["paint"] or 0.0) / 1000, longest, blocking,
               seen.answers, figure["drawn"], figure["legend"], bool(data.get("truncated", True)))


def measure(site_url: str, resource_id: str, runs: int) -> list[Run]:
    """``runs`` openings of the map on each CPU, half of them with the
    points cached, in turn."""
    url = site_url + map_query(resource_id)
    found = []
    with browser.chromium() as chromium:
        open_map(chromium, url, False, False)  # warm-up: the workers' templates and assets built once
        for number in range(runs):
            for slow in (False, True):
                cached = number % 2 == 1
                if not cached:
                    forget(resource_id)
                found.append(open_map(chromium, url, slow, cached))
    return found


# --- the report ----------------------------------------------------------------------------------
_kb = browser.kb


def table(runs: list[Run]) -> str:
    lines = ["| CPU | runs | time to drawn, median s (each run) | first paint, median s "
             "| longest task, median ms | blocking after paint, median ms |",
             "|---|---:|---|---:|---:|---:|"]
    for slow in (False, True):
        chosen = [run for run in runs if run.slow == slow]
        if not chosen:
            continue
        each = ", ".join(f"{run.seconds:.2f}{'' if run.cached else '*'}" for run in chosen)
        lines.append(f"| {f'{SLOW_CPU}× slower' if slow else 'desktop'} | {len(chosen)} | "
                     f"{statistics.median(r.seconds for r in chosen):.2f} ({each}) | "
                     f"{statistics.median(r.paint for r in chosen):.2f} | "
                     f"{statistics.median(r.longest_task for r in chosen):.0f} | "
                     f"{statistics.median(r.blocking for r in chosen):.0f} |")
    sizes = totals(runs[0].answers)
    count = browser.requests(runs[0].answers, PARTS)
    lines += ["", "\\* the points computed (not in the aggregation cache).", "",
              "| part of the page | requests | bytes served | sent (gzip 5) |", "|---|---:|---:|---:|"]
    names = {"points": "the points' JSON (`/api/issy/points`)",
             "map": "the map's scripts and stylesheets (Leaflet, markercluster, format.js, map.js, builder.js, CSS)",
             "page": "the rest: the page's HTML, CKAN's and the theme's assets", "total": "**total**"}
    for part in ("points", "map", "page", "total"):
        lines.append(f"| {names[part]} | {count[part]} | {_kb(sizes[part][0])} kB | {_kb(sizes[part][1])} kB |")
    return "\n".join(lines)


def verdicts(runs: list[Run], points: int) -> list[tuple[str, bool]]:
    desktop = statistics.median(run.seconds for run in runs if not run.slow)
    sizes = totals(runs[0].answers)
    own = sizes["points"][1] + sizes["map"][1]
    return [
        (f"time to drawn under {TARGET_SECONDS:g} s (desktop CPU, median): {desktop:.2f} s",
         desktop < TARGET_SECONDS),
        (f"the map's bytes (points and map assets, gzipped) under {TARGET_BYTES / 1000:g} kB: {_kb(own)} kB",
         own < TARGET_BYTES),
        (f"every run drew {points:,} markers, the legend counting them all",
         all(run.drawn == points and run.legend_total == points and not run.truncated for run in runs)),
    ]


def write_docs(text: str, path: Path = DOCS) -> None:
    markers.replace_block(path, DOCS_BEGIN, DOCS_END, text)


def run(args: argparse.Namespace) -> int:
    generation, rows = harvesting.timed(lambda: generate(args.points, args.seed))
    (resource_id, loading), runs, environment = browser.serve(
        lambda: prepare_table(rows, args.seed, args.reuse),
        lambda site_url, prepared: measure(site_url, prepared[0], args.runs))
    loaded = f"loaded in {loading:.1f} s by datastore.load" if loading is not None else "kept from an earlier run"
    categories = len({row[1] for row in rows})
    text = "\n".join([
        f"`{' '.join(['bench/map.py', *args.argv])}` — {environment}.",
        "",
        f"The table: {len(rows):,} street objects in {categories} categories (generated in {generation:.1f} s, "
        f"{loaded}); the map: the Créer page's permalink, coloured by category, clustered.",
        "",
        table(runs),
    ])
    return browser.conclude(text, verdicts(runs, args.points), write_docs if args.write_docs else None)


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--points", type=int, default=POINTS, help="rows of the table")
    parse.add_argument("--seed", type=int, default=1)
    parse.add_argument("--runs", type=int, default=RUNS, help="openings of the map per CPU speed")
    parse.add_argument("--reuse", action="store_true", help="keep the table of an earlier run with the same "
                                                            "--points and --seed")
    parse.add_argument("--write-docs", action="store_true",
                       help=f"replace the figures between the markers of {DOCS.relative_to(ROOT)}")
    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parse = parser()
    args = parse.parse_args(argv)
    if args.runs < 1:
        parse.error("--runs must be at least 1")
    if args.write_docs and (args.points != POINTS or args.runs < RUNS):
        parse.error(f"--write-docs writes issue 24's measure: {POINTS:,} points, at least {RUNS} runs")
    args.argv = argv
    return args


def main() -> int:
    return browser.main("bench/map.py", parse_args, run)


if __name__ == "__main__":
    raise SystemExit(main())
