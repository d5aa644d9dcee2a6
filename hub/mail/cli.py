"""``flask hub send-mail`` and ``flask hub worker``."""

from __future__ import annotations

import click

from hub.core.cli import hub_cli


@hub_cli.command("send-mail")
@click.option("--batch-size", "--limit", default=50, show_default=True)
@click.option("--batches", default=100, show_default=True, help="Högst så många omgångar.")
def send_mail(batch_size: int, batches: int) -> None:
    """Queue notification mail, then send what is due in the outbox."""
    from hub.mail.notifications import send_notification_emails
    from hub.mail.sender import send_all
    from hub.meetings.mailing import send_due_updates
    from hub.site.reports import mail_waiting_reports

    # Mail that waits for its turn (a combined report, coalesced meeting updates) goes first.
    mail_waiting_reports()
    send_due_updates()
    queued = send_notification_emails()
    sent = send_all(batch_size=batch_size, max_batches=batches)
    click.echo(f"Köade {queued} notismejl. Skickade {sent} meddelanden.")


@hub_cli.command("worker")
@click.option("--mail-every", default=30, show_default=True, help="Sekunder mellan utskick.")
@click.option("--digests-every", default=300, show_default=True, help="Sekunder mellan körningar.")
def worker(mail_every: int, digests_every: int) -> None:
    """Run send-mail, digests, baton-check and escalations on schedule until SIGTERM."""
    from hub.mail.worker import Worker

    Worker(mail_every=mail_every, other_every=digests_every).run()
