"""One answer of a parking source, whatever the ``format`` of its feeds:
which files to download (``file_urls``) and how to read them into one
:class:`model.Poll` (``read_poll``). The harvest job (the set of sites) and
the poller (the minute's observations) read a source the same way.

A source has one feed at its URL (``format`` and its options at the top of
the configuration), and may have more in ``feeds`` (each with its ``url``),
such as garages and on-street sensors published as two datasets: they make
one dataset. Each feed's ``format``:

- ``ods``: an Opendatasoft real-time dataset (``dataset``) of the portal at
  the source's URL, read from its CSV export with ``mapping``;
- ``json`` / ``csv``: a plain feed at the source's URL, read with ``mapping``;
- ``datex``: a DATEX II v2 ParkingStatusPublication at the source's URL,
  joined with the ParkingTablePublication at ``table_url``;
- ``bnls`` (in ``feeds`` only): the national description of car parks
  (``bnls.py``), the garages of the source's ``insee``. It says nothing
  live: it completes the live feeds' garages of the same id (capacity,
  position, a name where they give none) and adds the garages they do not
  mention, whose state stays unknown.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ckanext.issy.harvesters.core import http, ods, reading
from ckanext.issy.harvesters.parking_feeds import bnls, datex, mapped, model
from ckanext.issy.harvesters.parking_feeds.mapping import mapping_problems
from ckanext.issy.language import _

FORMATS = ("ods", "json", "csv", "datex", "bnls")
MAPPED = ("ods", "json", "csv")
DESCRIPTIONS = ("bnls",)  # feeds of sites without observations
FEED_KEYS = ("format", "dataset", "table_url", "mapping")


def config_problems(config: dict[str, Any]) -> list[str]:
    """What is wrong with the feeds of a source configuration."""
    feeds = config.get("feeds")
    if not isinstance(feeds, list) or not all(isinstance(f, dict) for f in feeds):
        return [_('"feeds" must be a list of objects (each with "url", "format" and its options)')]
    problems = _feed_problems(config)
    if config.get("format") in DESCRIPTIONS:
        problems.append(_('"format": "{format}" describes car parks without live data: it goes in "feeds", '
                          'after a live feed (ods, json, csv or datex)').format(format=config["format"]))
    for number, other in enumerate(feeds, start=1):
        unknown = [key for key in other if key not in (*FEED_KEYS, "url")]
        found = [_('unknown option "{key}"').format(key=key) for key in unknown]
        if not isinstance(other.get("url"), str) or not other["url"]:
            found.append(_('"url" is required'))
        found += _feed_problems({"dataset": "", "table_url": "", "mapping": {}, **other})
        problems += [_('"feeds", feed {number}: {problem}').format(number=number, problem=problem)
                     for problem in found]
    return problems


def _feed_problems(config: dict[str, Any]) -> list[str]:
    fmt = config.get("format")
    if fmt not in FORMATS:
        return [_('"format" must be one of {formats}').format(formats=", ".join(FORMATS))]
    problems = []
    if fmt == "ods" and not config.get("dataset"):
        problems.append(_('"dataset": the id of the Opendatasoft dataset is required with "format": "ods"'))
    if fmt == "datex" and not config.get("table_url"):
        problems.append(_('"table_url": the URL of the ParkingTablePublication is required with "format": "datex"'))
    if fmt in MAPPED:
        problems += [_('"mapping": {problem}').format(problem=problem)
                     for problem in mapping_problems(config.get("mapping"))]
    elif config.get("mapping"):
        problems.append(_('"mapping" is not used with "format": "{format}"').format(format=fmt))
    return problems


def _feeds(url: str, config: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**config, "url": url}, *({"dataset": "", "table_url": "", "mapping": {}, **f} for f in config["feeds"])]


def _files(config: dict[str, Any]) -> int:
    return 2 if config["format"] == "datex" else 1


def file_urls(url: str, config: dict[str, Any], settings: http.HttpSettings) -> list[str]:
    """The files of one answer of every feed, in the order ``read_poll`` reads them."""
    return [file for one in _feeds(url, config) for file in _feed_files(one["url"], one, settings)]


def _feed_files(url: str, config: dict[str, Any], settings: http.HttpSettings) -> list[str]:
    if config["format"] == "ods":
        return [ods.Client(url, settings).export_url(config["dataset"])]
    if config["format"] == "datex":
        return [config["table_url"], url]
    return [url]


def read_poll(downloads: Sequence[http.Download], config: dict[str, Any], now: datetime) -> model.Poll:
    """The sites and observations of one answer of every feed (``now``: when
    it was received); raises ReadError when one cannot be read at all. A
    site that two live feeds describe is kept from the first."""
    poll, start = model.Poll(), 0
    descriptions: list[model.Poll] = []
    for one in _feeds("", config):
        part = _read_feed(downloads[start:start + _files(one)], {**one, "insee": config["insee"]}, now)
        start += _files(one)
        poll.problems += part.problems
        if one["format"] in DESCRIPTIONS:
            descriptions.append(part)
            continue
        taken = set(poll.sites) | {o.site_id for o in poll.observations}
        twice = sorted(taken & (set(part.sites) | {o.site_id for o in part.observations}))
        poll.problems += [_("{file}: site {id} is already in another feed of the source: left out").format(
            file=downloads[start - 1].url, id=site_id) for site_id in twice]
        poll.sites.update({k: v for k, v in part.sites.items() if k not in taken})
        poll.observations += [o for o in part.observations if o.site_id not in taken]
    for description in descriptions:
        for site_id, site in description.sites.items():
            poll.sites[site_id] = _completed(poll.sites[site_id], site) if site_id in poll.sites else site
    return poll


def _completed(live: model.Site, described: model.Site) -> model.Site:
    """A live feed's site with what it lacks taken from its description."""
    return replace(live, name=live.name if live.name != live.id else described.name,
                   capacity=live.capacity if live.capacity is not None else described.capacity,
                   lat=live.lat if live.lat is not None else described.lat,
                   lon=live.lon if live.lon is not None else described.lon)


def _read_feed(downloads: Sequence[http.Download], config: dict[str, Any], now: datetime) -> model.Poll:
    fmt, first = config["format"], downloads[0]
    assert first.path is not None, "a feed is read from its body"
    if fmt == "bnls":
        with reading.iter_csv(first.path, first.url, declared=first.charset) as stream:
            return bnls.read_bnls(stream, config["insee"], first.url)
    if fmt == "datex":
        table = datex.read_table(first.path, first.url)
        status = downloads[1]
        assert status.path is not None
        observed = datex.read_status(status.path, status.url, table.sites)
        return model.Poll(table.sites, observed.observations, table.problems + observed.problems)
    if fmt == "json":
        try:
            data = json.loads(first.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise reading.ReadError(_("{file}: the answer is not valid JSON: {error}").format(
                file=first.url, error=error)) from error
        return mapped.read_json_records(data, config["mapping"], now, first.url)
    stream = (ods.read_export(first) if fmt == "ods"
              else reading.iter_csv(first.path, first.url, declared=first.charset))
    with stream:
        return mapped.read_csv_records(stream, config["mapping"], now, first.url)
