"""A realistic, reproducible open data catalogue of a French city, for
bench/search.py and its test.

Dataset ``i`` depends only on the seed and ``i``, so the catalogue of 200
datasets is the first 200 of the catalogue of 20,000: a bench can grow the
database from one size to the next. Titles, notes and tags are French with
accents (some notes also have an English sentence), built from the themes a
city publishes; ten organisations, six groups (the city's themes), 1 to 3
resources, a GeoJSON ``spatial`` extra (a quartier or the whole town of
Issy-les-Moulineaux, a point in it, or a place elsewhere in Île-de-France),
a licence and a ``metadata_modified`` between 2014 and 2025.

Resource URLs are on ``.example`` (RFC 2606): nothing ever fetches them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import unicodedata
from typing import Any, Iterator

URL_BASE = "https://donnees.issy.example"
ISSY_BBOX = (2.24, 48.81, 2.29, 48.84)  # west, south, east, north

ORGANIZATIONS = {
    "finances": "Direction des finances",
    "citoyennete": "Citoyenneté et élections",
    "mobilite": "Mobilité et stationnement",
    "sports": "Direction des sports",
    "environnement": "Environnement et développement durable",
    "education": "Éducation et périscolaire",
    "petite-enfance": "Petite enfance",
    "urbanisme": "Urbanisme et travaux",
    "culture": "Culture et vie associative",
    "secretariat-general": "Secrétariat général et commande publique",
}
GROUPS = {
    "budget-finances": "Budget et finances",
    "citoyennete": "Citoyenneté et vie démocratique",
    "mobilite": "Mobilité et transports",
    "environnement": "Environnement et cadre de vie",
    "education": "Éducation, enfance et jeunesse",
    "sport-culture": "Sport, culture et loisirs",
}


@dataclasses.dataclass(frozen=True)
class Theme:
    title: str
    organization: str
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    sentence: str
    english: str
    frequency: str  # a code of FREQUENCIES


THEMES = (
    Theme("Budget primitif", "finances", ("budget-finances",), ("budget", "finances", "M57"),
          "Le budget primitif voté par le conseil municipal, présenté par chapitre et par nature.",
          "Annual budget of the city as voted by the council.", "ANNUAL"),
    Theme("Compte administratif", "finances", ("budget-finances",), ("budget", "comptabilité"),
          "Les dépenses et recettes réellement exécutées sur l'exercice budgétaire.",
          "Actual spending and revenue of the financial year.", "ANNUAL"),
    Theme("Dette de la commune", "finances", ("budget-finances",), ("dette", "emprunts"),
          "Encours de la dette et emprunts souscrits par la ville, par prêteur.",
          "Outstanding debt and loans of the town.", "ANNUAL"),
    Theme("Subventions aux associations", "culture", ("budget-finances", "sport-culture"),
          ("subventions", "associations"),
          "Montants des subventions versées aux associations sportives, culturelles et sociales.",
          "Grants paid to local associations.", "ANNUAL"),
    Theme("Marchés publics attribués", "secretariat-general", ("budget-finances",),
          ("marchés publics", "commande publique"),
          "Objet, titulaire, montant et date de notification de chaque marché attribué.",
          "Public procurement contracts awarded by the city.", "QUARTERLY"),
    Theme("Délibérations du conseil municipal", "secretariat-general", ("citoyennete",),
          ("délibérations", "conseil municipal"),
          "Délibérations adoptées par le conseil municipal en séance publique, avec leur vote.",
          "Decisions of the city council.", "MONTHLY"),
    Theme("Résultats des élections municipales", "citoyennete", ("citoyennete",),
          ("élections", "vote"),
          "Résultats du scrutin par bureau de vote : inscrits, votants, exprimés et voix par liste.",
          "Municipal election results by polling station.", "IRREG"),
    Theme("Résultats des élections européennes", "citoyennete", ("citoyennete",),
          ("élections", "vote"),
          "Résultats par bureau de vote et participation à chaque heure de la journée.",
          "European election results by polling station.", "IRREG"),
    Theme("Résultats des élections législatives", "citoyennete", ("citoyennete",),
          ("élections", "vote"),
          "Résultats des deux tours par bureau de vote de la circonscription.",
          "General election results by polling station.", "IRREG"),
    Theme("Bureaux de vote", "citoyennete", ("citoyennete",), ("élections", "bureau de vote"),
          "Adresse, accessibilité et périmètre de chaque bureau de vote.",
          "Polling stations and their areas.", "ANNUAL"),
    Theme("Places de stationnement disponibles", "mobilite", ("mobilite",),
          ("stationnement", "parking", "temps réel"),
          "Disponibilité en temps réel des places dans les parkings publics, dont le parking de la gare.",
          "Real-time availability of public car park spaces.", "CONT"),
    Theme("Parkings publics", "mobilite", ("mobilite",), ("parking", "stationnement"),
          "Capacité, tarifs et horaires du parking de la gare d'Issy, du parking Corentin Celton "
          "et du parking de l'hôtel de ville.",
          "Public car parks: capacity, prices and opening hours.", "ANNUAL"),
    Theme("Stationnement payant sur voirie", "mobilite", ("mobilite",),
          ("stationnement", "horodateur"),
          "Zones, tarifs et emplacement de chaque horodateur du stationnement payant.",
          "On-street paid parking zones and meters.", "ANNUAL"),
    Theme("Bornes de recharge pour véhicules électriques", "mobilite", ("mobilite", "environnement"),
          ("recharge", "véhicule électrique", "IRVE"),
          "Emplacement, puissance et nombre de points de charge de chaque borne de recharge.",
          "Electric vehicle charging points.", "MONTHLY"),
    Theme("Comptages vélos", "mobilite", ("mobilite",), ("vélo", "mobilité douce"),
          "Passages de cyclistes relevés heure par heure par chaque compteur automatique.",
          "Hourly bicycle counts.", "DAILY"),
    Theme("Fréquentation des gares", "mobilite", ("mobilite",), ("gare", "transports en commun"),
          "Voyageurs entrants par gare : RER C, ligne 12 du métro et tramway T2.",
          "Passengers entering each railway station.", "ANNUAL"),
    Theme("Équipements sportifs", "sports", ("sport-culture",), ("sport", "équipement"),
          "Gymnase, stade, piscine et terrain de proximité, avec horaires et activités.",
          "Sports facilities and their opening hours.", "ANNUAL"),
    Theme("Qualité de l'air", "environnement", ("environnement",), ("air", "pollution", "capteur"),
          "Concentration de dioxyde d'azote, d'ozone et de particules fines mesurée par chaque capteur.",
          "Air quality measured by the city's sensors.", "CONT"),
    Theme("Arbres d'alignement", "environnement", ("environnement",), ("arbres", "patrimoine arboré"),
          "Inventaire des arbres d'alignement : essence, hauteur, circonférence et date de plantation.",
          "Street trees: species, height and planting date.", "ANNUAL"),
    Theme("Collecte des déchets", "environnement", ("environnement",), ("déchets", "propreté"),
          "Jour de collecte des ordures ménagères, du tri sélectif et des encombrants par rue.",
          "Waste collection days by street.", "ANNUAL"),
    Theme("Consommation énergétique des bâtiments communaux", "environnement",
          ("environnement", "budget-finances"), ("énergie", "bâtiments"),
          "Consommation d'électricité, de gaz et de chauffage urbain de chaque bâtiment communal.",
          "Energy use of municipal buildings.", "MONTHLY"),
    Theme("Écoles maternelles et élémentaires", "education", ("education",), ("écoles", "enseignement"),
          "Liste des écoles publiques avec leurs effectifs et leur secteur scolaire.",
          "Public nursery and primary schools.", "ANNUAL"),
    Theme("Menus de la restauration scolaire", "education", ("education",), ("cantine", "menus"),
          "Menu servi chaque jour dans les cantines des écoles, avec les allergènes.",
          "School canteen menus.", "WEEKLY"),
    Theme("Crèches et multi-accueil", "petite-enfance", ("education",), ("crèches", "petite enfance"),
          "Places en crèche collective, familiale et multi-accueil, et horaires d'ouverture.",
          "Nurseries and childcare places.", "ANNUAL"),
    Theme("Permis de construire", "urbanisme", ("environnement",), ("urbanisme", "permis"),
          "Permis de construire déposés et accordés, avec l'adresse et la surface de plancher.",
          "Building permits filed and granted.", "MONTHLY"),
    Theme("Travaux de voirie", "urbanisme", ("mobilite",), ("travaux", "voirie"),
          "Chantier en cours sur la voie publique, avec sa durée et la déviation prévue.",
          "Roadworks and diversions.", "DAILY"),
    Theme("Bibliothèques et médiathèques", "culture", ("sport-culture",), ("culture", "lecture"),
          "Prêts, inscriptions et horaires de chaque médiathèque de la ville.",
          "Libraries: loans, members and opening hours.", "ANNUAL"),
    Theme("Population par quartier", "secretariat-general", ("citoyennete",),
          ("population", "recensement"),
          "Population légale de chaque quartier issue du recensement de l'Insee.",
          "Population of each neighbourhood from the census.", "ANNUAL"),
    Theme("Défibrillateurs", "urbanisme", ("environnement",), ("santé", "défibrillateur"),
          "Emplacement et horaires d'accès de chaque défibrillateur automatisé externe.",
          "Public defibrillators.", "ANNUAL"),
    Theme("Points d'accès Wi-Fi public", "urbanisme", ("sport-culture",), ("Wi-Fi", "numérique"),
          "Emplacement et débit de chaque point d'accès Wi-Fi gratuit de la ville.",
          "Free public Wi-Fi hotspots.", "ANNUAL"),
)

# The quartiers of Issy-les-Moulineaux, with a bounding box inside the town's.
QUARTIERS = {
    "Centre-ville": (2.262, 48.818, 2.276, 48.828),
    "Les Épinettes": (2.255, 48.826, 2.266, 48.834),
    "Issy-Val de Seine": (2.258, 48.830, 2.270, 48.838),
    "Corentin Celton": (2.272, 48.822, 2.284, 48.830),
    "La Ferme": (2.245, 48.818, 2.258, 48.826),
    "Les Hauts d'Issy": (2.250, 48.812, 2.264, 48.820),
    "Île Saint-Germain": (2.244, 48.826, 2.256, 48.832),
}
# Elsewhere in Île-de-France; Boulogne-Billancourt's box crosses Issy's.
ELSEWHERE = {
    "Paris": (2.224, 48.815, 2.470, 48.902),
    "Boulogne-Billancourt": (2.222, 48.826, 2.258, 48.853),
    "Versailles": (2.093, 48.784, 2.168, 48.829),
    "Créteil": (2.437, 48.762, 2.486, 48.806),
    "Saint-Denis": (2.330, 48.901, 2.383, 48.950),
}
# The EU frequency vocabulary (DCAT-AP, data.gouv.fr), which the theme shows.
FREQUENCIES = {"CONT": "en continu", "DAILY": "quotidienne", "WEEKLY": "hebdomadaire",
               "MONTHLY": "mensuelle", "QUARTERLY": "trimestrielle", "ANNUAL": "annuelle",
               "IRREG": "à chaque scrutin"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet",
          "août", "septembre", "octobre", "novembre", "décembre")
YEARS = tuple(range(2012, 2026))
FORMATS = (("CSV", 40), ("JSON", 20), ("GeoJSON", 15), ("PDF", 15), ("XLSX", 10))
LICENSES = (("lov2", 70), ("odc-odbl", 15), ("cc-by", 8), ("cc-zero", 5), ("other-open", 2))
RESOURCE_NAMES = ("Données", "Données détaillées", "Jeu complet", "Extraction", "Documentation")
OTHER_SENTENCES = (
    "Les données sont publiées sous Licence Ouverte et moissonnées par data.gouv.fr.",
    "Les montants sont exprimés en euros, toutes taxes comprises.",
    "Les coordonnées sont exprimées en WGS 84 (EPSG:4326).",
    "Pour toute question, contactez le service producteur par le formulaire du portail.",
    "Ce jeu de données fait partie de la démarche d'ouverture des données engagée par la ville en 2012.",
    "Un fichier de documentation décrit chaque colonne et ses unités.",
    "Les valeurs manquantes sont laissées vides ; les dates suivent la norme ISO 8601.",
)
MODIFIED_FROM = dt.datetime(2014, 1, 1)
MODIFIED_SPAN_SECONDS = int((dt.datetime(2025, 10, 31) - MODIFIED_FROM).total_seconds())


def slug(text: str) -> str:
    """``text`` as a CKAN name: lower-case ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def organization_name(key: str) -> str:
    return slug(ORGANIZATIONS[key])


def group_name(key: str) -> str:
    return slug(GROUPS[key])


def organizations() -> list[dict[str, Any]]:
    return [{"name": organization_name(key), "title": title} for key, title in ORGANIZATIONS.items()]


def groups() -> list[dict[str, Any]]:
    return [{"name": group_name(key), "title": title} for key, title in GROUPS.items()]


def datasets(start: int, stop: int, seed: int) -> Iterator[dict[str, Any]]:
    """The ``package_create`` dicts of datasets ``start`` to ``stop - 1``."""
    for number in range(start, stop):
        yield dataset(number, seed)


def dataset(number: int, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{number}")
    theme = rng.choice(THEMES)
    quartier = rng.choice(tuple(QUARTIERS)) if rng.random() < 0.5 else None
    year = rng.choice(YEARS)
    title = _title(rng, theme, quartier, year)
    return {
        "name": f"{slug(title)[:80]}-{number:05d}",
        "title": title,
        "notes": _notes(rng, theme, quartier, year),
        "owner_org": organization_name(theme.organization),
        "groups": [{"name": group_name(key)} for key in theme.groups],
        "tags": [{"name": tag} for tag in (*theme.tags, str(year), *([_tag(quartier)] if quartier else []))],
        "license_id": _weighted(rng, LICENSES),
        "metadata_modified": _modified(rng).isoformat(),
        "extras": [{"key": "spatial", "value": json.dumps(_spatial(rng, quartier))},
                   {"key": "frequency", "value": theme.frequency}],
        "resources": [_resource(rng, theme, year, number, index) for index in range(rng.randint(1, 3))],
    }


def _tag(text: str) -> str:
    # CKAN's tags allow letters, digits, spaces and "-_." only.
    return text.replace("'", " ")


def _title(rng: random.Random, theme: Theme, quartier: str | None, year: int) -> str:
    period = str(year) if rng.random() < 0.7 else f"{rng.choice(MONTHS)} {year}"
    return f"{theme.title} — {quartier}, {period}" if quartier else f"{theme.title} {period}"


def _notes(rng: random.Random, theme: Theme, quartier: str | None, year: int) -> str:
    scope = f"le quartier {quartier}" if quartier else "toute la commune d'Issy-les-Moulineaux"
    sentences = [
        theme.sentence,
        f"Périmètre : {scope}. Période couverte : {year}.",
        f"Mise à jour {FREQUENCIES[theme.frequency]}.",
        *rng.sample(OTHER_SENTENCES, rng.randint(0, 2)),
    ]
    if rng.random() < 0.1:
        sentences.append(f"English: {theme.english}")
    return " ".join(sentences)


def _resource(rng: random.Random, theme: Theme, year: int, number: int, index: int) -> dict[str, Any]:
    fmt = _weighted(rng, FORMATS)
    label = rng.choice(RESOURCE_NAMES)
    return {
        "name": f"{label} {year} ({fmt})",
        "description": f"{theme.title} {year}, {label.lower()} au format {fmt}.",
        "format": fmt,
        "url": f"{URL_BASE}/{number:05d}/{index}.{fmt.lower()}",
    }


def _spatial(rng: random.Random, quartier: str | None) -> dict[str, Any]:
    draw = rng.random()
    if quartier and draw < 0.8:
        return _polygon(_jitter(rng, QUARTIERS[quartier]))
    if draw < 0.6:
        return _polygon(ISSY_BBOX)
    if draw < 0.85:
        west, south, east, north = ISSY_BBOX
        return {"type": "Point", "coordinates": [round(rng.uniform(west, east), 5),
                                                 round(rng.uniform(south, north), 5)]}
    return _polygon(ELSEWHERE[rng.choice(tuple(ELSEWHERE))])


def _jitter(rng: random.Random, bbox: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(value + rng.uniform(-0.001, 0.001), 5) for value in bbox)


def _polygon(bbox: tuple[float, ...]) -> dict[str, Any]:
    west, south, east, north = bbox
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices)
    return rng.choices(values, weights)[0]


def _modified(rng: random.Random) -> dt.datetime:
    return MODIFIED_FROM + dt.timedelta(seconds=rng.randrange(MODIFIED_SPAN_SECONDS))
