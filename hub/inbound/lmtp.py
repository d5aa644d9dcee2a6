"""The LMTP server the installation's MTA delivers to (``flask hub mail-receiver``).

aiosmtpd's LMTP speaks the protocol. A message is first stored (raw, under its Message-ID,
committed) in a storing thread, and only then answered 250: from that moment it cannot be lost.
Handling it (posting, RSVP, bounce) happens after, in handling threads, so a burst of mail is
taken as fast as the database can store it, not as fast as the forum can post. Messages stored
but not handled when the receiver stopped are handled when it starts again.

Answers: 250 for every message stored (whatever becomes of it), 550 for a recipient that is not
at the reply domain, 552 for a message larger than ``MAIL_RECEIVER_MAX_BYTES`` (aiosmtpd counts
while reading), 451 when the database cannot be reached, so the MTA tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask
from sqlalchemy.exc import OperationalError

from hub.extensions import db
from hub.inbound import receiver

log = logging.getLogger(__name__)
STOP = -1


class ReceiverHandler:
    def __init__(self, app: Flask, handlers: int = 1) -> None:
        self.app = app
        self.domain = (app.config.get("REPLY_DOMAIN") or "").lower()
        # SQLite has one writer at a time: one thread stores, more would only wait for it.
        self.storing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-store")
        self.waiting: queue.Queue[int] = queue.Queue()
        self.handlers = [
            threading.Thread(target=self._handle_loop, name=f"inbound-handle-{n}", daemon=True)
            for n in range(handlers)
        ]
        self.stored = 0
        self.handled = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.app.app_context():
            for row_id in receiver.pending_ids():
                self.waiting.put(row_id)
            db.session.remove()
        for thread in self.handlers:
            thread.start()

    def stop(self) -> None:
        """Finish what is stored, then stop the handling threads."""
        for _thread in self.handlers:
            self.waiting.put(STOP)
        for thread in self.handlers:
            thread.join(timeout=60)
        self.storing.shutdown(wait=True)

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
            self.storing, self.keep, raw, recipients, envelope.mail_from or ""
        )
        # LMTP answers once per recipient; the message is stored (and handled) once.
        return "\r\n".join([status] * len(recipients))

    def keep(self, raw: bytes, recipients: list[str], envelope_from: str) -> str:
        with self.app.app_context():
            try:
                row_id = receiver.store(raw, recipients, envelope_from)
            except OperationalError:
                log.exception("Databasen svarar inte: meddelandet får vänta")
                return "451 4.3.0 Try again later"
            finally:
                db.session.remove()
        with self.lock:
            self.stored += 1
        if row_id is not None:
            self.waiting.put(row_id)
        return "250 2.0.0 Delivered"

    def _handle_loop(self) -> None:
        while (row_id := self.waiting.get()) != STOP:
            with self.app.app_context():
                try:
                    receiver.handle_stored(row_id)
                except Exception as error:  # a handling thread must never die
                    log.exception("Meddelande %s kunde inte hanteras", row_id)
                    receiver.give_up(row_id, error)
                finally:
                    db.session.remove()
            with self.lock:
                self.handled += 1


class ReceiverController(Controller):
    def factory(self) -> LMTP:
        limit = self.handler.app.config.get("MAIL_RECEIVER_MAX_BYTES", 25 * 1024 * 1024)
        return LMTP(self.handler, data_size_limit=limit, enable_SMTPUTF8=True)

    def start(self) -> None:
        self.handler.start()
        super().start()

    def stop(self, *args, **kwargs) -> None:
        super().stop(*args, **kwargs)
        self.handler.stop()


def start_receiver(
    app: Flask, host: str, port: int, handlers: int | None = None
) -> ReceiverController:
    """Start the LMTP server in threads of its own; ``.stop()`` ends it."""
    if handlers is None:
        with app.app_context():
            handlers = 1 if db.engine.dialect.name == "sqlite" else 4
    controller = ReceiverController(ReceiverHandler(app, handlers), hostname=host, port=port)
    controller.start()
    return controller
