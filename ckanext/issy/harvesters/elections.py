"""Election harvester. Source type ``issy_elections``: results by polling
station, one dataset per election and round with two long tables (turnout,
and results by candidate or list), from four kinds of source chosen by the
configuration's ``format``:

- ``miom_a`` / ``miom_b``: the Ministry of the Interior's files of 2017–2022
  and of 2024 onwards (``election_formats/wide.py``), one election per file;
- ``datagouv``: data.gouv.fr's long format, two files holding every
  election (``election_formats/long.py``);
- ``ods``: an Opendatasoft dataset read through a field mapping
  (``election_formats/ods.py``), one election per dataset.

A national file yields the stations of the commune of ``insee`` only,
read as a stream. Every round is typed and checked by
``election_formats/model.py`` before anything is published.

With ``stations_url``, the polling stations' locations or contours (GeoJSON,
Etalab's national file included) are read whenever the results are, and
the commune's are published with each round (``election_formats/stations.py``);
a stations file that cannot be read leaves the last good one in place and
never holds the results back. With ``turnout_hours_url``, the voters
counted at each hour of polling day (``election_formats/hours.py``) are
published as a third table, on the same terms.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import ckan.plugins.toolkit as tk
from babel.dates import format_date
from babel.numbers import format_decimal
from ckanext.harvest.model import HarvestObject

from ckanext.issy.harvesters.core import http, ods as ods_api, publish, reading
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, Item, url_problems
from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.harvesters.election_formats import columns, hours, long, model, ods, stations, wide
from ckanext.issy.language import _

log = logging.getLogger(__name__)

FORMATS = ("miom_a", "miom_b", "datagouv", "ods")
ONE_ELECTION = ("miom_a", "miom_b", "ods")  # formats whose files hold a single election
NEVER = "http://publications.europa.eu/resource/authority/frequency/NEVER"
DEFAULTS: dict[str, Any] = {
    "format": "",
    "election": "",  # data.gouv.fr's id: 2024_euro_t1
    "date": "",  # the polling day, when model.DATES does not know it
    "elections": [],  # datagouv: the ids to publish (all by default)
    "dates": {},  # datagouv: polling days of ids model.DATES does not know
    "candidates_url": "",  # datagouv: the candidates_results file
    "dataset": "",  # ods: the dataset's id on the portal of the source's URL
    "mapping": {},  # ods: election_formats/ods.py
    "stations_url": "",  # polling-station locations or contours (GeoJSON), published with every round
    "turnout_hours_url": "",  # the voters counted at each hour of polling day, by station (CSV)
    "turnout_hours_unit": "votants",  # its cells: voters counted, or "percent" (turnout)
    "small_commune": False,  # under 1,000 inhabitants: panachage until 2020
    "group": "elections",
    "group_title": "Élections",
    "tags": ["élections"],
    "license_id": "lov2",
    "commune": "Issy-les-Moulineaux",
    "insee": "92040",
    "title_suffix": "",
    "notes": "",
}
STRINGS = ("format", "election", "date", "candidates_url", "dataset", "stations_url", "turnout_hours_url",
           "turnout_hours_unit", "group", "group_title", "license_id", "commune", "insee", "title_suffix", "notes")


def _date_problems(election: str, date: str) -> list[str]:
    if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return [_('"date" must be a date written 2024-06-09')]
    if not date and election not in model.DATES:
        return [_('"date": the polling day of {election} is not known, give it').format(election=election)]
    return []


def _election_problems(election: Any, key: str) -> list[str]:
    try:
        model.election_parts(election)
    except (TypeError, ValueError):
        return [_('"{key}": "{value}" is not an election id such as "2024_euro_t1" '
                  '(year, pres/legi/euro/muni/dpmt/cant/regi, round)').format(key=key, value=election)]
    return []


def _format_problems(config: dict[str, Any]) -> list[str]:
    kind = config["format"]
    if kind not in FORMATS:
        return [_('"format" must be one of: {formats}').format(formats=", ".join(FORMATS))]
    problems: list[str] = []
    if kind in ONE_ELECTION:
        problems += _election_problems(config["election"], "election")
        if not problems:
            problems += _date_problems(config["election"], config["date"])
    if kind == "datagouv":
        if not config["candidates_url"]:
            problems.append(_('"candidates_url": the candidates_results file is needed with "datagouv"'))
        for election in config["elections"] if isinstance(config["elections"], list) else [None]:
            problems += _election_problems(election, "elections")
        if not isinstance(config["dates"], dict):
            problems.append(_('"dates" must map election ids to dates'))
        else:
            for election, date in config["dates"].items():
                problems += _election_problems(election, "dates") + _date_problems(election, str(date))
    if kind == "ods":
        if not config["dataset"]:
            problems.append(_('"dataset": the id of the Opendatasoft dataset is needed with "ods"'))
        problems += ods.mapping_problems(config["mapping"])
    return problems


def _round_date(election: str, config: dict[str, Any]) -> str | None:
    """The polling day: the source's, else the one known (None: unknown)."""
    if config["format"] in ONE_ELECTION and config["date"]:
        return config["date"]
    return config["dates"].get(election) or model.DATES.get(election)


def _guid(election: str, config: dict[str, Any]) -> str:
    return f"{election}-{config['insee']}"


def _items(rounds: Sequence[model.Round], source_url: str, config: dict[str, Any],
           companions: dict[str, Any]) -> list[Item]:
    items = []
    for election_round in rounds:
        content = json.dumps({**election_round.to_json(), "source_url": source_url, **companions},
                             ensure_ascii=False)
        items.append(Item(_guid(election_round.election, config), content,
                          hashlib.sha256(content.encode()).hexdigest()))
    return items


def _stream(download: http.Download, config: dict[str, Any], fixed_width: bool = True) -> reading.CsvStream:
    assert download.path is not None
    return reading.iter_csv(download.path, http.file_name(download.url), config.get("encoding"), download.charset,
                            fixed_width=fixed_width)


def _read_file(url: str, settings: http.HttpSettings, read: Callable[[http.Download], Any]) -> tuple[Any, str]:
    """What ``read`` makes of the file at ``url``, or why it could not."""
    try:
        with http.fetch(url, settings) as download:
            return read(download), ""
    except (http.FetchError, reading.ReadError) as error:
        log.warning("Election file %s: %s", url, error)
        return None, str(error)


def _read_places(download: http.Download, config: dict[str, Any]) -> list[dict[str, Any]]:
    assert download.path is not None
    found = stations.read_locations(download.path, http.file_name(download.url), config["insee"])
    return [location.feature() for location in found]


def _read_hours(download: http.Download, config: dict[str, Any]) -> dict[str, Any]:
    with _stream(download, config) as stream:
        return hours.read_hours(stream, http.file_name(download.url))


def read_companions(config: dict[str, Any], settings: http.HttpSettings) -> dict[str, Any]:
    """The files that come with the results, read whenever they are: the
    polling stations' places (``locations``: GeoJSON features) and the
    turnout over the day (``hours``), each with why it could not be read
    (``…_problem``): the results go on without them."""
    found: dict[str, Any] = {}
    for key, url, read in (("locations", config["stations_url"], _read_places),
                           ("hours", config["turnout_hours_url"], _read_hours)):
        if url:
            found[key], found[f"{key}_problem"] = _read_file(url, settings, lambda d, read=read: read(d, config))
    return found


def read_rounds(downloads: Sequence[http.Download], config: dict[str, Any]) -> list[model.Round]:
    """The rounds of the commune in the files of one URL of the source."""
    kind, insee, name = config["format"], config["insee"], config["commune"]
    if kind == "datagouv":
        general, candidates = downloads
        with _stream(general, config) as first, _stream(candidates, config) as second:
            return long.read_long(first, second, insee, http.file_name(general.url), config["elections"] or None,
                                  candidates_file=http.file_name(candidates.url))
    (download,) = downloads
    if kind == "ods":
        with ods_api.read_export(download) as stream:
            return [ods.read_mapped(stream, config["mapping"], config["election"], insee, name,
                                    http.file_name(download.url))]
    reader = wide.read_format_a if kind == "miom_a" else wide.read_format_b
    with _stream(download, config, fixed_width=kind != "miom_a") as stream:
        return [reader(stream, config["election"], insee, name, http.file_name(download.url))]


def package_dict(election_round: model.Round, tables: model.Tables, config: dict[str, Any],
                 owner_org: str, date: str) -> dict[str, Any]:
    year, kind, number = model.election_parts(election_round.election)
    title = model.election_title(election_round.election)
    totals = {name: format_decimal(count, locale="fr_FR") for name, count in tables.totals.items()}
    polling_day = format_date(datetime.date.fromisoformat(date), format="long", locale="fr_FR")
    # Dataset content is stored in French, the site's language of record; the
    # commune's totals are derived from its stations, never read from a file.
    notes = (
        f"{title} à {config['commune']} (INSEE {config['insee']}) : résultats par bureau de vote "
        f"({len(tables.turnout)} bureaux), participation et voix de chaque candidat ou liste, "
        f"scrutin du {polling_day}.\n\n"
        f"Pour la commune : {totals['inscrits']} inscrits, {totals['votants']} votants, "
        f"{totals['exprimes']} suffrages exprimés.\n\n"
        f"Chaque ligne porte la clé nationale du bureau de vote (id_brut_miom, par exemple "
        f"{tables.turnout[0][1]}), celle des contours des bureaux de vote publiés par Etalab "
        f"(codeBureauVote).\n\nFichier d'origine : {election_round.file}."
    )
    if config["notes"]:
        notes += "\n\n" + config["notes"]
    extras = {**publish.coverage_extras(date, date, NEVER, config), "election_id": election_round.election}
    round_tag = "1er tour" if number == 1 else "2d tour"
    return {
        "title": title + config["title_suffix"],
        "owner_org": owner_org,
        "notes": notes,
        "license_id": config["license_id"],
        "tags": [{"name": tag} for tag in dict.fromkeys((*config["tags"], model.TYPE_TAGS[kind], round_tag, str(year)))],
        "groups": [{"name": config["group"]}],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
    }


class ElectionResultsHarvester(IssyHarvesterBase):
    """Source type ``issy_elections``: election results by polling station."""

    max_bytes_option = "ckanext.issy.harvest.elections.max_bytes"

    def info(self) -> dict[str, str]:
        return {
            "name": "issy_elections",
            "title": _("Election results by polling station"),
            "description": _("Results of the Ministry of the Interior (files of 2017–2022 and of 2024 onwards), "
                             "of data.gouv.fr's long format or of an Opendatasoft dataset, one dataset per "
                             "election and round"),
        }

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        merged, problems = self.with_defaults(config, DEFAULTS)
        problems += self.usual_problems(merged, DEFAULTS, STRINGS)
        if not isinstance(merged["small_commune"], bool):
            problems.append(_('"small_commune" must be true or false'))
        problems += url_problems([url for url in (merged["candidates_url"], merged["stations_url"],
                                                  merged["turnout_hours_url"]) if url])
        if merged["turnout_hours_unit"] not in hours.UNITS:
            problems.append(_('"turnout_hours_unit" must be one of: {units}').format(units=", ".join(hours.UNITS)))
        return merged, problems + _format_problems(merged)

    def file_urls(self, url: str, config: dict[str, Any]) -> list[str]:
        if config["format"] == "datagouv":
            return [url, config["candidates_url"]]
        if config["format"] == "ods":
            # The source's URL is the portal's; its dataset is read from its CSV export.
            settings = http.HttpSettings.from_config(self.max_bytes_option)
            return [ods_api.Client(url, settings).export_url(config["dataset"])]
        return [url]

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        rounds = read_rounds(downloads, config)
        companions = read_companions(config, http.HttpSettings.from_config(self.max_bytes_option))
        return _items(rounds, downloads[0].url, config, companions)

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        with collector_paused():
            data = json.loads(obj.content)
            election_round = model.Round.from_json(data)
        try:
            tables = model.typed_tables(election_round, config["small_commune"])
        except model.RoundProblems as error:
            self.report_problems(obj, error.problems, _("The results are not published: "))
            return None
        date = _round_date(election_round.election, config)
        if date is None:  # an election of a long file that model.DATES does not know
            self.report_problems(obj, [(0, _('"dates": the polling day of {election} is not known, give it').format(
                election=election_round.election))], _("The results are not published: "))
            return None
        owner_org = tk.get_action("package_show")(dict(context), {"id": obj.source.id})["owner_org"]
        publish.ensure_group(config["group"], config["group_title"], context)
        wanted = package_dict(election_round, tables, config, owner_org, date)
        slug = re.sub(r"[^a-z0-9]+", "-", election_round.election.replace("_", "-"))
        data_tables = [
            publish.Table("turnout", _("Turnout by polling station (CSV)"), f"participation-{slug}.csv",
                          columns.TURNOUT, tables.turnout),
            publish.Table("results", _("Results by polling station and candidate (CSV)"), f"resultats-{slug}.csv",
                          columns.RESULTS, tables.results),
        ]
        links = [publish.Link("source", _("Original file: {name}").format(name=election_round.file), data["source_url"])]
        files, keep = self._places(obj, data, config, slug)
        hour_tables, hours_kept = self._hours(obj, data, election_round.election, tables, config, slug)
        data_tables += hour_tables
        keep += hours_kept
        if config["stations_url"]:
            links.append(publish.Link("stations_source", _("Polling stations: original file"), config["stations_url"],
                                      "GeoJSON"))
        return publish.publish(obj, wanted, data_tables, links, context, files, keep)

    def _places(self, obj: HarvestObject, data: dict[str, Any], config: dict[str, Any],
                slug: str) -> tuple[list[publish.File], list[str]]:
        """The file of the commune's polling stations, or the role to keep
        (the last good file) when the source's could not be read."""
        if data.get("locations"):
            return [publish.File("stations", _("Polling stations of the commune (GeoJSON)"),
                                 f"bureaux-de-vote-{slug}.geojson", "GeoJSON", "application/geo+json",
                                 stations.feature_collection(data["locations"]))], []
        if data.get("locations_problem"):
            self._save_object_error(_("The polling stations were not updated (the last ones read stay): {reason}")
                                    .format(reason=data["locations_problem"]), obj, "Import")
        return [], ["stations"] if config["stations_url"] else []

    def _hours(self, obj: HarvestObject, data: dict[str, Any], election: str, tables: model.Tables,
               config: dict[str, Any], slug: str) -> tuple[list[publish.Table], list[str]]:
        """The table of the turnout over the day, or the role to keep (the
        last good table) when the source's file could not be read or typed."""
        if not config["turnout_hours_url"]:
            return [], []
        prefix = _("The turnout over the day was not updated (the last one read stays): ")
        if data.get("hours"):
            registered = {row[1]: row[5] for row in tables.turnout}
            try:
                rows = hours.typed_rows(data["hours"], election, config["insee"], registered,
                                        config["turnout_hours_unit"])
                return [publish.Table("turnout_hours", _("Turnout over polling day by polling station (CSV)"),
                                      f"participation-horaire-{slug}.csv", hours.COLUMNS, rows)], []
            except model.RoundProblems as error:
                self.report_problems(obj, error.problems, prefix)
        elif data.get("hours_problem"):
            self._save_object_error(prefix + data["hours_problem"], obj, "Import")
        return [], ["turnout_hours"]
