"""An election round's results, from its figures (``figures.py``): the
city's totals (added up from its polling stations, never read from a
file), turnout, blank and null votes, each candidate's or list's votes
and share of the votes cast, each station's figures and leading
candidate, and one station beside the city.

Percentages have two decimals, as the Ministry writes them: turnout is
votants / inscrits, a share of votes is voix / exprimés, blank and null
votes are counted against votants."""
from __future__ import annotations

from typing import Any

from ckanext.issy.harvesters.election_formats.wide import plain
from ckanext.issy.language import _
from ckanext.issy.views.elections.figures import COUNTS, Figures


def percent(part: int | None, whole: int | None) -> float | None:
    return round(100 * part / whole, 2) if part is not None and whole else None


def _rates(counts: dict[str, Any]) -> dict[str, float | None]:
    votants = counts["votants"]
    return {"turnout": percent(votants, counts["inscrits"]),
            "abstention": percent(counts["abstentions"], counts["inscrits"]),
            "blank_share": percent(counts["blancs"], votants), "null_share": percent(counts["nuls"], votants),
            "blank_or_null_share": percent(counts["blancs_ou_nuls"], votants)}


def _sum(values: list[int | None]) -> int | None:
    """The total of a count, None when no station gives it."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def city(figures: Figures) -> dict[str, Any]:
    counts = {name: _sum([station[name] for station in figures["stations"].values()]) for name in COUNTS}
    return {**counts, **_rates(counts), "stations": len(figures["stations"])}


def candidate_name(panneau: str, described: dict[str, Any]) -> str:
    """A candidate's first name and name, else the list's name, else its panneau."""
    person = " ".join(part for part in (described.get("prenom"), described.get("nom")) if part)
    return (person or described.get("libelle_liste") or described.get("liste")
            or _("Panel {number}").format(number=panneau))


def short_name(panneau: str, described: dict[str, Any]) -> str:
    """The name a narrow column gives: the list's short label, else the name."""
    if described.get("nom"):
        return candidate_name(panneau, described)
    return described.get("liste") or candidate_name(panneau, described)


def _panneau_order(panneau: str) -> tuple[int, str]:
    return (int(panneau), "") if panneau.isdigit() else (10**6, panneau)


def candidates(figures: Figures, votes_cast: int | None, station: str | None = None) -> list[dict[str, Any]]:
    """Each candidate or list, most votes first (the city's, or one station's)."""
    found = []
    for panneau, by_station in figures["votes"].items():
        described = figures["candidates"].get(panneau, {})
        voix = by_station.get(station, 0) if station else sum(by_station.values())
        found.append({"panneau": panneau, "name": candidate_name(panneau, described),
                      "short_name": short_name(panneau, described),
                      **{key: described.get(key) for key in ("nom", "prenom", "liste", "libelle_liste",
                                                             "nom_tete_liste", "nuance")},
                      "elu": described.get("elu", False), "sieges": described.get("sieges"),
                      "voix": voix, "share": percent(voix, votes_cast)})
    return sorted(found, key=lambda c: (-c["voix"], _panneau_order(c["panneau"])))


def _leader(figures: Figures, key: str) -> dict[str, Any] | None:
    """The candidate with the most votes in a station (ties: every one named)."""
    votes = {panneau: by_station.get(key, 0) for panneau, by_station in figures["votes"].items()}
    most = max(votes.values(), default=0)
    if not most:
        return None
    first = sorted((p for p, v in votes.items() if v == most), key=_panneau_order)
    return {"panneau": first[0], "tied": first[1:], "voix": most}


def stations(figures: Figures) -> list[dict[str, Any]]:
    """Every polling station, in the order of their numbers."""
    found = []
    for key, station in figures["stations"].items():
        leader = _leader(figures, key)
        if leader:
            leader["share"] = percent(leader["voix"], station["exprimes"])
        found.append({"key": key, **station, **_rates(station), "leader": leader})
    return sorted(found, key=lambda station: (station["code"].zfill(8), station["key"]))


def find_station(figures: Figures, asked: str) -> str | None:
    """The key of a station given by its key ("92040_0001") or number ("1", "0001")."""
    asked = asked.strip()
    if asked in figures["stations"]:
        return asked
    for key, station in figures["stations"].items():
        # ASCII digits only: int() would read "١٢" (Arabic-Indic) as 12.
        if asked.isascii() and asked.isdigit() and station["code"].isdigit() and int(asked) == int(station["code"]):
            return key
    return None


def station_results(figures: Figures, key: str) -> dict[str, Any]:
    station = figures["stations"][key]
    return {"key": key, **station, **_rates(station),
            "candidates": candidates(figures, station["exprimes"], key)}


def build(figures: Figures, station: str | None = None) -> dict[str, Any]:
    """The round's results; with ``station`` (a key), that station's too."""
    totals = city(figures)
    return {"city": totals, "candidates": candidates(figures, totals["exprimes"]),
            "stations": stations(figures),
            "station": station_results(figures, station) if station else None}


def short_names(built: dict[str, Any]) -> dict[str, str]:
    """Panneau -> the short name of that candidate or list (``build``'s
    candidates), to name the stations' leaders."""
    return {candidate["panneau"]: candidate["short_name"] for candidate in built["candidates"]}


def rounds(this: dict[str, Any], this_figures: Figures, other: dict[str, Any], other_figures: Figures) -> dict[str, Any]:
    """Both rounds side by side, the first one first: each round's turnout and
    votes cast, and each candidate or list of either round (matched by name:
    panel numbers change between rounds) with its share in each."""
    sides = sorted([(this, this_figures), (other, other_figures)], key=lambda side: side[0]["round"])
    totals = [city(figures) for _election, figures in sides]
    by_name: dict[str, dict[str, Any]] = {}
    for index, (figures, total) in enumerate(zip((f for _e, f in sides), totals)):
        for candidate in candidates(figures, total["exprimes"]):
            row = by_name.setdefault(plain(candidate["name"]), {"name": candidate["name"], "rounds": [None, None]})
            row["rounds"][index] = {"voix": candidate["voix"], "share": candidate["share"], "elu": candidate["elu"]}
    # Those of the later round first (most votes first), then the others.
    rows = sorted(by_name.values(), key=lambda row: (
        -(row["rounds"][1] or {"voix": -1})["voix"], -(row["rounds"][0] or {"voix": 0})["voix"]))
    return {"elections": [election for election, _figures in sides],
            "turnout": [total["turnout"] for total in totals], "exprimes": [total["exprimes"] for total in totals],
            "candidates": rows}
