"""``flask hub mail-receiver`` (LMTP, for the MTA) and ``flask hub receive-mail`` (stdin)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from email.utils import getaddresses

import click
from flask import current_app

from hub.core.cli import hub_cli


@hub_cli.command("receive-mail")
@click.option("--recipient", "-r", multiple=True, help="Mottagaren (annars To/Delivered-To).")
@click.option("--sender", "-f", default="", help="Kuvertets avsändare.")
def receive_mail(recipient: tuple[str, ...], sender: str) -> None:
    """Read one message on stdin and handle it (for a Postfix pipe or another MTA)."""
    from hub.inbound import reading
    from hub.inbound.receiver import receive

    limit = current_app.config["MAIL_RECEIVER_MAX_BYTES"]
    raw = sys.stdin.buffer.read(limit + 1)
    recipients = list(recipient)
    if not recipients:
        message = reading.parse(raw[:65536])
        values = [reading.header(message, name) for name in ("Delivered-To", "X-Original-To", "To")]
        recipients = [addr for _name, addr in getaddresses(values) if "@" in addr]
    result = receive(raw, recipients, sender)
    click.echo(f"{result.outcome}: {result.reason}")


@hub_cli.command("mail-receiver")
@click.option("--host", default=None, help="Adress att lyssna på (standard 127.0.0.1).")
@click.option("--port", type=int, default=None, help="LMTP-port (standard 8025).")
def mail_receiver(host: str | None, port: int | None) -> None:
    """Run the LMTP server for the MTA until SIGTERM or Ctrl-C."""
    from hub.inbound.addresses import reply_domain
    from hub.inbound.lmtp import start_receiver

    if reply_domain() is None:
        raise click.ClickException("Sätt HUB_REPLY_DOMAIN först: utan den tas inga svar emot.")
    config = current_app.config
    host = host or config["MAIL_RECEIVER_HOST"]
    port = port or config["MAIL_RECEIVER_PORT"]
    # aiosmtpd tells every command at INFO; the receiver's own log is what matters.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller = start_receiver(current_app._get_current_object(), host, port)
    click.echo(f"Tar emot e-post (LMTP) på {host}:{port} för {reply_domain()}.", err=True)
    try:
        stop.wait()
    finally:
        controller.stop()
