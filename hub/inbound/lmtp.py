"""The LMTP server the installation's MTA delivers to (``flask hub mail-receiver``).

aiosmtpd's LMTP speaks the protocol. Messages are first stored (raw, under their Message-ID,
committed) by one storing thread, which takes every message waiting in one transaction, and
only then answered 250: from that moment they cannot be lost. Handling (posting, RSVP, bounce)
happens after, in handling threads that give way to the storing: they take the next message
only when nothing waits to be stored, and on SQLite (one writer) they share one lock with it,
so the two wait for each other here instead of in SQLite's busy loop. A burst of mail is thus
taken as fast as the database can store it, not as fast as the forum can post, and the handling
catches up after. Messages stored but not handled when the receiver stopped are handled when it
starts again; one left "handling" (killed mid-way) is retried after a while (``retry_stuck``).

Answers: 250 for every message stored (whatever becomes of it), 550 for a recipient that is not
at the reply domain, 552 for a message larger than ``MAIL_RECEIVER_MAX_BYTES`` (aiosmtpd counts
while reading), 451 when the database cannot be reached, so the MTA tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask
from sqlalchemy.exc import OperationalError

from hub.extensions import db
from hub.inbound import receiver
from hub.inbound.receiver import Delivery

log = logging.getLogger(__name__)
STOP = -1
STORED = "250 2.0.0 Delivered"
TRY_LATER = "451 4.3.0 Try again later"
# The most messages stored in one transaction; more wait for the next.
BATCH = 200
# How often an idle handling thread looks for messages left "handling" by a receiver killed
# mid-way (they are retried only after MAIL_RECEIVER_RETRY_SECONDS anyway).
SWEEP_SECONDS = 60.0
# Handling waits for a pause this long in the arriving mail (it holds SQLite's one write lock and
# much of the CPU for tens of milliseconds, and every MTA connection would wait behind it), but
# under a steady stream it goes on after at most PATIENCE seconds, so it is never stuck.
QUIET = 0.05
PATIENCE = 1.0
# On stop, handling goes on this long at most (systemd kills after 90 s); what is left stays
# pending and is handled at the next start.
STOP_GRACE = 20.0


class ReceiverHandler:
    def __init__(self, app: Flask, handlers: int = 1) -> None:
        self.app = app
        self.domain = (app.config.get("REPLY_DOMAIN") or "").lower()
        with app.app_context():
            sqlite = db.engine.dialect.name == "sqlite"
        # SQLite has one writer: storing and handling take turns here, storing first. On
        # PostgreSQL two storing threads keep two batches in flight (each waits for the server).
        self.writing: AbstractContextManager = threading.Lock() if sqlite else nullcontext()
        self.arriving: queue.Queue[tuple[Delivery, Future] | None] = queue.Queue()
        self.waiting: queue.Queue[int] = queue.Queue()
        # Messages given to the storing thread and not yet stored, and when the last arrived:
        # handling waits for a pause (``_wait_for_a_pause``).
        self.unstored = 0
        self.last_arrival = 0.0
        self.quiet = threading.Condition()
        self.storers = [
            threading.Thread(target=self._store_loop, name=f"inbound-store-{n}", daemon=True)
            for n in range(1 if sqlite else 2)
        ]
        self.handlers = [
            threading.Thread(target=self._handle_loop, name=f"inbound-handle-{n}", daemon=True)
            for n in range(handlers)
        ]
        self.stop_by = math.inf
        self.stored = 0
        self.handled = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.app.app_context():
            self._sweep()
            for row_id in receiver.pending_ids():
                self.waiting.put(row_id)
            db.session.remove()
        for thread in [*self.storers, *self.handlers]:
            thread.start()

    def stop(self) -> None:
        """Store what arrived, handle what is stored for STOP_GRACE seconds at most, stop."""
        for _thread in self.storers:
            self.arriving.put(None)
        for thread in self.storers:
            thread.join(timeout=60)
        self.stop_by = time.monotonic() + STOP_GRACE
        for _thread in self.handlers:
            self.waiting.put(STOP)
        for thread in self.handlers:
            thread.join(timeout=STOP_GRACE + 60)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.1.1 Not a reply address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        delivery = Delivery(
            envelope.original_content or b"", list(envelope.rcpt_tos), envelope.mail_from or ""
        )
        answer: Future = Future()
        with self.quiet:
            self.unstored += 1
            self.last_arrival = time.monotonic()
        self.arriving.put((delivery, answer))
        status = await asyncio.wrap_future(answer)
        # LMTP answers once per recipient; the message is stored (and handled) once.
        return "\r\n".join([status] * len(delivery.recipients))

    def _store_loop(self) -> None:
        stopping = False
        while not stopping:
            batch = [self.arriving.get()]
            while len(batch) < BATCH and not self.arriving.empty():
                batch.append(self.arriving.get_nowait())
            stopping = None in batch
            for _other in range(batch.count(None) - 1):  # another storing thread's
                self.arriving.put(None)
            batch = [item for item in batch if item is not None]
            if batch:
                self._store(batch)

    def _store(self, batch: list[tuple[Delivery, Future]]) -> None:
        deliveries = [delivery for delivery, _answer in batch]
        with self.writing, self.app.app_context():
            try:
                kept = self._keep(deliveries)
            except OperationalError:
                log.exception("Databasen svarar inte: meddelandena får vänta")
                kept = [(TRY_LATER, None)] * len(deliveries)
            finally:
                db.session.remove()
        for _status, row_id in kept:
            if row_id is not None:
                self.waiting.put(row_id)
        with self.lock:
            self.stored += sum(status == STORED for status, _row_id in kept)
        with self.quiet:
            self.unstored -= len(batch)
            self.quiet.notify_all()
        for (_delivery, answer), (status, _row_id) in zip(batch, kept, strict=True):
            answer.set_result(status)

    def _keep(self, deliveries: list[Delivery]) -> list[tuple[str, int | None]]:
        """(answer, row id or None when kept already) for each message, in one transaction."""
        try:
            return [(STORED, row_id) for row_id in receiver.store_many(deliveries)]
        except OperationalError:
            raise
        except Exception:
            db.session.rollback()
            if len(deliveries) == 1:
                log.exception("Meddelandet kunde inte sparas: det får vänta")
                return [(TRY_LATER, None)]
            # One message the database will not take must not keep the others out: one by one,
            # and only that one waits (the MTA keeps it and in the end tells the sender).
            return [kept for delivery in deliveries for kept in self._keep([delivery])]

    def _handle_loop(self) -> None:
        while True:
            try:
                row_id = self.waiting.get(timeout=SWEEP_SECONDS)
            except queue.Empty:
                with self.app.app_context():
                    self._sweep()
                continue
            if row_id == STOP or time.monotonic() > self.stop_by:
                return  # what is left stays pending: handled at the next start
            self._handle(row_id)

    def _handle(self, row_id: int) -> None:
        self._wait_for_a_pause()
        with self.writing, self.app.app_context():
            try:
                receiver.handle_stored(row_id)
            except Exception as error:  # a handling thread must never die
                log.exception("Meddelande %s kunde inte hanteras", row_id)
                self._give_up(row_id, error)
            finally:
                db.session.remove()
        with self.lock:
            self.handled += 1

    def _give_up(self, row_id: int, error: Exception) -> None:
        try:
            receiver.give_up(row_id, error)
        except Exception:  # the database is away: the message stays taken, retry_stuck retries
            log.exception("Meddelande %s kunde inte markeras", row_id)
            db.session.rollback()

    def _wait_for_a_pause(self) -> None:
        """Storing first: behind each message waiting to be stored an MTA waits for its answer."""
        give_up = time.monotonic() + PATIENCE
        with self.quiet:
            while True:
                now = time.monotonic()
                calm = self.last_arrival + QUIET - now
                if now >= give_up or (self.unstored == 0 and calm <= 0):
                    return
                self.quiet.wait(timeout=min(max(calm, 0.005), give_up - now))

    def _sweep(self) -> None:
        try:
            with self.writing:
                row_ids = receiver.retry_stuck()
        except Exception:  # the next sweep tries again
            log.exception("Avbrutna meddelanden kunde inte tas upp igen")
            db.session.rollback()
            return
        finally:
            db.session.remove()
        for row_id in row_ids:
            self.waiting.put(row_id)


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
