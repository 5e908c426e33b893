"""The base of every ckanext-issy harvester, on ckanext-harvest's HarvesterBase.

Gather downloads each file of the source once (one file may hold several
items, e.g. several budget documents), reads it into items and gives each
item a content hash. Compared with the current harvest object of the same
item, an unchanged item becomes an ``unchanged`` object, recorded as complete
("not modified") by gather itself: it writes nothing and never goes through
the fetch queue; a new or changed one carries its content to the import
stage; an item gone from a file that was read successfully is withdrawn. A file that cannot be
downloaded or read changes nothing: its items are neither updated nor
withdrawn, and the error is recorded for the job.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins import PluginImplementations
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.interfaces import IHarvester
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra
from sqlalchemy import and_, or_, text
from sqlalchemy.orm import defer, selectinload

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.datastore import DataStoreError
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.language import _

log = logging.getLogger(__name__)

WITHDRAW_MODES = ("delete", "mark")
MAX_REPORTED = 20  # problems recorded per item; the rest are counted
# Stored in the harvest object's extras.
STATUS, HASH, CONFIG = "status", "content_hash", "config_hash"
SOURCE_URL, ETAG, LAST_MODIFIED, FILE_HASH = "source_url", "etag", "last_modified", "file_hash"


@dataclass(frozen=True)
class Item:
    """One unit of a source (one dataset), read from one file."""

    guid: str
    content: str  # JSON, stored in the harvest object for the import stage
    content_hash: str


class ConfigError(ValueError):
    """The source configuration is invalid; the message lists every problem."""


def _extras(obj: HarvestObject) -> dict[str, str]:
    return {extra.key: extra.value for extra in obj.extras}


def config_hash(config: dict[str, Any], publication: str = "") -> str:
    """What a file was read with: the source's configuration and the
    version of what the harvester publishes from it."""
    return hashlib.sha256((json.dumps(config, sort_keys=True) + publication).encode()).hexdigest()


class IssyHarvesterBase(HarvesterBase):
    """Shared gather / fetch / import logic; a source kind implements the hooks."""

    # --- hooks of a source kind -------------------------------------------
    # The setting that limits the size of the kind's downloads (declared with
    # a default in config_declarations/issy.yaml): election results need a
    # larger limit than budget files.
    max_bytes_option: str = http.MAX_BYTES
    # The version of what the kind publishes from an item (its description,
    # tables, resources): changing it makes the next job read every file
    # and publish every item again, instead of leaving datasets published
    # by an earlier version until their source file changes.
    publication: str = "1"

    def info(self) -> dict[str, str]:
        raise NotImplementedError

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The kind's own options, normalised, and the problems found."""
        raise NotImplementedError

    def file_urls(self, url: str, config: dict[str, Any]) -> list[str]:
        """What gather downloads for one URL of the source, read together by
        ``read_items``: the URL itself by default; a kind may download an
        API's export instead, or a companion file (two files of one table)."""
        return [url]

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        """Split the downloaded files of one URL (``file_urls``, each one's
        ``path``) into items; raises ReadError. The files are deleted when
        this returns."""
        raise NotImplementedError

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        """Publish one new or changed item; returns its dataset's id, or None
        after recording the errors with ``_save_object_error``."""
        raise NotImplementedError

    def report_problems(self, obj: HarvestObject, problems: Sequence[tuple[int, str]], prefix: str) -> None:
        """Records the first problems of an item (line, message) as import
        errors of its object, and how many more there are."""
        for line, message in problems[:MAX_REPORTED]:
            self._save_object_error(prefix + message, obj, "Import", line)
        if len(problems) > MAX_REPORTED:
            self._save_object_error(_("... and {count} more problems").format(
                count=len(problems) - MAX_REPORTED), obj, "Import")

    # --- configuration ----------------------------------------------------
    def validate_config(self, config: str | None) -> str:
        """Called by ckanext-harvest when a source is saved; raises with every problem."""
        normalised = self.load_config(config)
        return json.dumps(normalised, ensure_ascii=False, indent=2)

    def load_config(self, config: str | None) -> dict[str, Any]:
        try:
            raw = json.loads(config) if config and config.strip() else {}
        except json.JSONDecodeError as error:
            raise ConfigError(_("The configuration is not valid JSON: {error}").format(error=error))
        if not isinstance(raw, dict):
            raise ConfigError(_("The configuration must be a JSON object"))
        common, problems = self._parse_common(raw)
        own, own_problems = self.parse_config({k: v for k, v in raw.items() if k not in common})
        problems += own_problems
        if problems:
            raise ConfigError("; ".join(problems))
        return {**common, **own}

    def _parse_common(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        problems: list[str] = []
        urls = raw.get("urls", [])
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            problems.append(_('"urls" must be a list of URLs'))
            urls = []
        problems += url_problems(urls)
        withdraw = raw.get("withdraw", tk.config.get("ckanext.issy.harvest.withdraw"))
        if withdraw not in WITHDRAW_MODES:
            problems.append(_('"withdraw" must be "delete" or "mark"'))
        encoding = raw.get("encoding")
        if encoding is not None and not isinstance(encoding, str):
            problems.append(_('"encoding" must be the name of an encoding, e.g. "cp1252"'))
        common = {"urls": urls, "withdraw": withdraw}
        if encoding:
            common["encoding"] = encoding
        return common, problems

    @staticmethod
    def with_defaults(config: dict[str, Any], defaults: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A kind's options over its defaults, and an "unknown option" problem
        for each key it does not know (for ``parse_config``)."""
        problems = [_('unknown option "{key}"').format(key=key) for key in config if key not in defaults]
        return {**defaults, **{k: v for k, v in config.items() if k in defaults}}, problems

    @staticmethod
    def usual_problems(merged: dict[str, Any], defaults: dict[str, Any], strings: Sequence[str]) -> list[str]:
        """The checks of the options every kind has (for ``parse_config``):
        ``strings`` must be text (one that is not is reset to its default,
        for the checks that follow), ``tags`` a list of words and ``insee``
        a commune code."""
        problems = []
        for key in strings:
            if not isinstance(merged[key], str):
                problems.append(_('"{key}" must be a string').format(key=key))
                merged[key] = defaults[key]
        if not isinstance(merged["tags"], list) or not all(isinstance(t, str) and t for t in merged["tags"]):
            problems.append(_('"tags" must be a list of words'))
        if not re.fullmatch(r"\d[\dAB]\d{3}", merged["insee"]):
            problems.append(_('"insee" must be a commune code of 5 characters, e.g. "92040"'))
        return problems

    def source_problems(self, url: str, config: str | None) -> list[str]:
        """Why a source with this URL and configuration would be refused when
        saved (the same checks as ``validate_config`` plus its URL's)."""
        problems = url_problems([url])
        try:
            self.load_config(config)
        except ConfigError as error:
            problems.append(str(error))
        return problems

    # --- gather -----------------------------------------------------------
    def gather_stage(self, harvest_job: HarvestJob) -> list[str]:
        source = harvest_job.source
        try:
            config = self.load_config(source.config)
        except ConfigError as error:
            self._save_gather_error(str(error), harvest_job)
            return []
        previous = {
            obj.guid: obj for obj in model.Session.query(HarvestObject)
            # Gather compares hashes kept in the extras (loaded in one query); the
            # content, a whole document's rows (megabytes), is left in the database.
            .options(defer(HarvestObject.content), selectinload(HarvestObject.extras))
            .filter(HarvestObject.harvest_source_id == source.id, HarvestObject.current.is_(True))
        }
        urls = [source.url, *config["urls"]]
        settings = http.HttpSettings.from_config(self.max_bytes_option)
        seen: dict[str, str] = {}  # guid -> the file it came from
        read: set[str] = set()
        ids: list[str] = []
        for url in urls:
            file_objects = [obj for obj in previous.values() if _extras(obj).get(SOURCE_URL) == url]
            result = self._gather_file(harvest_job, url, settings, config, file_objects)
            if result is None:
                continue
            read.add(url)
            download, items = result
            if items is None:  # the same file as last time
                for obj in file_objects:
                    seen[obj.guid] = url
                    self._unchanged_object(harvest_job, obj.guid, obj.package_id, _extras(obj))
                continue
            for item in items:
                if item.guid in seen:
                    self._save_gather_error(
                        _("{guid} appears in {first} and in {second}; the second is ignored").format(
                            guid=item.guid, first=seen[item.guid], second=url), harvest_job)
                    continue
                seen[item.guid] = url
                extras = _file_extras(url, download, config_hash(config, self.publication))
                object_id = self._object_for(harvest_job, item, previous.get(item.guid), extras)
                if object_id is not None:
                    ids.append(object_id)
        for guid, obj in previous.items():
            came_from = _extras(obj).get(SOURCE_URL)
            # A dataset withdrawn with "mark" keeps its withdrawal current.
            withdrawn = _extras(obj).get(STATUS) == "delete"
            if guid not in seen and not withdrawn and (came_from in read or came_from not in urls):
                ids.append(self._new_object(harvest_job, guid, "delete", obj.package_id, {}))
        return ids

    def _gather_file(self, job: HarvestJob, url: str, settings: http.HttpSettings,
                     config: dict[str, Any], file_objects: list[HarvestObject],
                     ) -> tuple[http.Download, list[Item] | None] | None:
        """The download and items of one URL of the source (None when its files
        are those of the last run: a 304, or the same bytes), or None after
        recording why it failed. The download returned is the first file's,
        with the hash of all of them."""
        last = _extras(file_objects[0]) if file_objects else {}
        # Files harvested with another configuration must be read again, and
        # so must files one of whose datasets is gone (purged or deleted by
        # hand): an unchanged file would otherwise never publish it again.
        reusable = last.get(CONFIG) == config_hash(config, self.publication) and _published(file_objects)
        urls = self.file_urls(url, config)
        # Validators (ETag, Last-Modified) say whether one file changed, not several.
        validators = (last.get(ETAG), last.get(LAST_MODIFIED)) if reusable and len(urls) == 1 else (None, None)
        try:
            # Leaving the block deletes the downloaded files; their validators and hash stay.
            with ExitStack() as files:
                downloads = [files.enter_context(http.fetch(file_url, settings, *validators)) for file_url in urls]
                download = _combined(downloads)
                if download.not_modified or (reusable and download.sha256 == last.get(FILE_HASH)):
                    return download, None
                items = self.read_items(downloads, config)
        except (http.FetchError, ReadError) as error:
            log.warning("Harvest of %s: %s", url, error)
            self._save_gather_error(str(error), job)
            return None
        return download, items

    def _object_for(self, job: HarvestJob, item: Item, previous: HarvestObject | None,
                    extras: dict[str, str]) -> str | None:
        """The id of the object to fetch and import, or None when the item is unchanged."""
        extras = {**extras, HASH: hashlib.sha256((item.content_hash + extras[CONFIG]).encode()).hexdigest()}
        if previous is not None and _extras(previous).get(HASH) == extras[HASH] and _is_active(previous.package_id):
            self._unchanged_object(job, item.guid, previous.package_id, extras)
            return None
        status = "change" if previous is not None else "new"
        package_id = previous.package_id if previous is not None else None
        return self._new_object(job, item.guid, status, package_id, extras, item.content)

    @staticmethod
    def _object(job: HarvestJob, guid: str, status: str, package_id: str | None,
                extras: dict[str, str], content: str | None = None, **state: Any) -> HarvestObject:
        return HarvestObject(guid=guid, job=job, content=content, package_id=package_id,
                             extras=[HarvestObjectExtra(key=key, value=value)
                                     for key, value in {**extras, STATUS: status}.items()],
                             **state)

    @staticmethod
    def _new_object(job: HarvestJob, guid: str, status: str, package_id: str | None,
                    extras: dict[str, str], content: str | None = None) -> str:
        """An object for the fetch queue: committed now, before its id is sent."""
        obj = IssyHarvesterBase._object(job, guid, status, package_id, extras, content)
        obj.save()
        return obj.id

    @staticmethod
    def _unchanged_object(job: HarvestJob, guid: str, package_id: str | None, extras: dict[str, str]) -> None:
        """Records an unchanged item as ckanext-harvest's fetch stage records a
        fetch answering "unchanged" (complete, "not modified": the job report
        counts it), without sending it to the fetch queue, whose consumer would
        load the object again and update it four times to learn nothing. The
        previous object stays the current one.

        Only added to the session: ckanext-harvest commits it with the job's
        ``gather_finished`` when gather returns (``queue.gather_stage``, for
        the consumer and ``run-test`` alike), one commit where a commit of its
        own would cost a second one and an extra update of the job."""
        now = datetime.utcnow()
        model.Session.add(IssyHarvesterBase._object(
            job, guid, "unchanged", package_id, extras, state="COMPLETE",
            report_status="not modified", fetch_started=now, fetch_finished=now))

    # --- fetch and import -------------------------------------------------
    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        # Gather already downloaded the file: one file holds several items.
        return True

    def import_stage(self, harvest_object: HarvestObject) -> bool:
        status = _extras(harvest_object).get(STATUS)
        config = self.load_config(harvest_object.source.config)
        context = {"user": _harvest_user(), "ignore_auth": True}
        if status == "delete":
            self._withdraw(harvest_object, config["withdraw"], context)
            return True
        previous = _current_object(harvest_object)
        before = harvest_object.package_id
        if _is_active(before):
            # The update's index writes name this object (a new dataset is
            # linked by create_dataset).
            _link(harvest_object, before)
        message = None
        try:
            package_id = self.import_item(harvest_object, config, context)
        except tk.ValidationError as error:
            package_id, message = None, _("{guid}: the dataset was refused: {errors}").format(
                guid=harvest_object.guid, errors=error.error_summary)
        except DataStoreError as error:
            package_id, message = None, f"{harvest_object.guid}: {error}"
        except Exception:
            _abandon(harvest_object, before, previous, context)
            raise
        if package_id is None:
            _abandon(harvest_object, before, previous, context)
            if message:
                self._save_object_error(message, harvest_object, "Import")
            return False
        _link(harvest_object, package_id)
        model.Session.commit()
        return True

    def _withdraw(self, harvest_object: HarvestObject, mode: str, context: dict[str, Any]) -> None:
        """An item gone from its source: delete its dataset, or mark it withdrawn."""
        if not _is_active(harvest_object.package_id):
            _unlink(harvest_object, None)
        elif mode == "delete":
            tk.get_action("package_delete")(dict(context), {"id": harvest_object.package_id})
            _unlink(harvest_object, None)
        else:
            # Still published, so still linked to its source (the source page
            # lists it, harvest_source_clear removes it).
            _link(harvest_object, harvest_object.package_id)
            package = tk.get_action("package_show")(dict(context), {"id": harvest_object.package_id})
            extras = [e for e in package.get("extras", []) if e["key"] != "issy_withdrawn"]
            extras.append({"key": "issy_withdrawn", "value": date.today().isoformat()})
            tk.get_action("package_patch")(dict(context), {"id": package["id"], "extras": extras})


def issy_harvester(source_type: str | None) -> IssyHarvesterBase | None:
    """The loaded harvester of the extension for a source type, if any."""
    for harvester in PluginImplementations(IHarvester):
        if isinstance(harvester, IssyHarvesterBase) and harvester.info()["name"] == source_type:
            return harvester
    return None


def url_problems(urls: list[str]) -> list[str]:
    """The URLs of a source that would be refused, checked as far as possible
    without the network (http.Guard.check_url), with why."""
    guard = http.Guard(http.HttpSettings.from_config().allowed)
    problems = []
    for url in urls:
        try:
            guard.check_url(url)
        except http.RefusedAddress as error:
            problems.append(str(error))
    return problems


def create_dataset(harvest_object: HarvestObject, data: dict[str, Any],
                   context: dict[str, Any]) -> dict[str, Any]:
    """``package_create`` for a new item, linked to its source as ckanext-harvest's
    own harvesters link theirs: the dataset's id is chosen here and the harvest
    object made current for it before the dataset is first indexed, so that
    ckanext-harvest's ``before_dataset_index`` adds ``harvest_source_id`` and
    the harvest extras. The foreign key to the dataset is checked when the
    dataset's own commit creates it."""
    package_id = str(uuid.uuid4())
    _link(harvest_object, package_id, deferred=True)
    return tk.get_action("package_create")(dict(context), {**data, "id": package_id})


def _current_object(harvest_object: HarvestObject) -> HarvestObject | None:
    """The object that is current for the item before this one is imported."""
    return model.Session.query(HarvestObject).filter(
        HarvestObject.guid == harvest_object.guid,
        HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
        HarvestObject.current.is_(True),
        HarvestObject.id != harvest_object.id,
    ).first()


def _link(harvest_object: HarvestObject, package_id: str, deferred: bool = False) -> None:
    """Makes ``harvest_object`` the current object of its item and of its
    dataset. Flushed, not committed: the next action commits it with the
    dataset's index row, which then names the source."""
    model.Session.query(HarvestObject).filter(
        or_(and_(HarvestObject.guid == harvest_object.guid,
                 HarvestObject.harvest_source_id == harvest_object.harvest_source_id),
            HarvestObject.package_id == package_id),
        HarvestObject.current.is_(True),
        HarvestObject.id != harvest_object.id,
    ).update({"current": False}, synchronize_session="fetch")
    harvest_object.current = True
    harvest_object.package_id = package_id
    if deferred:  # the dataset does not exist yet
        model.Session.execute(text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
    model.Session.add(harvest_object)
    model.Session.flush()


def _unlink(harvest_object: HarvestObject, previous: HarvestObject | None) -> None:
    """After a failed import or a withdrawal: ``harvest_object`` is not
    current, and ``previous`` (the item's current object before the import,
    if any) is current again."""
    model.Session.query(HarvestObject).filter(
        HarvestObject.guid == harvest_object.guid,
        HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
        HarvestObject.current.is_(True),
    ).update({"current": False}, synchronize_session="fetch")
    harvest_object.current = False
    if previous is not None:
        previous.current = True
    model.Session.commit()


def _abandon(harvest_object: HarvestObject, before: str | None, previous: HarvestObject | None,
             context: dict[str, Any]) -> None:
    """After a failed import: the item's previous object is current again and
    nothing is half-published: a dataset this import created is purged (the
    next run creates it afresh)."""
    model.Session.rollback()
    created = harvest_object.package_id if harvest_object.package_id != before else None
    harvest_object.package_id = before  # purging the dataset would delete an object pointing at it
    _unlink(harvest_object, previous)
    if created and model.Package.get(created) is not None:
        tk.get_action("dataset_purge")(dict(context), {"id": created})


def _combined(downloads: list[http.Download]) -> http.Download:
    """The download that stands for the files of one URL: the first one, with
    a hash of all of them when there are several."""
    if len(downloads) == 1:
        return downloads[0]
    digest = hashlib.sha256("".join(d.sha256 or "" for d in downloads).encode()).hexdigest()
    return dataclasses.replace(downloads[0], sha256=digest, etag=None, last_modified=None)


def _file_extras(url: str, download: http.Download, read_with: str) -> dict[str, str]:
    return {
        SOURCE_URL: url,
        ETAG: download.etag or "",
        LAST_MODIFIED: download.last_modified or "",
        CONFIG: read_with,
        FILE_HASH: download.sha256 or "",
    }


def _harvest_user() -> str:
    """ckanext.harvest.user_name, or the site user. Not HarvesterBase._get_user_name:
    it creates the site user without committing it and caches its name."""
    return tk.config.get("ckanext.harvest.user_name") or tk.get_action("get_site_user")(
        {"ignore_auth": True}, {})["name"]


def _published(objects: list[HarvestObject]) -> bool:
    """Whether the datasets of these objects are all active, withdrawals
    aside (one query)."""
    wanted = {obj.package_id for obj in objects if _extras(obj).get(STATUS) != "delete"}
    if None in wanted:
        return False
    active = model.Session.query(model.Package.id).filter(
        model.Package.id.in_(wanted), model.Package.state == "active").count()
    return active == len(wanted)


def _is_active(package_id: str | None) -> bool:
    package = model.Package.get(package_id) if package_id else None
    return package is not None and package.state == "active"
