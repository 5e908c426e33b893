"""Sample election results by polling station, in the Ministry of the
Interior's two formats: Issy-les-Moulineaux's 45 polling stations and two
neighbouring communes.

The figures and the candidates are invented (labelled as samples wherever
they are shown); each station's figures are consistent (votants = exprimés
+ blancs + nuls, the candidates' votes add up to exprimés). The same
generator writes the demo's sample feed and the tests' larger fixtures.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

# (département, its name, commune code in the département, commune, stations)
COMMUNES = [
    ("92", "Hauts-de-Seine", "012", "Boulogne-Billancourt", 12),
    ("92", "Hauts-de-Seine", "040", "Issy-les-Moulineaux", 45),
    ("92", "Hauts-de-Seine", "075", "Vanves", 8),
]
# Législatives 2022, 1er tour: (panneau, sexe, nom, prénom, nuance) by commune
# (each commune in its own constituency: rows of different lengths).
LEGISLATIVES_2022 = {
    "012": [("1", "F", "LEFÈVRE", "Hélène", "ENS"), ("2", "M", "NGUYEN", "Thomas", "NUP"),
            ("3", "M", "DUPRÉ", "Jérôme", "LR"), ("4", "F", "BENAÏSSA", "Leïla", "RN"),
            ("5", "M", "MARTIN", "François", "ECO")],
    "040": [("1", "M", "FERRAND", "Étienne", "ENS"), ("2", "F", "OUÉDRAOGO", "Aïssata", "NUP"),
            ("3", "F", "LE GOFF", "Maëlle", "LR"), ("4", "M", "CHÂTELAIN", "Benoît", "RN"),
            ("5", "F", "DA SILVA", "Inès", "ECO"), ("6", "M", "ROUSSEAU", "Noël", "REC"),
            ("7", "F", "PERRIN", "Joëlle", "DXG")],
    "075": [("1", "F", "GARNIER", "Chloé", "ENS"), ("2", "M", "FAURE", "Raphaël", "NUP"),
            ("3", "M", "LEROY", "Gaël", "RN")],
}
# Présidentielle 2022: (panneau, sexe, nom, prénom, nuance), the same everywhere.
PRESIDENTIELLE_2022 = [
    ("1", "F", "LAMBERT", "Élise", "DVC"), ("2", "M", "BERTRAND", "Hugo", "DVD"),
    ("3", "F", "N'DIAYE", "Awa", "DVG"), ("4", "M", "CHEVALIER", "Loïc", "DIV"),
    ("5", "F", "MOREAU-DUVAL", "Anaïs", "ECO"), ("6", "M", "GARCÍA", "Raphaël", "EXG"),
]
# Européennes 2024: (panneau, nuance, libellé abrégé, libellé) of every list, everywhere.
EUROPEENNES_2024 = [
    ("1", "LDIV", "POUR UNE EUROPE DES RÉGIONS", "Pour une Europe des régions, conduite par Anaïs Kervella"),
    ("2", "LENS", "ENSEMBLE POUR L'EUROPE", "Ensemble pour l'Europe, conduite par Aurélien Moreau"),
    ("3", "LUG", "L'EUROPE SOCIALE ET ÉCOLOGIQUE", "L'Europe sociale et écologique, conduite par Céline Faure"),
    ("4", "LRN", "LA FRANCE D'ABORD", "La France d'abord, conduite par Grégoire Baudry"),
    ("5", "LVEC", "ÉCOLOGIE EUROPÉENNE", "Écologie européenne, conduite par Zoé Lambert-Nguyen"),
    ("6", "LLR", "LA DROITE POUR L'EUROPE", "La droite pour l'Europe, conduite par Hervé Lacroix"),
    ("7", "LFI", "L'UNION POPULAIRE", "L'Union populaire, conduite par Noémie Besnard"),
    ("8", "LCOM", "LA GAUCHE UNIE POUR LE MONDE DU TRAVAIL", "La gauche unie pour le monde du travail, "
     "conduite par Loïc Texier"),
]


@dataclass(frozen=True)
class StationFigures:
    inscrits: int
    votants: int
    blancs: int
    nuls: int
    exprimes: int
    voix: list[int]


def figures(rng: random.Random, candidates: int) -> StationFigures:
    """One polling station's consistent figures."""
    registered = rng.randint(850, 1450)
    voters = registered * rng.randint(38, 72) // 100
    blank, void = voters * rng.randint(5, 30) // 1000, voters * rng.randint(2, 12) // 1000
    cast = voters - blank - void
    weights = [rng.randint(1, 30) for _ in range(candidates)]
    votes = [cast * weight // sum(weights) for weight in weights]
    votes[0] += cast - sum(votes)
    return StationFigures(registered, voters, blank, void, cast, votes)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}".replace(".", ",") if whole else ""


FORMAT_A_HEADER = (
    "Code du département;Libellé du département;Code de la circonscription;Libellé de la circonscription;"
    "Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;Abstentions;% Abs/Ins;Votants;% Vot/Ins;"
    "Blancs;% Blancs/Ins;% Blancs/Vot;Nuls;% Nuls/Ins;% Nuls/Vot;Exprimés;% Exp/Ins;% Exp/Vot;"
    "N°Panneau;Sexe;Nom;Prénom;Nuance;Voix;% Voix/Ins;% Voix/Exp"
)
CONSTITUENCIES = {"012": ("09", "9ème circonscription"), "040": ("10", "10ème circonscription"),
                  "075": ("11", "11ème circonscription")}


def _format_a(candidates_of: dict[str, list[tuple[str, str, str, str, str]]], seed: int) -> bytes:
    """A format A file (cp1252, CRLF, the header naming only the first
    candidate's block) of the candidates of each commune (its code in the
    département -> (panneau, sexe, nom, prénom, nuance))."""
    rng = random.Random(seed)
    lines = [FORMAT_A_HEADER]
    for department, department_name, commune, commune_name, stations in COMMUNES:
        candidates = candidates_of[commune]
        number, name = CONSTITUENCIES[commune]
        for station in range(1, stations + 1):
            f = figures(rng, len(candidates))
            cells = [department, department_name, number, name, commune, commune_name, f"{station:04d}",
                     str(f.inscrits), str(f.inscrits - f.votants), _percent(f.inscrits - f.votants, f.inscrits),
                     str(f.votants), _percent(f.votants, f.inscrits),
                     str(f.blancs), _percent(f.blancs, f.inscrits), _percent(f.blancs, f.votants),
                     str(f.nuls), _percent(f.nuls, f.inscrits), _percent(f.nuls, f.votants),
                     str(f.exprimes), _percent(f.exprimes, f.inscrits), _percent(f.exprimes, f.votants)]
            for (panel, sex, surname, first_name, nuance), votes in zip(candidates, f.voix):
                cells += [panel, sex, surname, first_name, nuance, str(votes),
                          _percent(votes, f.inscrits), _percent(votes, f.exprimes)]
            lines.append(";".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def legislatives_2022_format_a(seed: int = 2022) -> bytes:
    """Législatives 2022, 1er tour, by polling station: format A."""
    return _format_a(LEGISLATIVES_2022, seed)


def presidentielle_2022_format_a(round_number: int = 1, seed: int = 2022) -> bytes:
    """Présidentielle 2022 by polling station, first or second round: format
    A, the same candidates in every commune (the two first for the second)."""
    candidates = PRESIDENTIELLE_2022 if round_number == 1 else PRESIDENTIELLE_2022[:2]
    return _format_a({commune: candidates for _d, _n, commune, _c, _s in COMMUNES}, seed + round_number)


FORMAT_B_FIXED = ["Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV",
                  "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
                  "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
                  "Nuls", "% Nuls/inscrits", "% Nuls/votants"]
FORMAT_B_BLOCK = ["Numéro de panneau", "Nuance liste", "Libellé abrégé de liste", "Libellé de liste", "Voix",
                  "% Voix/inscrits", "% Voix/exprimés", "Sièges"]


def _quoted_percent(part: int, whole: int) -> str:
    return f'"{_percent(part, whole)}%"'


def europeennes_2024_format_b(seed: int = 2024) -> bytes:
    """Européennes 2024 by polling station: format B (UTF-8, numbered blocks,
    quoted codes, percentages written "12,34%")."""
    rng = random.Random(seed)
    header = FORMAT_B_FIXED + [f"{name} {n}" for n in range(1, len(EUROPEENNES_2024) + 1) for name in FORMAT_B_BLOCK]
    lines = [";".join(f'"{name}"' for name in header)]
    for department, department_name, commune, commune_name, stations in COMMUNES:
        for station in range(1, stations + 1):
            f = figures(rng, len(EUROPEENNES_2024))
            cells = [f'"{department}"', department_name, f'"{department}{commune}"', commune_name, f'"{station:04d}"',
                     str(f.inscrits), str(f.votants), _quoted_percent(f.votants, f.inscrits),
                     str(f.inscrits - f.votants), _quoted_percent(f.inscrits - f.votants, f.inscrits),
                     str(f.exprimes), _quoted_percent(f.exprimes, f.inscrits), _quoted_percent(f.exprimes, f.votants),
                     str(f.blancs), _quoted_percent(f.blancs, f.inscrits), _quoted_percent(f.blancs, f.votants),
                     str(f.nuls), _quoted_percent(f.nuls, f.inscrits), _quoted_percent(f.nuls, f.votants)]
            for (panel, nuance, short, label), votes in zip(EUROPEENNES_2024, f.voix):
                cells += [panel, nuance, f'"{short}"', f'"{label}"', str(votes),
                          _quoted_percent(votes, f.inscrits), _quoted_percent(votes, f.exprimes), ""]
            lines.append(";".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


# The share of the day's voters counted at each hour of polling day (Issy
# publishes its turnout at 10h, 12h, 14h, 16h, 17h, 18h, 19h and 20h).
HOURS = {"10h": 0.16, "12h": 0.33, "14h": 0.45, "16h": 0.61, "17h": 0.69, "18h": 0.80, "19h": 0.91, "20h": 1.0}


def turnout_by_hour(results: bytes, insee: str = "92040") -> bytes:
    """The commune's voters counted at each hour, by polling station, as a
    municipal portal exports them (Opendatasoft's CSV: ``;``, UTF-8 with a
    byte order mark, "001 - NAME" stations, counts written "1 027"), from a
    format B file (``europeennes_2024_format_b``): the 20h count is the
    station's voters."""
    rows = [line.split(";") for line in results.decode("utf-8").splitlines()]
    header = [cell.strip('"') for cell in rows[0]]
    column = {name: header.index(name) for name in ("Code commune", "Code BV", "Votants")}
    lines = [";".join(["BureauxDeVotes", *HOURS])]
    for row in rows[1:]:
        if row[column["Code commune"]].strip('"') != insee:
            continue
        number, voters = int(row[column["Code BV"]].strip('"')), int(row[column["Votants"]])
        counts = [f"{round(voters * share):,}".replace(",", "\u202f") for share in HOURS.values()]
        lines.append(";".join([f"{number:03d} - BUREAU {number}", *counts]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
