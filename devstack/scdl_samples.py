"""Sample SCDL budget files of a commune of about 68,000 inhabitants.

The figures are invented (labelled as samples wherever they are shown); the
chapters, natures and functions are those of the M14/M57 plans of accounts.
The same generator writes the test fixtures (tests/harvesters/fixtures/),
the demo's sample feed (devstack/samples/) and the benchmark's large file.
"""
from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator

SIRET = "21920040500011"
NAME = "COMMUNE D'ISSY-LES-MOULINEAUX (EXEMPLE)"
COLUMNS = [
    "BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
    "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_FONCTION", "BGT_FONCTION_LABEL", "BGT_OPERATION",
    "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD", "BGT_MTREAL", "BGT_MTBUDGPREC", "BGT_MTRARPREC",
    "BGT_MTPROPNOUV", "BGT_MTPREV", "BGT_CREDOUV", "BGT_MTRAR3112", "BGT_ARTSPE",
]
# Marseille's compte administratif files since 2020 have only these 13.
SUBSET_13 = [
    "BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
    "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD", "BGT_MTREAL",
    "BGT_MTPREV",
]
# (section, recette/dépense, chapter, chapter label, [(nature, label, typical amount in €)])
CHAPTERS = [
    ("fonctionnement", "dépense", "011", "Charges à caractère général", [
        ("60611", "Eau et assainissement", 420_000), ("60612", "Énergie - Électricité", 2_100_000),
        ("60613", "Chauffage urbain", 1_350_000), ("6063", "Fournitures d'entretien et de petit équipement", 380_000),
        ("6064", "Fournitures administratives", 95_000), ("6068", "Autres matières et fournitures", 260_000),
        ("611", "Contrats de prestations de services", 6_800_000), ("6135", "Locations mobilières", 310_000),
        ("615221", "Entretien et réparations bâtiments publics", 1_900_000), ("6156", "Maintenance", 1_150_000),
        ("616", "Primes d'assurances", 540_000), ("6231", "Annonces et insertions", 85_000),
        ("6247", "Transports collectifs", 240_000), ("6262", "Frais de télécommunications", 330_000),
    ]),
    ("fonctionnement", "dépense", "012", "Charges de personnel et frais assimilés", [
        ("64111", "Rémunération principale des titulaires", 32_000_000), ("64118", "Autres indemnités des titulaires", 6_500_000),
        ("64131", "Rémunérations des non titulaires", 7_200_000), ("6451", "Cotisations à l'URSSAF", 5_900_000),
        ("6453", "Cotisations aux caisses de retraite", 8_100_000), ("6475", "Médecine du travail, pharmacie", 120_000),
    ]),
    ("fonctionnement", "dépense", "65", "Autres charges de gestion courante", [
        ("6531", "Indemnités des élus", 620_000), ("657362", "Subvention de fonctionnement au CCAS", 2_400_000),
        ("6574", "Subventions de fonctionnement aux associations", 3_900_000), ("6558", "Autres contributions obligatoires", 1_700_000),
    ]),
    ("fonctionnement", "dépense", "66", "Charges financières", [
        ("66111", "Intérêts réglés à l'échéance", 1_450_000),
    ]),
    ("fonctionnement", "recette", "70", "Produits des services, du domaine et ventes diverses", [
        ("7062", "Redevances et droits des services à caractère culturel", 650_000),
        ("7066", "Redevances et droits des services à caractère social", 2_300_000),
        ("7067", "Redevances et droits des services périscolaires et d'enseignement", 3_100_000),
    ]),
    ("fonctionnement", "recette", "73", "Impôts et taxes", [
        ("73111", "Impôts directs locaux", 52_000_000), ("7336", "Droits de place", 420_000),
        ("7381", "Taxe additionnelle aux droits de mutation", 9_800_000),
    ]),
    ("fonctionnement", "recette", "74", "Dotations et participations", [
        ("7411", "Dotation forfaitaire", 6_300_000), ("74718", "Autres participations de l'État", 900_000),
        ("7478", "Participations d'autres organismes", 5_400_000),
    ]),
    ("investissement", "dépense", "20", "Immobilisations incorporelles", [
        ("2031", "Frais d'études", 1_200_000), ("2051", "Concessions et droits similaires", 450_000),
    ]),
    ("investissement", "dépense", "21", "Immobilisations corporelles", [
        ("21312", "Bâtiments scolaires", 4_800_000), ("21318", "Autres bâtiments publics", 3_100_000),
        ("2151", "Réseaux de voirie", 3_900_000), ("2183", "Matériel de bureau et matériel informatique", 900_000),
        ("2184", "Mobilier", 420_000), ("2188", "Autres immobilisations corporelles", 1_300_000),
    ]),
    ("investissement", "dépense", "23", "Immobilisations en cours", [
        ("2313", "Constructions", 9_500_000), ("2315", "Installations, matériel et outillage techniques", 2_700_000),
    ]),
    ("investissement", "dépense", "16", "Emprunts et dettes assimilées", [
        ("1641", "Emprunts en euros", 7_100_000),
    ]),
    ("investissement", "recette", "10", "Dotations, fonds divers et réserves", [
        ("10222", "FCTVA", 3_400_000), ("10226", "Taxe d'aménagement", 1_800_000),
    ]),
    ("investissement", "recette", "13", "Subventions d'investissement", [
        ("1321", "État et établissements nationaux", 1_100_000), ("1323", "Départements", 2_600_000),
    ]),
    ("investissement", "recette", "16", "Emprunts et dettes assimilées", [
        ("1641", "Emprunts en euros", 8_000_000),
    ]),
]
FUNCTIONS = [
    ("020", "Administration générale de la collectivité"), ("112", "Police municipale"),
    ("211", "Écoles maternelles"), ("212", "Écoles primaires"), ("251", "Hébergement et restauration scolaire"),
    ("311", "Expression musicale, lyrique et chorégraphique"), ("321", "Bibliothèques et médiathèques"),
    ("411", "Salles de sport, gymnases"), ("422", "Autres activités pour les jeunes"),
    ("520", "Interventions sociales"), ("64", "Crèches et garderies"), ("822", "Voirie communale et routes"),
    ("823", "Espaces verts urbains"), ("01", "Opérations non ventilables"),
]

# --- M57 --------------------------------------------------------------------
# The M57 functional presentation (communes of 3,500 inhabitants or more)
# has other groups than M14's: 0 Services généraux, 1 Sécurité,
# 2 Enseignement, formation professionnelle et apprentissage, 3 Culture, vie
# sociale, jeunesse, sports et loisirs, 4 Santé et action sociale,
# 5 Aménagement des territoires et habitat, 6 Action économique,
# 7 Environnement, 8 Transports. A representative subset of its functions,
# at the levels (2 or 3 digits) communes vote them; 01 closes the list as in
# M14 and carries the order operations.
FUNCTIONS_M57 = [
    ("020", "Administration générale de la collectivité"), ("11", "Police, sécurité, justice"),
    ("211", "Écoles maternelles"), ("212", "Écoles primaires"), ("213", "Classes regroupées"),
    ("281", "Hébergement et restauration scolaires"),
    ("311", "Activités artistiques, actions et manifestations culturelles"),
    ("313", "Bibliothèques et médiathèques"), ("32", "Sports"), ("422", "Petite enfance"),
    ("428", "Autres interventions sociales"), ("511", "Espaces verts urbains"), ("845", "Voirie communale"),
    ("01", "Opérations non ventilables"),
]
# What M57 changes in the sample's chapters: chapter 73 loses local taxes to
# a chapter of their own, 731 "Fiscalité locale" (so 731 is in M57 documents
# only, and a comparison with an M14 year must leave it out), and a few
# natures are split finer (subsidies, office equipment).
M57_NATURES = {  # M14 nature -> its M57 nature and label
    "6531": ("65311", "Indemnités des élus"),
    "6574": ("65748", "Subventions de fonctionnement aux autres personnes de droit privé"),
    "2183": ("21838", "Autre matériel informatique"),
    "2184": ("21848", "Autres matériels de bureau et mobiliers"),
}
M57_TAXES = [
    ("fonctionnement", "recette", "73", "Impôts et taxes (sauf 731)", [
        ("7336", "Droits de place", 420_000), ("7381", "Taxe additionnelle aux droits de mutation", 9_800_000),
    ]),
    ("fonctionnement", "recette", "731", "Fiscalité locale", [
        ("731111", "Taxe foncière sur les propriétés bâties", 52_000_000),
    ]),
]


def _m57_chapters() -> list[tuple]:
    chapters = []
    for section, codrd, code, label, natures in CHAPTERS:
        if code == "73":
            chapters += M57_TAXES
            continue
        natures = [(*M57_NATURES.get(nature, (nature, nature_label)), typical)
                   for nature, nature_label, typical in natures]
        chapters.append((section, codrd, code, label, natures))
    return chapters


CHAPTERS_M57 = _m57_chapters()
NOMENCLATURES = {"M14": (CHAPTERS, FUNCTIONS), "M57": (CHAPTERS_M57, FUNCTIONS_M57)}

# --- order operations ---------------------------------------------------------
# Opérations d'ordre: accounting entries between the two sections, with no
# money going in or out. Each pair balances to the cent: the depreciation
# charged to the operating section (042, nature 6811) is an investment
# revenue (040, by depreciated account); the transfer between the sections
# (023 / 021) is voted in the budget primitif only (it is never executed, so
# no other document carries it). Real files put them under function 01.
NON_VENTILABLE = ("01", "Opérations non ventilables")
TRANSFER_CHAPTER = "Opérations d'ordre de transfert entre sections"
DEPRECIATION = 2_900_000  # a typical year's depreciation, in €
DEPRECIATION_NATURE = ("6811", "Dotations aux amortissements des immobilisations incorporelles et corporelles")
DEPRECIATED = {  # the 040 natures, with their share of the depreciation (the last takes what is left)
    "M14": [("28031", "Amortissements des frais d'études", 0.12),
            ("28051", "Amortissements des concessions et droits similaires", 0.10),
            ("280422", "Amortissements des subventions d'équipement aux personnes de droit privé", 0.18),
            ("28183", "Amortissements du matériel de bureau et matériel informatique", 0.30),
            ("28184", "Amortissements du mobilier", 0.10),
            ("28188", "Amortissements des autres immobilisations corporelles", 0.20)],
    "M57": [("28031", "Amortissements des frais d'études", 0.12),
            ("28051", "Amortissements des concessions et droits similaires", 0.10),
            ("280422", "Amortissements des subventions d'équipement aux personnes de droit privé", 0.18),
            ("281838", "Amortissements de l'autre matériel informatique", 0.30),
            ("281848", "Amortissements des autres matériels de bureau et mobiliers", 0.10),
            ("28188", "Amortissements des autres immobilisations corporelles", 0.20)],
}
TRANSFER = 6_500_000  # the planned transfer from the operating to the investment section, in €
TRANSFER_OUT = ("023", "Virement à la section d'investissement")
TRANSFER_IN = ("021", "Virement de la section de fonctionnement")


def _order_line(stage: str, year: int, section: str, codrd: str, chapter: tuple[str, str],
                nature: tuple[str, str], voted: float, realised: float | str) -> dict[str, str | float]:
    return {
        "BGT_NATDEC": stage, "BGT_ANNEE": year, "BGT_SIRET": SIRET, "BGT_NOM": NAME,
        "BGT_CONTNAT": chapter[0], "BGT_CONTNAT_LABEL": chapter[1], "BGT_NATURE": nature[0],
        "BGT_NATURE_LABEL": nature[1], "BGT_FONCTION": NON_VENTILABLE[0], "BGT_FONCTION_LABEL": NON_VENTILABLE[1],
        "BGT_OPERATION": "", "BGT_SECTION": section, "BGT_OPBUDG": "ordre", "BGT_CODRD": codrd,
        "BGT_MTREAL": realised, "BGT_MTBUDGPREC": voted, "BGT_MTRARPREC": 0.0, "BGT_MTPROPNOUV": voted,
        "BGT_MTPREV": voted, "BGT_CREDOUV": voted, "BGT_MTRAR3112": 0.0, "BGT_ARTSPE": "non spécialisé",
    }


def _parts(amount: float, shares: list[float]) -> list[float]:
    """``amount`` split by ``shares``, the last part taking what is left: the parts add up to the cent."""
    parts = [round(amount * share, 2) for share in shares[:-1]]
    return parts + [round(amount - sum(parts), 2)]


def order_rows(stage: str, year: int, nomenclature: str = "M14", seed: int = 92040) -> list[dict[str, str | float]]:
    """The order operations of a document: 042 / 040 (depreciation) and, in a
    budget primitif, 023 / 021 (the transfer between the sections)."""
    rng = random.Random(f"{seed}-{stage}-{year}-ordre")  # apart: real lines are the same with or without them
    executed = stage.startswith("compte")
    voted = round(DEPRECIATION * rng.uniform(0.95, 1.05), 2)
    # Depreciation is computed, not estimated: what is charged is what was voted, or nearly.
    realised = round(voted * rng.uniform(0.995, 1.0), 2) if executed else None
    depreciated = DEPRECIATED[nomenclature]
    shares = [share for _code, _label, share in depreciated]
    voted_parts = _parts(voted, shares)
    realised_parts: list[float | str] = [""] * len(shares) if realised is None else list(_parts(realised, shares))
    lines = [_order_line(stage, year, "fonctionnement", "dépense", ("042", TRANSFER_CHAPTER), DEPRECIATION_NATURE,
                         voted, "" if realised is None else realised)]
    lines += [_order_line(stage, year, "investissement", "recette", ("040", TRANSFER_CHAPTER), (code, label),
                          part, realised_part)
              for (code, label, _share), part, realised_part in zip(depreciated, voted_parts, realised_parts)]
    if stage == "budget primitif":
        transfer = round(TRANSFER * rng.uniform(0.9, 1.1), 2)
        lines += [_order_line(stage, year, "fonctionnement", "dépense", TRANSFER_OUT, TRANSFER_OUT, transfer, ""),
                  _order_line(stage, year, "investissement", "recette", TRANSFER_IN, TRANSFER_IN, transfer, "")]
    return lines


def _lines(chapters: list[tuple], functions: list[tuple[str, str]],
           lines: int | None) -> Iterator[tuple[tuple, tuple, tuple[str, str], str, int, int]]:
    """(chapter, nature, function, operation, functions of the nature, operations) of each real line.

    At least one line per nature and function, operations are added to
    reach ``lines``; fewer lines spread the natures over fewer functions
    (in turn, so that every function still appears): a small document
    keeps every chapter."""
    natures = [(chapter, nature) for chapter in chapters for nature in chapter[4]]
    full = len(natures) * len(functions)
    if lines is None or lines >= full:
        operations = 1 if lines is None else -(-lines // full)
        for chapter, nature in natures:
            for function in functions:
                for operation in range(operations):
                    yield (chapter, nature, function, (f"OP{operation:04d}" if operations > 1 else ""),
                           len(functions), operations)
        return
    start = 0
    for index, (chapter, nature) in enumerate(natures):
        count = lines // len(natures) + (index < lines % len(natures))
        for step in range(count):
            yield chapter, nature, functions[(start + step) % len(functions)], "", count, 1
        start += count


def rows(stage: str, year: int, *, lines: int | None = None, seed: int = 92040, nomenclature: str = "M14",
         order: bool = False) -> list[dict[str, str | float]]:
    """Budget lines of one document, amounts in euros (floats with cents).

    Without ``lines``, one line per nature and function (about 600);
    with it, exactly that many lines: operations are added as needed, and
    fewer lines than natures × functions spread each nature over fewer
    functions. ``nomenclature`` is ``"M14"`` or ``"M57"`` (its functions
    and chapters: ``FUNCTIONS_M57``, ``CHAPTERS_M57``); ``order`` adds the
    order operations of ``order_rows`` at the end (counted in ``lines``)."""
    chapters, functions = NOMENCLATURES[nomenclature]
    ordered = order_rows(stage, year, nomenclature, seed) if order else []
    real = None if lines is None else max(lines - len(ordered), 0)
    rng = random.Random(f"{seed}-{stage}-{year}")
    result = []
    for chapter, (nature, label, typical), function, operation, spread, operations in _lines(chapters, functions,
                                                                                           real):
        section, codrd, code, chapter_label, _natures = chapter
        voted = round(typical / spread / operations * rng.uniform(0.3, 1.7), 2)
        realised = round(voted * rng.uniform(0.82, 1.0), 2)
        result.append({
            "BGT_NATDEC": stage, "BGT_ANNEE": year, "BGT_SIRET": SIRET, "BGT_NOM": NAME,
            "BGT_CONTNAT": code, "BGT_CONTNAT_LABEL": chapter_label, "BGT_NATURE": nature,
            "BGT_NATURE_LABEL": label, "BGT_FONCTION": function[0], "BGT_FONCTION_LABEL": function[1],
            "BGT_OPERATION": operation, "BGT_SECTION": section, "BGT_OPBUDG": "réel", "BGT_CODRD": codrd,
            "BGT_MTREAL": realised if stage.startswith("compte") else "",
            "BGT_MTBUDGPREC": round(voted * rng.uniform(0.9, 1.1), 2), "BGT_MTRARPREC": 0.0,
            "BGT_MTPROPNOUV": voted, "BGT_MTPREV": voted, "BGT_CREDOUV": voted,
            "BGT_MTRAR3112": round(voted - realised, 2) if section == "investissement" else 0.0,
            "BGT_ARTSPE": "non spécialisé",
        })
        if real is not None and len(result) == real:
            break
    return result + ordered


def _amount(value: str | float, decimal_comma: bool) -> str:
    if value == "" or not isinstance(value, float):
        return str(value)
    text = f"{value:.2f}"
    if not decimal_comma:
        return text
    whole, cents = text.split(".")
    # Some converters group thousands with a (non-breaking) space.
    grouped = f"{int(whole):,}".replace(",", "\u00a0") if abs(value) >= 100_000 else whole
    return f"{grouped},{cents}"


def write(budget: list[dict], *, columns: list[str] = COLUMNS, delimiter: str = ",",
          encoding: str = "utf-8", decimal_comma: bool = False, lowercase: bool = False) -> bytes:
    """The CSV bytes of ``budget`` in one of the shapes publishers use."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.lower() for c in columns] if lowercase else columns)
    for line in budget:
        writer.writerow([_amount(line[c], decimal_comma) for c in columns])
    return buffer.getvalue().encode(encoding)
