"""The ``ckan issy`` command group (plugin ``issy``): the extension's commands
for city IT. Later features add their commands to this group."""
from __future__ import annotations

import click
from ckanext.issy.language import _


@click.group(short_help="Commands of ckanext-issy, for the portal's administrators.")
def issy() -> None:
    """Commands of ckanext-issy, the open data portal of Issy-les-Moulineaux."""


@issy.command("check-sources")
def check_sources() -> None:
    """Check every active harvest source of the extension's types as it would
    be checked if it were saved now (URLs and configuration). A source saved
    by an earlier version may fail a newer check: the command names it and
    says why, and exits with status 1."""
    # Here, not at the top: only sites that harvest load ckanext-harvest's model.
    from ckanext.harvest.model import HarvestSource

    from ckanext.issy.harvesters.core.base import issy_harvester

    checked = failed = 0
    for source in HarvestSource.filter(active=True).order_by(HarvestSource.url):
        harvester = issy_harvester(source.type)
        if harvester is None:
            continue
        checked += 1
        problems = harvester.source_problems(source.url, source.config)
        failed += bool(problems)
        for problem in problems:
            click.echo(_("{source} ({id}): {problem}").format(source=source.title, id=source.id, problem=problem))
    click.echo(_("Harvest sources checked: {checked}; refused: {failed}.").format(checked=checked, failed=failed))
    if failed:
        raise click.exceptions.Exit(1)


@issy.group("parking")
def parking() -> None:
    """Real-time parking (sources of type issy_parking)."""


@parking.command("poll")
@click.option("--once", is_flag=True, help="Poll every source once, then stop.")
def parking_poll(once: bool) -> None:
    """Poll every active parking source each interval
    (ckanext.issy.parking.interval, 60 s by default), or once with --once;
    several pollers may run, a Redis lock lets one poll each source per
    interval. With --once, the exit status is 1 if a source could not be
    polled."""
    import time

    from ckanext.issy.harvesters import parking_poll

    while True:
        outcomes = parking_poll.poll_all()
        for outcome in outcomes:
            for line in parking_poll.describe(outcome):
                click.echo(line)
        if once:
            if any(outcome.status == parking_poll.FAILED for outcome in outcomes):
                raise click.exceptions.Exit(1)
            return
        interval = parking_poll.PollSettings.from_config().interval
        time.sleep(interval - time.time() % interval)  # at the start of the next interval


def get_commands() -> list[click.Command]:
    return [issy]
