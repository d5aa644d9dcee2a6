"""``flask hub …`` commands of the forum part."""

from __future__ import annotations

from datetime import datetime

import click

from hub.core.cli import hub_cli
from hub.core.db import utcnow
from hub.core.i18n import from_stockholm
from hub.extensions import db


@hub_cli.command("forum-escalate")
@click.option("--at", "at", default=None, help='Tidpunkt i svensk tid, "YYYY-MM-DD HH:MM".')
def forum_escalate(at: str | None) -> None:
    """Bring unanswered questions to experts, then coordinators; remind askers once."""
    from hub.forum.escalation import run_escalations

    if at:
        try:
            now = from_stockholm(datetime.strptime(at, "%Y-%m-%d %H:%M"))  # noqa: DTZ007
        except ValueError as error:
            raise click.BadParameter('Skriv tiden som "ÅÅÅÅ-MM-DD TT:MM".') from error
    else:
        now = utcnow()
    taken = run_escalations(now)
    click.echo(
        "Eskalering: {experts} till experter, {coordinators} till samordnare, "
        "{accept_reminder} påminnelser.".format(**taken)
    )


@hub_cli.command("flush-views")
def flush_views_command() -> None:
    """Write this process's buffered question views. The views are counted in the workers,
    which write them themselves (``hub.forum.viewcounts``), so from cron this writes nothing: it
    stays for crontabs that still call it."""
    from hub.forum.viewcounts import flush_views

    written = flush_views()  # commits on its own
    click.echo(f"Skrev {written} visningar.")


__all__ = ["hub_cli"]


@hub_cli.command("search-rebuild")
def search_rebuild() -> None:
    """Rebuild the search index from every visible question and answer, meeting and topic."""
    from hub.forum.search import optimize_index, rebuild_index
    from hub.forum.search_items import rebuild_items

    count = rebuild_index()
    items = rebuild_items()  # after the posts: both add to the one vocabulary
    optimize_index()
    db.session.commit()
    click.echo(f"Sökindexet byggdes om: {count} dokument, {items} träffar och ämnesförslag.")
