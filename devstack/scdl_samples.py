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


def _lines(operations: int) -> Iterator[tuple[tuple, tuple[str, str], str]]:
    for chapter in CHAPTERS:
        for nature in chapter[4]:
            for function in FUNCTIONS:
                for operation in range(operations):
                    yield chapter, nature, function, (f"OP{operation:04d}" if operations > 1 else "")


def rows(stage: str, year: int, *, lines: int | None = None, seed: int = 92040) -> list[dict[str, str | float]]:
    """Budget lines of one document, amounts in euros (floats with cents).

    Without ``lines``, one line per nature and function (about 600);
    with it, exactly that many lines (operations are added as needed)."""
    per_operation = sum(len(chapter[4]) for chapter in CHAPTERS) * len(FUNCTIONS)
    operations = 1 if lines is None else -(-lines // per_operation)
    rng = random.Random(f"{seed}-{stage}-{year}")
    result = []
    for chapter, (nature, label, typical), function, operation in _lines(operations):
        section, codrd, code, chapter_label, _natures = chapter
        voted = round(typical / len(FUNCTIONS) / operations * rng.uniform(0.3, 1.7), 2)
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
        if lines is not None and len(result) == lines:
            break
    return result


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
