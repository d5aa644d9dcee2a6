"""``flask hub …`` commands of the auth part."""

from __future__ import annotations

import click
from sqlalchemy import delete

from hub.core.cli import hub_cli
from hub.core.db import utcnow
from hub.extensions import db


@hub_cli.command("prune-auth")
def prune_auth() -> None:
    """Remove old rate-limit counts and long-expired invitations (idempotent)."""
    from datetime import timedelta

    from hub.auth.models import Invitation
    from hub.core.ratelimit import prune_all

    hits = prune_all()
    # Expired invitations stay listed (to resend) for 90 days, then go.
    expired = db.session.execute(
        delete(Invitation).where(
            Invitation.accepted_at.is_(None),
            Invitation.expires_at < utcnow() - timedelta(days=90),
        )
    ).rowcount
    db.session.commit()
    click.echo(f"Tog bort {hits} gamla räknare och {expired} gamla inbjudningar.")


__all__ = ["hub_cli"]


@hub_cli.command("invitation-reminders")
@click.option("--at", "at", default=None, help='Svensk tid att räkna från, "ÅÅÅÅ-MM-DD TT:MM".')
def invitation_reminders(at: str | None) -> None:
    """Remind invited people after 3 and 10 days (once per step). Idempotent."""
    from hub.auth.invitations import run_invitation_reminders
    from hub.meetings.cli import parse_at

    click.echo(f"Påminnelser om inbjudningar: {run_invitation_reminders(parse_at(at))}.")
