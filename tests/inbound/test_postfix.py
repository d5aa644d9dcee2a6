"""Through a real Postfix to the LMTP receiver: a reply posts once even when delivered twice,
quotes are cut, Outlook's "Accept" counts, a real Postfix bounce marks and after three suppresses,
automatic replies are dropped, a forged From is refused. SQLite, and PostgreSQL with
TEST_DATABASE_URL (the receiver's database is a private one that really commits)."""

from __future__ import annotations

import itertools
import smtplib
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hub.auth.models import User
from hub.core.db import read_only, utcnow
from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from hub.inbound.addresses import address
from hub.inbound.models import InboundMessage, Outcome
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.outbox import queue_email
from hub.mail.sender import send_batch
from hub.mail.suppression import is_suppressed
from hub.meetings.models import Meeting, Network, NetworkMunicipality, Rsvp
from tests.inbound.conftest import SENDERS, fixture_bytes
from tests.inbound.mailsystem import LOCAL_DOMAIN, wait_for
from tests.inbound.make_fixtures import UID
from tests.inbound.test_replies import EXPECTED

_n = itertools.count(1)


@contextmanager
def inside(system):
    with system.app.app_context():
        try:
            yield
        finally:
            db.session.remove()


@contextmanager
def reading(system):
    """For polling: on SQLite a plain (read) transaction. A poll in BEGIN IMMEDIATE ten times a
    second took the write lock from the receiver's threads on a loaded machine, and the
    messages waited (451) until the test gave up."""
    with system.app.app_context(), read_only():
        try:
            yield
        finally:
            db.session.remove()


def make_user(system, email: str, name: str) -> int:
    with inside(system):
        user = User(email=email, name=name, municipality_code="1381", email_confirmed_at=utcnow())
        db.session.add(user)
        db.session.commit()
        return user.id


def make_question(system, author_id: int) -> int:
    with inside(system):
        category = db.session.scalar(select(Category)) or Category(slug="allmant", name="Allmänt")
        body = "Hur gör ni med laddningen?"
        question = Question(
            author_id=author_id,
            category=category,
            body_source=body,
            title=f"Fråga {next(_n)} om laddning",
            body_html=render_markdown(body),
        )
        db.session.add(question)
        db.session.commit()
        return question.id


def stored(system, **where) -> list[InboundMessage]:
    """The messages stored and handled (the LMTP server answers before it handles)."""
    with reading(system):
        query = (
            select(InboundMessage)
            .filter_by(**where)
            .where(InboundMessage.outcome.not_in((Outcome.PENDING, Outcome.HANDLING)))
            .order_by(InboundMessage.id)
        )
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def send(system, recipient: str, raw: bytes, sender: str = "someone@example.test") -> None:
    result = system.postfix.swaks("--to", recipient, "--from", sender, data=raw)
    assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()


def test_reply_through_postfix_is_posted_once_though_delivered_twice(mail_system):
    asker = make_user(mail_system, "anna.berg@laholm.se", "Anna Berg")
    karin = make_user(mail_system, "karin.ek@laholm.se", "Karin Ek")
    question = make_question(mail_system, asker)
    with inside(mail_system):
        recipient = address("svar", karin, "question", question)
    raw = fixture_bytes("outlook_sv.eml")
    send(mail_system, recipient, raw)
    send(mail_system, recipient, raw)
    log = mail_system.postfix
    wait_for(
        lambda: log.log().count(f"127.0.0.1[127.0.0.1]:{log.lmtp_port}") >= 2,
        what="two LMTP deliveries",
    )
    [row] = wait_for(lambda: stored(mail_system, recipient=recipient), what="the stored reply")
    assert row.outcome == Outcome.USED and row.result_type == "answer"
    with inside(mail_system):
        answers = db.session.scalars(select(Answer).where(Answer.question_id == question)).all()
        assert [a.body_source for a in answers] == [EXPECTED["outlook_sv.eml"]]
        assert answers[0].author_id == karin


def test_every_mail_programs_reply_is_trimmed_through_postfix(mail_system):
    asker = make_user(mail_system, "fragare@laholm.se", "Frida Frågare")
    recipients = {}
    for name in sorted(EXPECTED):
        if name == "outlook_sv.eml":
            continue  # Karin's reply is the test above
        writer_name, email = SENDERS[name]
        with inside(mail_system):
            user_id = db.session.scalar(select(User.id).where(User.email == email))
        user_id = user_id or make_user(mail_system, email, writer_name)
        question = make_question(mail_system, asker)
        with inside(mail_system):
            recipients[name] = address("svar", user_id, "question", question)
        send(mail_system, recipients[name], fixture_bytes(name))
    for name, recipient in recipients.items():
        [row] = wait_for(lambda r=recipient: stored(mail_system, recipient=r), what=name)
        assert row.outcome == Outcome.USED, (name, row.reason)
        with inside(mail_system):
            answer = db.session.get(Answer, row.result_id)
            assert answer.body_source == EXPECTED[name], name


def test_outlook_accept_through_postfix_sets_the_rsvp(mail_system):
    with inside(mail_system):
        karin = db.session.scalar(select(User).where(User.email == "karin.ek@laholm.se"))
        network = Network(slug="halland-test", name="Hallands nätverk")
        network.members = [NetworkMunicipality(municipality_code="1381", position=0)]
        db.session.add(network)
        db.session.flush()
        start = utcnow() + timedelta(days=6)
        meeting = Meeting(
            network_id=network.id,
            host_code="1381",
            title="Nätverksträff i Laholm",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            place="Biblioteket",
            open_slot=1,
            uid=UID,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        db.session.add(meeting)
        db.session.commit()
        recipient = address("rsvp", karin.id, "meeting", meeting.id)
        ids = karin.id, meeting.id
    send(mail_system, recipient, fixture_bytes("itip_outlook_accept.eml"))
    [row] = wait_for(lambda: stored(mail_system, recipient=recipient), what="the calendar answer")
    assert row.outcome == Outcome.USED, row.reason
    with inside(mail_system):
        rsvp = db.session.scalar(
            select(Rsvp).where(Rsvp.user_id == ids[0], Rsvp.meeting_id == ids[1])
        )
        assert rsvp.response == "on_site"


def test_real_postfix_bounce_marks_and_the_third_suppresses(mail_system):
    """The hub sends through Postfix with its VERP envelope sender to a local user who does not
    exist; Postfix's own delivery status report comes back to retur+… and is read."""
    gone = f"slutat.{next(_n)}@{LOCAL_DOMAIN}"
    user_id = make_user(mail_system, gone, "Slutat Person")
    app = mail_system.app
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_system.postfix.smtp_port)
    try:
        for _ in range(3):
            with inside(mail_system):
                queue_email(
                    "baton_stuck",
                    gone,
                    kind="baton",
                    user_id=user_id,
                    network_name="N",
                    person=SimpleNamespace(name="S"),
                    url="/natverk/n",
                )
                db.session.commit()
                assert send_batch(utcnow(), 10).sent == 1
    finally:
        app.config.update(MAIL_SERVER=None)

    def bounced() -> int:
        with reading(mail_system):
            return db.session.scalar(
                select(func.count()).where(
                    OutboxMessage.to_address == gone, OutboxMessage.status == OutboxStatus.BOUNCED
                )
            )

    try:
        wait_for(lambda: bounced() == 3, timeout=240, what="three bounces")
    except AssertionError as error:
        rows = [(r.kind, r.outcome, r.reason) for r in stored(mail_system)]
        raise AssertionError(f"{error}\n{rows}\n{mail_system.postfix.log()[-4000:]}") from None
    reports = stored(mail_system, kind="bounce", user_id=user_id)
    assert all(r.raw.find(b"message/delivery-status") > 0 for r in reports)
    assert all("5.1.1" in r.reason for r in reports)
    # The bounce handled third suppresses; on PostgreSQL two storing threads may give it any id.
    assert sum("spärrad" in r.reason for r in reports) == 1
    with inside(mail_system):
        assert is_suppressed(gone)


def test_out_of_office_through_postfix_is_dropped(mail_system):
    with inside(mail_system):
        karin = db.session.scalar(select(User.id).where(User.email == "karin.ek@laholm.se"))
        recipient = address("svar", karin, "question", 999_999)
    send(mail_system, recipient, fixture_bytes("ooo_sv.eml"))
    [row] = wait_for(lambda: stored(mail_system, recipient=recipient), what="the auto-reply")
    assert row.outcome == Outcome.DROPPED and row.kind == "auto_reply"


def test_forged_from_through_postfix_is_refused(mail_system):
    with inside(mail_system):
        karin = db.session.scalar(select(User.id).where(User.email == "karin.ek@laholm.se"))
        before = db.session.scalar(select(func.count()).select_from(Answer))
    question = make_question(mail_system, karin)
    with inside(mail_system):
        recipient = address("svar", karin, "question", question)
    raw = fixture_bytes(
        "outlook_sv.eml",
        **{"karin.ek@laholm.se": "mallory@evil.example", "<GV1P189MB": "<forged-GV1P189MB"},
    )
    send(mail_system, recipient, raw, sender="mallory@evil.example")
    [row] = wait_for(lambda: stored(mail_system, recipient=recipient), what="the forged reply")
    assert row.outcome == Outcome.REFUSED and "mallory@evil.example" in row.reason
    with inside(mail_system):
        assert db.session.scalar(select(func.count()).select_from(Answer)) == before


def test_a_message_over_25_mb_is_refused_at_lmtp_with_552(mail_system):
    port = mail_system.postfix.lmtp_port
    with inside(mail_system):
        recipient = address("svar", 1, "question", 888_888)
    big = b"Subject: stor\r\n\r\n" + (b"x" * 998 + b"\r\n") * (26 * 1024 + 10)
    with smtplib.LMTP("127.0.0.1", port, timeout=60) as lmtp:
        # Announced (SIZE=…): refused before a byte is sent.
        with pytest.raises(smtplib.SMTPSenderRefused) as announced:
            lmtp.sendmail("someone@example.test", [recipient], big)
        assert announced.value.smtp_code == 552
        # Not announced: read, counted, refused after the data.
        lmtp.mail("someone@example.test")
        lmtp.rcpt(recipient)
        code, _text = lmtp.data(big)
        assert code == 552
        # The receiver is still there and takes the next one.
        lmtp.sendmail("someone@example.test", [recipient], fixture_bytes("ooo_en.eml"))
    [row] = wait_for(lambda: stored(mail_system, recipient=recipient), what="the next message")
    assert row.outcome == Outcome.DROPPED


def test_a_recipient_outside_the_reply_domain_is_refused_at_lmtp(mail_system):
    port = mail_system.postfix.lmtp_port
    with (
        smtplib.LMTP("127.0.0.1", port, timeout=10) as lmtp,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        lmtp.sendmail("someone@example.test", ["svar+x@example.test"], b"Subject: x\r\n\r\nx")
