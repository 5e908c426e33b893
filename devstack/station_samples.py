"""Sample polling-station places, for the demo and the tests: invented, in
the two shapes a source gives them.

- ``contours()``: Etalab's national "contours des bureaux de vote" shape (a
  FeatureCollection of polygons with ``codeBureauVote``,
  ``numeroBureauVote``, ``codeCommune``...), here Voronoi cells of invented
  points inside Issy-les-Moulineaux's boundary (the one the extension
  ships), and cells of a neighbouring commune (Vanves) beside it, which a
  harvest of Issy leaves out;
- ``points()``: a commune's own file, one point per station with its number
  (``numero``), its name and its address, as Issy publishes "Bureaux de vote".

The stations are numbered as devstack/election_samples.py's (1 to 45).
"""
from __future__ import annotations

import json
import random
from typing import Any

import shapely
import shapely.affinity
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.ops import transform

from ckanext.issy.dcat.commune import SHIPPED_BOUNDARY
from ckanext.issy.logic.validators import area_geometry

ISSY, VANVES = ("92040", "Issy-les-Moulineaux", 45), ("92075", "Vanves", 8)
SCHOOLS = ("École Jules-Ferry", "École Anatole-France", "Gymnase Jean-Bouin", "Centre administratif municipal",
           "École Paul-Bert", "Maison de quartier des Épinettes", "École Louise-Michel", "Salle Lucie-Aubrac")
STREETS = ("rue du Général-Leclerc", "avenue Victor-Cresson", "boulevard Gallieni", "rue Ernest-Renan",
           "place de l'Hôtel-de-Ville", "rue d'Estienne-d'Orves", "avenue de Verdun", "quai du Président-Roosevelt")


def _issy() -> Any:
    return shape(area_geometry(SHIPPED_BOUNDARY.read_text(encoding="utf-8")))


def _seeds(area: Any, count: int, rng: random.Random) -> list[Point]:
    west, south, east, north = area.bounds
    seeds: list[Point] = []
    while len(seeds) < count:
        point = Point(rng.uniform(west, east), rng.uniform(south, north))
        if area.contains(point):
            seeds.append(point)
    return seeds


def _cells(area: Any, seeds: list[Point]) -> list[Any]:
    """Each seed's Voronoi cell within the area, in the seeds' order."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area).geoms
    return [next(cell for cell in cells if cell.contains(seed)).intersection(area) for seed in seeds]


def _rounded(geometry: Any) -> dict[str, Any]:
    return mapping(transform(lambda x, y, z=None: (round(x, 6), round(y, 6)), geometry))


def _etalab(insee: str, commune: str, number: int, cell: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": _rounded(cell), "properties": {
        "codeDepartement": "92", "nomDepartement": "Hauts-de-Seine", "codeCirconscription": "9210",
        "nomCirconscription": "10ème circonscription", "codeCommune": insee, "nomCommune": commune,
        "numeroBureauVote": f"{number:04d}", "codeBureauVote": f"{insee}_{number:04d}",
        "id_bv": f"{insee}_{number}"}}


def _layout(seed: int, stations: int = ISSY[2]) -> tuple[Any, list[Point], Any, list[Point]]:
    rng = random.Random(seed)
    issy = _issy()
    # Vanves lies east of Issy: the sample's is Issy's outline moved beside it.
    west, _south, east, _north = issy.bounds
    vanves = shapely.affinity.translate(issy, xoff=east - west + 0.002)
    return issy, _seeds(issy, stations, rng), vanves, _seeds(vanves, VANVES[2], rng)


def contours(seed: int = 2024, stations: int = ISSY[2]) -> bytes:
    """Etalab's shape: Issy's 45 cells (or ``stations``) and Vanves's 8,
    interleaved as in a national file."""
    issy, issy_seeds, vanves, vanves_seeds = _layout(seed, stations)
    features = [_etalab(ISSY[0], ISSY[1], n, cell) for n, cell in enumerate(_cells(issy, issy_seeds), start=1)]
    others = [_etalab(VANVES[0], VANVES[1], n, cell) for n, cell in enumerate(_cells(vanves, vanves_seeds), start=1)]
    mixed = [*others[:4], *features, *others[4:]]
    return json.dumps({"type": "FeatureCollection", "features": mixed}, ensure_ascii=False).encode("utf-8")


def points(seed: int = 2024) -> bytes:
    """A commune's own shape: one point per station, with its name and address."""
    _issy_area, issy_seeds, _vanves, _vanves_seeds = _layout(seed)
    features = [{"type": "Feature", "geometry": _rounded(point), "properties": {
        "numero": str(n), "nom_bureau": f"{SCHOOLS[n % len(SCHOOLS)]} ({n})",
        "adresse": f"{n} {STREETS[n % len(STREETS)]}, 92130 Issy-les-Moulineaux"}}
        for n, point in enumerate(issy_seeds, start=1)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
