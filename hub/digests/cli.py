"""``flask hub digests``: send the digests that are due (safe to run often and in parallel)."""

from __future__ import annotations

from datetime import datetime

import click

from hub.core.cli import hub_cli
from hub.core.db import utcnow
from hub.core.i18n import from_stockholm


def parse_stockholm(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        local = datetime.strptime(value, "%Y-%m-%d %H:%M")  # noqa: DTZ007  (Stockholm wall clock)
    except ValueError as error:
        raise click.BadParameter("Ange tiden som ÅÅÅÅ-MM-DD TT:MM, i svensk tid.") from error
    return from_stockholm(local)


@hub_cli.command("digests")
@click.option(
    "--at", "at", default=None, help='Gör som om klockan vore "ÅÅÅÅ-MM-DD TT:MM" (svensk tid).'
)
def digests(at: str | None) -> None:
    """Send the daily and weekly digests that are due."""
    from hub.digests.run import run_digests

    run = run_digests(parse_stockholm(at))
    click.echo(
        f"Sammanfattningar: {run.sent} köade, {run.empty} utan nyheter, "
        f"{run.already} redan gjorda av en annan körning."
    )
