"""The real-time parking poller: ``ckan issy parking poll`` (docs/harvesters.md).

Every interval, each active ``issy_parking`` source whose dataset its harvest
job has published is polled by ONE poller, wherever several run: a Redis key
set with ``NX`` and an expiry of a little less than the interval is the
lock, never released by hand, so that a second poller in the same interval
skips the source and a poller that dies loses it by expiry.

A poll reads the feed with the core's HTTP and reading modules, merges it
with the stored current state (``parking_tables.merged``) and writes, through
the DataStore's write engine (``core/datastore_rows``), only the rows that
changed; the dataset itself is not touched, so a poll makes no revision,
activity, search reindex or harvest job. A feed that cannot be read changes
no state, but marks the rows stale once the last successful poll is older
than the threshold. A history sample is appended once per
``history_minutes`` slot, and once an hour old samples are rolled up and
old roll-ups pruned. When the feed describes sites the dataset does not
list, a harvest job of the source is asked for (at most once an hour).

Redis keys, per source: ``issy:parking:<source id>:`` + ``lock``,
``last_success`` (ISO time), ``missing`` (hash: site id -> missing since),
``sample:<slot>``, ``maintenance:<hour>``, ``job_requested``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model as ckan_model
from ckan.lib.redis import connect_to_redis
from ckanext.harvest.model import HarvestObject, HarvestSource
from redis import Redis

from ckanext.issy.harvesters import parking, parking_tables as tables
from ckanext.issy.harvesters.core import datastore_rows, http
from ckanext.issy.harvesters.core.base import ConfigError, MAX_REPORTED, issy_harvester
from ckanext.issy.harvesters.core.datastore import DataStoreError
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.parking_feeds import feed
from ckanext.issy.language import _

log = logging.getLogger(__name__)
SOURCE_TYPE = "issy_parking"
JOB_REQUEST_EVERY = 3600  # seconds between two harvest jobs asked for by the poller


@dataclass(frozen=True)
class PollSettings:
    interval: int  # seconds
    stale_after: timedelta
    history_every: timedelta
    retention: timedelta
    rollup_retention: timedelta

    @classmethod
    def from_config(cls) -> "PollSettings":
        get = lambda key: max(tk.asint(tk.config.get(f"ckanext.issy.parking.{key}")), 1)  # noqa: E731
        return cls(get("interval"), timedelta(minutes=get("stale_after")),
                   timedelta(minutes=get("history_minutes")), timedelta(days=get("retention_days")),
                   timedelta(days=get("rollup_retention_days")))


@dataclass
class Outcome:
    """What a poll of one source did, for the command's output."""

    source_id: str
    source: str  # its title
    status: str  # POLLED, FAILED, LOCKED, WAITING
    written: int = 0  # current-state rows written
    sampled: int = 0  # history rows appended
    problems: list[str] = field(default_factory=list)
    error: str = ""


POLLED, FAILED, LOCKED, WAITING = "polled", "failed", "locked", "waiting"


@dataclass(frozen=True)
class Tables:
    """The resources of a source's published dataset."""

    current: str
    history: str
    sites_hash: str


def _key(source_id: str, *parts: str) -> str:
    return ":".join(("issy", "parking", source_id, *parts))


def published(source_id: str) -> Tables | None:
    """The tables of the source's dataset, or None before its first harvest job."""
    package_id = ckan_model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True),
        HarvestObject.guid == parking.GUID).scalar()
    if package_id is None:
        return None
    try:
        package = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    except tk.ObjectNotFound:
        return None
    resources = {r.get("issy_role"): r for r in package["resources"]}
    if package["state"] != "active" or not {parking.CURRENT, parking.HISTORY, parking.SITES} <= set(resources):
        return None
    return Tables(resources[parking.CURRENT]["id"], resources[parking.HISTORY]["id"],
                  resources[parking.SITES].get(parking.SITES_HASH, ""))


def _time(text: bytes | None) -> datetime | None:
    return datetime.fromisoformat(text.decode()) if text else None


def last_success(redis: Redis, source_id: str) -> datetime | None:
    """When the source was last polled successfully (the health check reads it too)."""
    return _time(redis.get(_key(source_id, "last_success")))


class SourcePoller:
    """Polls one source (``source``: a HarvestSource)."""

    def __init__(self, source: Any, redis: Redis, settings: PollSettings) -> None:
        self.source, self.redis, self.settings = source, redis, settings

    def key(self, *parts: str) -> str:
        return _key(self.source.id, *parts)

    def poll(self, now: datetime) -> Outcome:
        outcome = Outcome(self.source.id, self.source.title or self.source.url, WAITING)
        harvester = issy_harvester(SOURCE_TYPE)
        assert harvester is not None, "the issy_parking_harvester plugin is loaded"
        try:
            config = harvester.load_config(self.source.config)
        except ConfigError as error:
            outcome.status, outcome.error = FAILED, str(error)
            return outcome
        target = published(self.source.id)
        if target is None:
            self._request_job()
            outcome.error = _("waiting for the source's first harvest job to publish its dataset")
            return outcome
        lock = int(self.settings.interval * 1000 * 0.9)  # free again before the next interval's poll
        if not self.redis.set(self.key("lock"), now.isoformat(), nx=True, px=lock):
            outcome.status = LOCKED
            return outcome
        try:
            self._poll(target, config, now, outcome)
        except DataStoreError as error:
            outcome.status, outcome.error = FAILED, str(error)
        return outcome

    def _poll(self, target: Tables, config: dict[str, Any], now: datetime, outcome: Outcome) -> None:
        previous = {row[0]: row for row in datastore_rows.read_rows(target.current, tables.CURRENT)}
        try:
            poll = self._read(config, now)
        except (http.FetchError, ReadError) as error:
            outcome.status, outcome.error = FAILED, str(error)
            last = last_success(self.redis, self.source.id)
            staleness = tables.Staleness(tables.is_stale(last, now, self.settings.stale_after))
            rows, _problems = tables.merged(previous, None, now, staleness)
            outcome.written = self._write(target.current, previous, rows)
            return
        outcome.status, outcome.problems = POLLED, list(poll.problems)
        present = set(poll.sites) | {observation.site_id for observation in poll.observations}
        staleness = tables.Staleness(tables.is_stale(tables.newest_time(poll) or now, now, self.settings.stale_after),
                                     self._missing_too_long(set(previous) - present, present, now))
        rows, problems = tables.merged(previous, poll, now, staleness)
        outcome.problems += problems
        outcome.written = self._write(target.current, previous, rows)
        self.redis.set(self.key("last_success"), now.isoformat())
        outcome.sampled = self._sample(target.history, rows, now)
        self._maintain(target.history, now)
        if tables.sites_hash(tables.site_list(rows.values())) != target.sites_hash:
            self._request_job()

    def _read(self, config: dict[str, Any], now: datetime) -> Any:
        settings = parking.settings()
        with ExitStack() as files:
            downloads = [files.enter_context(http.fetch(url, settings))
                         for url in feed.file_urls(self.source.url, config, settings)]
            return feed.read_poll(downloads, config, now)

    def _missing_too_long(self, missing: set[str], present: set[str], now: datetime) -> frozenset[str]:
        """The sites missing from the feed for longer than the threshold (kept in Redis)."""
        key = self.key("missing")
        if present:
            self.redis.hdel(key, *present)
        for site_id in missing:
            self.redis.hsetnx(key, site_id, now.isoformat())
        since = self.redis.hgetall(key)
        return frozenset(site.decode() for site, moment in since.items()
                         if site.decode() in missing and tables.is_stale(_time(moment), now, self.settings.stale_after))

    @staticmethod
    def _write(resource_id: str, previous: dict[str, tables.Row], rows: dict[str, tables.Row]) -> int:
        changed = tables.changed(previous, rows)
        if changed:
            datastore_rows.upsert(resource_id, tables.CURRENT, changed, tables.KEY)
        return len(changed)

    def _slot(self, now: datetime, every: timedelta, name: str) -> datetime | None:
        """The start of ``now``'s slot of length ``every`` if no poller has
        claimed it yet (then this one has), else None."""
        seconds = int(every.total_seconds())
        start = int(now.timestamp()) // seconds * seconds
        claimed = self.redis.set(self.key(name, str(start)), "1", nx=True, ex=2 * seconds)
        return datetime.fromtimestamp(start, timezone.utc) if claimed else None

    def _sample(self, history: str, rows: dict[str, tables.Row], now: datetime) -> int:
        slot = self._slot(now, self.settings.history_every, "sample")
        if slot is None:
            return 0
        samples = tables.history_rows(rows.values(), slot)
        if samples:
            datastore_rows.append(history, tables.HISTORY, samples)
        return len(samples)

    def _maintain(self, history: str, now: datetime) -> None:
        """Once an hour: samples past the retention rolled up by hour, roll-ups past theirs deleted."""
        if self._slot(now, timedelta(hours=1), "maintenance") is None:
            return
        # Whole hours only: an hour's samples are rolled up together, never split across two roll-ups.
        before = (now - self.settings.retention).replace(minute=0, second=0, microsecond=0)
        rolled = datastore_rows.roll_up(history, tables.HISTORY, "time", before,
                                        tables.ROLL_UP_KEYS, tables.ROLL_UP, ("resolution", tables.SAMPLE, tables.HOUR))
        deleted = datastore_rows.delete_older_than(history, "time", now - self.settings.rollup_retention)
        log.info("Parking history of %s: %d samples rolled up, %d roll-ups deleted", self.source.title, rolled, deleted)

    def _request_job(self) -> None:
        """A harvest job for the source, at most once an hour (a job that
        fails would otherwise be asked for every minute)."""
        if not self.redis.set(self.key("job_requested"), "1", nx=True, ex=JOB_REQUEST_EVERY):
            return
        try:
            tk.get_action("harvest_job_create")({"ignore_auth": True, "user": ""}, {"source_id": self.source.id})
        except Exception as error:  # HarvestJobExists (not exported), a source just deactivated...
            log.info("No harvest job created for %s: %s", self.source.title, error)


def sources() -> Iterator[Any]:
    yield from HarvestSource.filter(active=True, type=SOURCE_TYPE).order_by(HarvestSource.title)


def poll_all(now: datetime | None = None) -> list[Outcome]:
    """One poll of every active parking source."""
    settings, redis = PollSettings.from_config(), connect_to_redis()
    outcomes = []
    for source in list(sources()):
        try:
            outcomes.append(SourcePoller(source, redis, settings).poll(now or datetime.now(timezone.utc)))
        except Exception as error:  # one source's failure must not stop the others' polls
            log.exception("Poll of parking source %s failed", source.title)
            ckan_model.Session.rollback()
            outcomes.append(Outcome(source.id, source.title or source.url, FAILED, error=repr(error)))
    ckan_model.Session.remove()  # a long-running process: no session kept between polls
    return outcomes


def describe(outcome: Outcome) -> list[str]:
    """The lines the command prints for one source's poll."""
    if outcome.status == POLLED:
        lines = [_("{source}: polled, {written} rows of the current state written, {sampled} history rows").format(
            source=outcome.source, written=outcome.written, sampled=outcome.sampled)]
    elif outcome.status == LOCKED:
        lines = [_("{source}: already polled by another poller in this interval").format(source=outcome.source)]
    else:
        lines = [_("{source}: not polled: {error}").format(source=outcome.source, error=outcome.error)]
        if outcome.written:
            lines.append(_("{source}: {written} rows flagged stale").format(source=outcome.source,
                                                                           written=outcome.written))
    lines += [f"{outcome.source}: {problem}" for problem in outcome.problems[:MAX_REPORTED]]
    if len(outcome.problems) > MAX_REPORTED:
        lines.append(_("... and {count} more problems").format(count=len(outcome.problems) - MAX_REPORTED))
    return lines
