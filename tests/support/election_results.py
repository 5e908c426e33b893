"""Generated election results by polling station, in the shape of the
Ministry of the Interior's files since 2024 (European election of 2024: a
fixed part, then one block of 8 columns for each of the 38 lists; `;`,
quoted codes and percentages, decimal commas, here in cp1252 as the older
files are). The figures are invented; each row is computed from its
number alone, so a test can stream hundreds of megabytes chunk by chunk
and still know what any row holds.
"""
from __future__ import annotations

from collections.abc import Iterator

LISTS = 38
FIXED = [
    "Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV",
    "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
    "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
    "Nuls", "% Nuls/inscrits", "% Nuls/votants",
]
BLOCK = ["Numéro de panneau", "Nuance liste", "Libellé abrégé de liste", "Libellé de liste", "Voix",
         "% Voix/inscrits", "% Voix/exprimés", "Sièges"]
HEADER = FIXED + [f"{column} {number}" for number in range(1, LISTS + 1) for column in BLOCK]
# (département, its name, commune, its name): polling stations go through them in turn.
COMMUNES = [
    ("01", "Ain", "01004", "Ambérieu-en-Bugey"),
    ("13", "Bouches-du-Rhône", "13055", "Marseille"),
    ("29", "Finistère", "29019", "Brest"),
    ("2A", "Corse-du-Sud", "2A004", "Ajaccio"),
    ("59", "Nord", "59350", "Lille"),
    ("69", "Rhône", "69123", "Lyon"),
    ("75", "Paris", "75056", "Paris"),
    ("92", "Hauts-de-Seine", "92040", "Issy-les-Moulineaux"),
    ("971", "Guadeloupe", "97105", "Basse-Terre"),
]
STATIONS_PER_COMMUNE = 400
NUANCES = ["LDIV", "LECO", "LFI", "LRN", "LUG", "LENS", "LLR", "LREC", "LCOM", "LEXG", "LDVD", "LDVG"]
THEMES = ["l’Europe des régions", "la paix et la souveraineté", "l’écologie populaire", "la démocratie directe",
          "les services publics", "l’agriculture française", "la défense des animaux", "une Europe fédérale"]
# (panneau, nuance, short label, label) of the 38 lists.
BLOCKS = [
    (str(number), NUANCES[number % len(NUANCES)], f"LISTE {number:02d} – {THEMES[number % len(THEMES)].upper()}",
     f"Pour {THEMES[number % len(THEMES)]} : liste n° {number} conduite par Hélène Lefèvre-Dupré")
    for number in range(1, LISTS + 1)
]


# The part of each list's block that is the same on every row: panneau, nuance, labels.
PREFIXES = [f'{panel};{nuance};{short};"{label}";' for panel, nuance, short, label in BLOCKS]


# "0,00%" to "100,00%", quoted as in the ministry's files: formatting each one costs more than the rest of a row.
PERCENTS = [f'"{hundredths // 100},{hundredths % 100:02d}%"' for hundredths in range(10001)]


def _percent(part: int, whole: int) -> str:
    return PERCENTS[(part * 10000 + whole // 2) // whole]


def _commune(index: int) -> tuple[str, str, str, str]:
    """The commune of the ``index``-th station: after the first round of
    the list, neighbouring codes, so that no station appears twice."""
    department, department_name, commune, commune_name = COMMUNES[index // STATIONS_PER_COMMUNE % len(COMMUNES)]
    cycle = index // (STATIONS_PER_COMMUNE * len(COMMUNES))
    if cycle:
        commune = f"{commune[:-3]}{(int(commune[-3:]) + cycle) % 1000:03d}"
        commune_name = f"{commune_name} ({cycle})"
    return department, department_name, commune, commune_name


def _line(index: int) -> str:
    department, department_name, commune, commune_name = _commune(index)
    registered = 700 + index * 37 % 900
    voters = registered * (45 + index % 17) // 100
    blank, void = voters // 60, voters // 150
    cast = voters - blank - void
    weights = [1 + (index + number * 7) % 23 for number in range(LISTS)]
    total = sum(weights)
    votes = [cast * weight // total for weight in weights]
    votes[0] += cast - sum(votes)  # every vote cast goes to a list
    fixed = (f'"{department}";{department_name};"{commune}";{commune_name};"{index % STATIONS_PER_COMMUNE + 1:04d}";'
             f"{registered};{voters};{_percent(voters, registered)};{registered - voters};"
             f"{_percent(registered - voters, registered)};{cast};{_percent(cast, registered)};{_percent(cast, voters)};"
             f"{blank};{_percent(blank, registered)};{_percent(blank, voters)};"
             f"{void};{_percent(void, registered)};{_percent(void, voters)};")
    blocks = [f"{prefix}{count};{_percent(count, registered)};{_percent(count, cast)};;"  # no seats by station
              for prefix, count in zip(PREFIXES, votes)]
    return fixed + "".join(blocks)[:-1]


def row(index: int) -> list[str]:
    """The cells of the ``index``-th polling station (0 for the first) once
    parsed: quotes removed."""
    return [cell.strip('"') for cell in _line(index).split(";")]


def chunks(rows: int, rows_per_chunk: int = 250) -> Iterator[bytes]:
    """The file of ``rows`` polling stations in cp1252, about a megabyte at a time."""
    yield (";".join(HEADER) + "\r\n").encode("cp1252")
    for start in range(0, rows, rows_per_chunk):
        lines = map(_line, range(start, min(start + rows_per_chunk, rows)))
        yield ("\r\n".join(lines) + "\r\n").encode("cp1252")
