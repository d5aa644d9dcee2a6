"""The receiver under strain, on a database that really commits (its threads work beside the
test): a handling cut off mid-way is tried again after a while and at most a few times, a burst
over several LMTP connections is stored once and handled in full, one message the database will
not take keeps no other out, and polling reads do not take SQLite's write lock."""

from __future__ import annotations

import smtplib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from hub.core.db import read_only, utcnow
from hub.extensions import db
from hub.inbound import receiver
from hub.inbound.addresses import address
from hub.inbound.lmtp import STORED, TRY_LATER, ReceiverHandler, start_receiver
from hub.inbound.models import InboundMessage, Outcome
from hub.inbound.receiver import Delivery
from tests.inbound.conftest import REPLY_DOMAIN, fixture_bytes
from tests.inbound.mailsystem import free_port, wait_for
from tests.mail.helpers import private_database

OOO = "ooo_en.eml"  # an out-of-office: handled quickly, needs no member


@pytest.fixture(scope="module")
def committing(tmp_path_factory) -> Iterator[Flask]:
    from hub import create_app
    from tests.conftest import make_config

    with private_database(tmp_path_factory.mktemp("robust")) as url:
        app = create_app(make_config(url, REPLY_DOMAIN=REPLY_DOMAIN))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def inside(committing) -> Iterator[Flask]:
    """An app context on an empty inbound table."""
    with committing.app_context():
        db.session.execute(InboundMessage.__table__.delete())
        db.session.commit()
        try:
            yield committing
        finally:
            db.session.remove()


def numbered(n: int) -> bytes:
    """The out-of-office with a Message-ID of its own."""
    return fixture_bytes(OOO).replace(b"Message-ID: <", f"Message-ID: <{n}.".encode(), 1)


def recipient() -> str:
    return address("svar", 1, "question", 1)


def row(row_id: int) -> InboundMessage:
    with read_only():
        found = db.session.get(InboundMessage, row_id)
        db.session.expunge(found)
        return found


def age(row_id: int, minutes: int = 11) -> None:
    """As if the handling had begun ``minutes`` ago (MAIL_RECEIVER_RETRY_SECONDS is 600)."""
    db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id)
        .values(handling_since=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_a_handling_cut_off_is_retried_after_a_while_then_kept_for_the_admin(inside):
    row_id = receiver.store(numbered(1), [recipient()])
    for attempt in (1, 2, 3):
        # The receiver takes it, then is killed before it finishes.
        assert receiver.claim(row_id)[0] == attempt
        assert row(row_id).outcome == Outcome.HANDLING
        assert receiver.retry_stuck() == []  # not yet: it may only be slow
        age(row_id)
        again = receiver.retry_stuck()
        if attempt < 3:
            assert again == [row_id] and row(row_id).outcome == Outcome.PENDING
    kept = row(row_id)
    assert again == [] and kept.outcome == Outcome.UNUSED and kept.handling_since is None
    assert "avbröts mitt i hanteringen 3 gånger" in kept.reason
    assert receiver.handle_stored(row_id).outcome == Outcome.UNUSED  # never a fourth time


def test_a_handling_that_was_taken_again_meanwhile_does_not_count_twice(inside, monkeypatch):
    """A handling so slow that the message was given to another: the slow one is undone."""
    row_id = receiver.store(numbered(2), [recipient()])
    real_route = receiver._handle

    def slow(message, recipients):
        result = real_route(message, recipients)
        db.session.execute(  # meanwhile: retry_stuck and another claim
            update(InboundMessage)
            .where(InboundMessage.id == row_id)
            .values(attempts=InboundMessage.attempts + 1)
        )
        return result

    monkeypatch.setattr(receiver, "_handle", slow)
    assert receiver.handle_stored(row_id) is None
    assert row(row_id).outcome == Outcome.HANDLING  # the other handling's to finish


def test_the_receiver_retries_at_start_what_was_cut_off_before(inside):
    row_id = receiver.store(numbered(3), [recipient()])
    receiver.claim(row_id)
    age(row_id)
    controller = start_receiver(inside, "127.0.0.1", free_port())
    try:
        wait_for(lambda: row(row_id).outcome == Outcome.DROPPED, what="the retried handling")
    finally:
        controller.stop()
    assert row(row_id).attempts == 2


def test_a_burst_over_many_connections_is_stored_once_and_all_handled(inside):
    """Ten connections at once, as Postfix's delivery agents; every message sent twice."""
    port = free_port()
    controller = start_receiver(inside, "127.0.0.1", port)
    answers: list[dict] = []
    to = recipient()

    def connection(first: int) -> None:
        with smtplib.LMTP("127.0.0.1", port, timeout=120) as lmtp:
            for n in range(first, first + 8):
                answers.append(lmtp.sendmail("mx@example.test", [to], numbered(n)))
                answers.append(lmtp.sendmail("mx@example.test", [to], numbered(n)))

    threads = [threading.Thread(target=connection, args=(100 + 8 * c,)) for c in range(10)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [{}] * 160  # every one answered 250

        def all_dropped() -> bool:
            with read_only():
                return db.session.scalar(
                    select(func.count()).where(InboundMessage.outcome == Outcome.DROPPED)
                ) == 80  # fmt: skip

        wait_for(all_dropped, timeout=180, what="80 messages handled")
    finally:
        controller.stop()
    with read_only():
        assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 80


def test_a_message_the_database_will_not_take_keeps_no_other_out(inside, monkeypatch):
    handler = ReceiverHandler(inside)
    real_row = receiver._row

    def picky(delivery: Delivery) -> dict:
        if b"<poison" in delivery.raw:
            raise ValueError("the database will not take this one")
        return real_row(delivery)

    monkeypatch.setattr(receiver, "_row", picky)
    poison = fixture_bytes(OOO).replace(b"Message-ID: <", b"Message-ID: <poison", 1)
    kept = handler._keep([Delivery(numbered(4)), Delivery(poison), Delivery(numbered(5))])
    assert [status for status, _row_id in kept] == [STORED, TRY_LATER, STORED]
    with read_only():
        assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_reads_in_read_only_leave_the_write_lock_to_others(inside):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    path = db.engine.url.database
    with read_only():
        db.session.scalar(select(func.count()).select_from(InboundMessage))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # would fail at once ("locked") under BEGIN IMMEDIATE
        other.execute("ROLLBACK")
        other.close()
        with read_only():  # inside a transaction already: the reads join it
            assert db.session().in_transaction()
    assert not db.session().in_transaction()


def test_a_handling_thread_survives_a_database_that_goes_away(inside, monkeypatch):
    """Neither the handling nor recording its failure works: the message stays taken (and is
    retried after a while), the thread goes on with the next one."""
    from sqlalchemy.exc import OperationalError

    def away(*args):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    handler = ReceiverHandler(inside)
    monkeypatch.setattr(receiver, "handle_stored", away)
    monkeypatch.setattr(receiver, "give_up", away)
    handler._handle(1)
    assert handler.handled == 1


def test_a_stopping_receiver_leaves_what_it_has_no_time_for_pending(inside):
    """systemd kills a receiver that takes too long to stop: past its grace the handling stops
    taking messages, and they wait, pending, for the next start."""
    row_id = receiver.store(numbered(6), [recipient()])
    handler = ReceiverHandler(inside)
    handler.stop_by = 0.0  # the grace is over
    handler.waiting.put(row_id)
    handler._handle_loop()  # returns at once
    assert row(row_id).outcome == Outcome.PENDING and receiver.pending_ids() == [row_id]
