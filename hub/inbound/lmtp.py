"""The LMTP server the installation's MTA delivers to (``flask hub mail-receiver``).

aiosmtpd's LMTP speaks the protocol; each message is handed to ``receiver.receive`` in a worker
thread with its own app context, so the event loop keeps taking mail while the database works.
Answers: 250 for every message stored (whatever became of it), 550 for a recipient that is not
at the reply domain, 552 for a message larger than ``MAIL_RECEIVER_MAX_BYTES`` (aiosmtpd counts
while reading), 451 when the database cannot be reached, so the MTA tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask
from sqlalchemy.exc import OperationalError

from hub.extensions import db
from hub.inbound import receiver

log = logging.getLogger(__name__)


class ReceiverHandler:
    def __init__(self, app: Flask, workers: int = 1) -> None:
        self.app = app
        self.domain = (app.config.get("REPLY_DOMAIN") or "").lower()
        # SQLite has one writer at a time; more threads would only wait for each other.
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound")
        self.received = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.1.1 Not a reply address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        raw = envelope.original_content or b""
        recipients = list(envelope.rcpt_tos)
        status = await loop.run_in_executor(
            self.executor, self.deliver, raw, recipients, envelope.mail_from or ""
        )
        # LMTP answers once per recipient; the message is stored (and handled) once.
        return "\r\n".join([status] * len(recipients))

    def deliver(self, raw: bytes, recipients: list[str], envelope_from: str) -> str:
        with self.app.app_context():
            try:
                receiver.receive(raw, recipients, envelope_from)
            except OperationalError:
                log.exception("Databasen svarar inte: meddelandet får vänta")
                return "451 4.3.0 Try again later"
            finally:
                db.session.remove()
        with self.lock:
            self.received += 1
        return "250 2.0.0 Delivered"


class ReceiverController(Controller):
    def factory(self) -> LMTP:
        limit = self.handler.app.config.get("MAIL_RECEIVER_MAX_BYTES", 25 * 1024 * 1024)
        return LMTP(self.handler, data_size_limit=limit, enable_SMTPUTF8=True)


def start_receiver(
    app: Flask, host: str, port: int, workers: int | None = None
) -> ReceiverController:
    """Start the LMTP server in a thread of its own; ``.stop()`` ends it."""
    if workers is None:
        workers = 1 if db.engine.dialect.name == "sqlite" else 4
    controller = ReceiverController(ReceiverHandler(app, workers), hostname=host, port=port)
    controller.start()
    return controller
