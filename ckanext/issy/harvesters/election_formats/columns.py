"""The two long tables of an election round, in the order of the rows
``model.typed_tables`` builds, with the French data dictionary of their
DataStore tables (data, not interface: it describes French elections).
Names follow data.gouv.fr's long format, so that the tables join with it
and with Etalab's polling-station contours."""
from __future__ import annotations

from ckanext.issy.harvesters.core.datastore import Column

_KEY = Column("id_brut_miom", "text", "Bureau de vote (clé nationale)",
              "Code INSEE de la commune, « _ », numéro du bureau sur quatre chiffres (92040_0001) : "
              "le codeBureauVote des contours des bureaux de vote d'Etalab.")
_ELECTION = Column("id_election", "text", "Élection", "Année, type et tour de l'élection (2024_euro_t1).")
_COMMUNE = Column("code_commune", "text", "Code de la commune", "Code INSEE de la commune (5 caractères).")
_BV = Column("code_bv", "text", "Numéro du bureau de vote", "Numéro du bureau dans la commune, sur quatre chiffres.")


def _count(name: str, label: str, description: str) -> Column:
    return Column(name, "int4", label, description)


def _ratio(name: str, label: str) -> Column:
    return Column(name, "numeric", label, f"{label}, en pourcentage (deux décimales), calculé à partir des nombres.")


TURNOUT = [
    _ELECTION, _KEY, _COMMUNE,
    Column("libelle_commune", "text", "Commune", "Nom de la commune."),
    _BV,
    _count("inscrits", "Inscrits", "Électeurs inscrits sur la liste du bureau."),
    _count("abstentions", "Abstentions", "Inscrits qui n'ont pas voté."),
    _count("votants", "Votants", "Électeurs qui ont voté."),
    _count("blancs", "Blancs", "Bulletins blancs (vide quand le fichier ne les distingue pas des nuls)."),
    _count("nuls", "Nuls", "Bulletins nuls (vide quand le fichier ne les distingue pas des blancs)."),
    _count("blancs_ou_nuls", "Blancs ou nuls", "Bulletins blancs et nuls comptés ensemble, quand le fichier ne les "
           "distingue pas."),
    _count("exprimes", "Exprimés", "Suffrages exprimés : votants moins blancs et nuls."),
    _ratio("ratio_abstentions_inscrits", "Abstentions / inscrits"),
    _ratio("ratio_votants_inscrits", "Votants / inscrits"),
    _ratio("ratio_blancs_votants", "Blancs / votants"),
    _ratio("ratio_nuls_votants", "Nuls / votants"),
    _ratio("ratio_exprimes_inscrits", "Exprimés / inscrits"),
    _ratio("ratio_exprimes_votants", "Exprimés / votants"),
]
RESULTS = [
    _ELECTION, _KEY, _COMMUNE, _BV,
    Column("no_panneau", "text", "Numéro de panneau", "Numéro du panneau d'affichage du candidat ou de la liste."),
    Column("nuance", "text", "Nuance", "Nuance politique attribuée par le ministère de l'Intérieur."),
    Column("nom", "text", "Nom", "Nom du candidat (ou du binôme)."),
    Column("prenom", "text", "Prénom", "Prénom du candidat."),
    Column("sexe", "text", "Sexe", "M ou F."),
    Column("liste", "text", "Liste", "Libellé abrégé de la liste."),
    Column("libelle_liste", "text", "Libellé de la liste", "Libellé complet de la liste."),
    Column("nom_tete_liste", "text", "Tête de liste", "Nom de la tête de liste."),
    _count("voix", "Voix", "Voix obtenues dans le bureau."),
    _ratio("ratio_voix_inscrits", "Voix / inscrits"),
    _ratio("ratio_voix_exprimes", "Voix / exprimés"),
    Column("elu", "bool", "Élu", "Élu à l'issue de ce tour (vide quand le fichier ne le dit pas)."),
    _count("sieges", "Sièges", "Sièges obtenus par la liste (vide quand le fichier ne le dit pas)."),
]
