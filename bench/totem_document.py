"""The documents of bench/totem.py: a seeded compte administratif written
as a TOTEM budget document (ISO-8859-1, calculated total lines, annexes of
invented people) and as the SCDL CSV file of the same lines."""
from __future__ import annotations

import hashlib
import itertools
import random
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

CHANGED = 0.01  # the share of the lines whose realised amount the third job's file changes
STAGE, YEAR, SEED = "compte administratif", 2025, 92040

# --- the documents -------------------------------------------------------------------
NAMESPACE = "http://www.minefi.gouv.fr/cp/demat/docbudgetaire"
SECTIONS = {"investissement": "I", "fonctionnement": "F"}
DIRECTIONS = {"recette": "R", "dépense": "D"}
# TOTEM's amount elements, in a line's order, and the SCDL columns they fill.
AMOUNTS = (("MtBudgPrec", "BGT_MTBUDGPREC"), ("MtRARPrec", "BGT_MTRARPREC"), ("MtPropNouv", "BGT_MTPROPNOUV"),
           ("MtPrev", "BGT_MTPREV"), ("CredOuv", "BGT_CREDOUV"), ("MtReal", "BGT_MTREAL"),
           ("MtRAR3112", "BGT_MTRAR3112"))
# The annexes' people and bodies are invented: the reader never opens the annexes.
FIRST_NAMES = ("Camille", "Dominique", "Claude", "Alix", "Sacha", "Hélène", "Loïc", "Maëlle", "Noé", "Anaïs")
LAST_NAMES = ("Exemple", "Fictif", "Modèle", "Spécimen", "Témoin", "Factice", "Prototype", "Maquette")
JOBS = (("Directeur général des services", "A"), ("Attaché territorial", "A"), ("Rédacteur", "B"),
        ("Technicien territorial", "B"), ("Éducateur des APS", "B"), ("Adjoint administratif", "C"),
        ("Agent de maîtrise", "C"), ("Auxiliaire de puériculture", "C"))
LENDERS = ("BANQUE EXEMPLE", "CAISSE FICTIVE DES COLLECTIVITÉS", "CRÉDIT MODÈLE")


def budget_lines(lines: int) -> list[dict[str, Any]]:
    """The document's lines, as scdl_samples gives them (amounts in floats)."""
    from devstack import scdl_samples

    return scdl_samples.rows(STAGE, YEAR, lines=lines, seed=SEED)


def changed_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``lines`` with the realised amount of CHANGED of them (seeded) changed."""
    rng = random.Random(f"{SEED}-changed")
    changed = [dict(line) for line in lines]
    for index in rng.sample(range(len(lines)), round(len(lines) * CHANGED)):
        before = changed[index]["BGT_MTREAL"]
        after = round(before * rng.uniform(0.9, 1.1), 2)
        changed[index]["BGT_MTREAL"] = after if after != before else round(before + 1.0, 2)
    return changed


def _amount(value: float | Decimal) -> str:
    return f"{value:.2f}"


def _attribute(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _total(code: str, codrd: str, section: str, lines: list[dict[str, Any]], calculated: bool) -> str:
    """A total line: ``calculated="true"`` (a chapter's), or ``OpBudg`` ``T`` (a section's receipts or expenses)."""
    sums = "".join(f'<{element} V="{_amount(sum(Decimal(_amount(line[column])) for line in lines))}"/>'
                   for element, column in AMOUNTS if element in ("MtPrev", "CredOuv", "MtReal"))
    if calculated:
        return (f'    <LigneBudget calculated="true">\n      <ContNat V="{code}"/><CodRD V="{codrd}"/>{sums}'
                f'<OpBudg V="0"/><CaracSup V="{section}"/>\n    </LigneBudget>\n')
    return (f'    <LigneBudget>\n      <Nature V="TOTAL"/><CodRD V="{codrd}"/>{sums}<OpBudg V="T"/>'
            f'<CaracSup V="{section}"/>\n    </LigneBudget>\n')


def _line(line: dict[str, Any]) -> str:
    section, codrd = SECTIONS[line["BGT_SECTION"]], DIRECTIONS[line["BGT_CODRD"]]
    operation = line["BGT_OPERATION"]  # "OP0012": TOTEM numbers a programme of works
    operation = f'<Operation V="{1000 + int(operation[2:])}"/>' if operation else ""
    amounts = "".join(f'<{element} V="{_amount(line[column])}"/>' for element, column in AMOUNTS)
    extra = f'<MtSup Code="BudgetHorsRAR" V="{_amount(line["BGT_MTPREV"])}"/>' if section == "F" else ""
    return (f'    <LigneBudget>\n      <Nature V="{line["BGT_NATURE"]}"/><Fonction V="{line["BGT_FONCTION"]}"/>'
            f'{operation}<ContNat V="{line["BGT_CONTNAT"]}"/><ArtSpe V="false"/><CodRD V="{codrd}"/>\n'
            f'      {amounts}\n      <OpBudg V="0"/><CaracSup V="{section}"/>{extra}\n    </LigneBudget>\n')


def _annexes() -> str:
    """Annexes of invented staff, loans and subsidies (seeded)."""
    rng = random.Random(f"{SEED}-annexes")
    staff = "".join(
        f'        <PERSONNEL><LibEmploi V="{job}"/><CodCatAgent V="{category}"/>'
        f'<NomBenef V="{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"/><EmploiPourvu V="1"/>'
        f'<IndiceBrut V="{rng.randint(367, 1027)}"/></PERSONNEL>\n'
        for job, category in (rng.choice(JOBS) for _ in range(60)))
    loans = "".join(
        f'        <EMPRUNT><LibOrgaPret V="{rng.choice(LENDERS)}"/><CodTypEmpr V="01"/>'
        f'<DtSignInit V="{rng.randint(2008, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"/>'
        f'<MtEmprOrig V="{_amount(borrowed)}"/>'
        f'<MtCapitalRestDu_31_12 V="{_amount(round(borrowed * rng.uniform(0.1, 0.95), 2))}"/></EMPRUNT>\n'
        for borrowed in (rng.randint(10, 120) * 100_000 for _ in range(20)))
    subsidies = "".join(
        f'        <CONCOURS><NomBenefConcours V="Association exemple n° {number}"/>'
        f'<MtConcours V="{_amount(rng.randint(5, 900) * 100)}"/><NatPrestaConcours V="subvention"/></CONCOURS>\n'
        for number in range(1, 41))
    return (f"    <Annexes>\n      <DATA_PERSONNEL>\n{staff}      </DATA_PERSONNEL>\n"
            f"      <DATA_EMPRUNT>\n{loans}      </DATA_EMPRUNT>\n"
            f"      <DATA_CONCOURS>\n{subsidies}      </DATA_CONCOURS>\n    </Annexes>\n")


def totem_document(lines: list[dict[str, Any]]) -> tuple[bytes, int]:
    """The TOTEM document of ``lines`` (ISO-8859-1), and its count of total lines."""
    from devstack import scdl_samples

    body: list[str] = []
    totals = 0
    for (section, codrd), group in itertools.groupby(lines, lambda line: (line["BGT_SECTION"], line["BGT_CODRD"])):
        group = list(group)
        section, codrd = SECTIONS[section], DIRECTIONS[codrd]
        for code, chapter in itertools.groupby(group, lambda line: line["BGT_CONTNAT"]):
            chapter = list(chapter)
            body += map(_line, chapter)
            body.append(_total(code, codrd, section, chapter, calculated=True))
            totals += 1
        body.append(_total("", codrd, section, group, calculated=False))
        totals += 1
    seal = hashlib.sha1("".join(body).encode()).hexdigest()
    name = _attribute(scdl_samples.NAME)
    text = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        f'<DocumentBudgetaire xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '  <VersionSchema V="94"/>\n'
        f'  <Scellement md5="{hashlib.md5(seal.encode()).hexdigest()}" sha1="{seal}" date="2026-05-12T09:41:07"/>\n'
        '  <EnTeteDocBudgetaire>\n    <DteStr V="2026-05-12"/><LibellePoste V="SGC EXEMPLE"/><IdPost V="092999"/>\n'
        f'    <LibelleColl V="{name}"/><IdColl V="{scdl_samples.SIRET}"/><NatCEPL V="Commune"/>\n'
        '  </EnTeteDocBudgetaire>\n  <Budget>\n'
        f'    <EnTeteBudget>\n      <LibelleEtab V="{name}"/><IdEtab V="{scdl_samples.SIRET}"/><CodColl V="040"/>'
        '<CodBud V="00"/><Nomenclature V="M57-M57"/>\n    </EnTeteBudget>\n'
        f'    <BlocBudget>\n      <NatDec V="09"/><Exer V="{YEAR}"/><DteDec V="2026-06-24"/><NatVote V="FcIc"/>'
        '<NatFonc V="3"/><CodTypBud V="P"/>\n    </BlocBudget>\n'
        '    <InformationsGenerales><Information Code="PopTotale" V="68451"/></InformationsGenerales>\n'
        + "".join(body) + _annexes() + "  </Budget>\n</DocumentBudgetaire>\n")
    return text.encode("iso-8859-1"), totals


def scdl_file(lines: list[dict[str, Any]]) -> bytes:
    from devstack import scdl_samples

    return scdl_samples.write(lines)


def realised(lines: list[dict[str, Any]]) -> Decimal:
    """The sum of the lines' realised amounts, as the DataStore sums them."""
    return sum((Decimal(_amount(line["BGT_MTREAL"])) for line in lines), Decimal(0))


# --- the feed server ----------------------------------------------------------------
