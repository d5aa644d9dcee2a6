"""Sending through a real SMTP server: headers, retries, permanent failures, a server down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.outbox import queue_email
from hub.mail.preferences import set_preferences
from hub.mail.sender import claim_batch, send_batch
from tests.mail.helpers import free_port


def queue(user=None, to=None, kind="notification_answers"):
    message = queue_email(
        "notification",
        to or user.email,
        kind=kind,
        user_id=user.id if user else None,
        name="Anna",
        text="Karin svarade på din fråga om läkemedelsrobotar",
        url="/fragor/1",
    )
    db.session.commit()
    return message


def later(minutes: float):
    return utcnow() + timedelta(minutes=minutes)


def test_message_has_text_html_and_standard_headers(smtp, create_user):
    user = create_user()
    row = queue(user)
    result = send_batch(utcnow(), 10)
    assert result.sent == 1
    [message] = smtp.messages
    assert message["To"] == user.email
    assert message["Message-ID"] == row.message_id
    assert message["Date"]
    assert "läkemedelsrobotar" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hej Anna!" in text and "http://stafetten.test/fragor/1" in text
    assert '<html lang="sv">' in html
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at


def test_rfc8058_headers_on_everything_but_account_mail(smtp, create_user):
    user = create_user()
    queue(user, kind="digest")
    queue(user, kind="meeting_reminder")
    queue(user, kind="password_reset")
    queue(user, kind="invitation")
    send_batch(utcnow(), 10)
    by_kind = dict(zip(["digest", "meeting", "reset", "invitation"], smtp.messages, strict=True))
    for kind in ("digest", "meeting"):
        message = by_kind[kind]
        assert message["List-Unsubscribe"].startswith("<http://stafetten.test/avregistrera/")
        assert message["List-Unsubscribe"].endswith(">")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "avregistrera" in message.get_body(("plain",)).get_content()
    for kind in ("reset", "invitation"):
        assert by_kind[kind]["List-Unsubscribe"] is None
        assert by_kind[kind]["List-Unsubscribe-Post"] is None


def test_temporary_failure_is_retried_with_back_off_then_given_up(smtp, create_user, app):
    user = create_user()
    row = queue(user)
    smtp.data_reply = "451 4.3.0 Försök igen senare"
    now = utcnow()
    send_batch(now, 10)
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=120)
    assert send_batch(now + timedelta(seconds=119), 10).claimed == 0  # not before its time
    delays = []
    for _ in range(7):
        db.session.refresh(row)
        delays.append(row.next_attempt_at - now)
        now = row.next_attempt_at
        send_batch(now, 10)
    db.session.refresh(row)
    assert [d.total_seconds() / 60 for d in delays] == [2, 4, 8, 16, 32, 64, 128]
    assert row.status == OutboxStatus.FAILED and row.attempts == 8
    assert "Gav upp efter 8 försök" in row.last_error and "451" in row.last_error
    assert smtp.messages == []


def test_temporary_failure_then_success(smtp, create_user):
    row = queue(create_user())
    smtp.data_reply = "421 4.7.0 Upptagen"
    send_batch(utcnow(), 10)
    smtp.data_reply = None
    assert send_batch(later(3), 10).sent == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and len(smtp.messages) == 1


def test_rejected_recipient_fails_at_once_and_others_go_out(smtp, create_user):
    bouncing = create_user(email="finns-inte@laholm.se")
    others = [create_user() for _ in range(3)]
    smtp.reject[bouncing.email] = "550 5.1.1 Mottagaren finns inte"
    rows = [queue(others[0]), queue(bouncing), queue(others[1]), queue(others[2])]
    result = send_batch(utcnow(), 10)
    assert (result.sent, result.failed) == (3, 1)
    db.session.refresh(rows[1])
    assert rows[1].status == OutboxStatus.FAILED and rows[1].attempts == 1
    assert rows[1].last_error.startswith("550")
    assert send_batch(later(600), 10).claimed == 0  # a 5xx is never retried
    assert sorted(m["To"] for m in smtp.messages) == sorted(u.email for u in others)


def test_temporarily_rejected_recipient_is_retried(smtp, create_user):
    user = create_user()
    smtp.reject[user.email] = "450 4.2.1 Brevlådan är upptagen"
    row = queue(user)
    send_batch(utcnow(), 10)
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    del smtp.reject[user.email]
    send_batch(later(3), 10)
    assert len(smtp.messages) == 1


def test_smtp_server_down_loses_nothing(app, create_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    rows = [queue(create_user()) for _ in range(3)]
    result = send_batch(utcnow(), 10)
    assert result.sent == 0 and result.retried == 1
    assert "ConnectionRefusedError" in result.errors[0]
    for row in rows:
        db.session.refresh(row)
        assert row.status == OutboxStatus.PENDING and row.claimed_by is None
    assert [r.attempts for r in rows] == [1, 0, 0]  # only the one tried counts an attempt

    from tests.mail.helpers import smtp_server

    with smtp_server(app.config["MAIL_PORT"]) as (handler, _port):
        assert send_batch(later(5), 10).sent == 3
    assert len(handler.messages) == 3


def test_expired_lease_is_claimed_again(smtp, create_user, app):
    row = queue(create_user())
    now = utcnow()
    assert claim_batch(now, 10, "killed-sender") == [row.id]
    assert send_batch(now + timedelta(seconds=10), 10).claimed == 0  # still leased
    lease = app.config.get("MAIL_LEASE_SECONDS", 300)
    assert send_batch(now + timedelta(seconds=lease + 1), 10).sent == 1
    assert len(smtp.messages) == 1


def test_eml_files_without_a_server(app, create_user, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_FILE_DIR=str(tmp_path / "mail"))
    row = queue(create_user())
    assert send_batch(utcnow(), 10).sent == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    assert row.message_id.strip("<>").replace("@", "_") in path.name
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in path.read_bytes()


def test_turned_off_mail_is_kept_but_never_sent(smtp, create_user):
    user = create_user()
    set_preferences(user.id, meetings="never")
    db.session.commit()
    row = queue(user, kind="meeting_reminder")
    assert row.status == OutboxStatus.SUPPRESSED
    account = queue(user, kind="password_reset")
    assert account.status == OutboxStatus.PENDING
    send_batch(utcnow(), 10)
    assert [m["Message-ID"] for m in smtp.messages] == [account.message_id]


@pytest.mark.parametrize("batch_size", [1, 3])
def test_batches_take_the_oldest_first(smtp, create_user, batch_size):
    rows = [queue(create_user()) for _ in range(4)]
    send_batch(utcnow(), batch_size)
    sent = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENT)
    ).all()
    assert sorted(sent) == [r.id for r in rows[:batch_size]]


def test_slow_server_times_out_and_is_retried(smtp, create_user, app):
    import asyncio

    app.config["MAIL_TIMEOUT"] = 0.5
    row = queue(create_user())

    async def slow(envelope):
        await asyncio.sleep(1.5)
        return "451 4.4.2 För långsamt"  # the client has given up long before

    smtp.before_reply = slow
    result = send_batch(utcnow(), 10)
    assert result.retried == 1 and "timed out" in result.errors[0]
    smtp.before_reply = None
    assert send_batch(later(3), 10).sent == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 2


def test_a_broken_row_fails_without_blocking_the_others(smtp, create_user):
    good = queue(create_user())
    broken = queue(create_user())
    broken.attachments = [{"filename": "x.ics"}]  # no content type or data
    db.session.commit()
    result = send_batch(utcnow(), 10)
    assert result.sent == 1 and result.failed == 1
    db.session.refresh(broken)
    db.session.refresh(good)
    assert broken.status == OutboxStatus.FAILED and "Kunde inte skapa" in broken.last_error
    assert good.status == OutboxStatus.SENT


def test_calendar_attachment_keeps_its_method_so_outlook_shows_an_invitation(app):
    from hub.mail.models import OutboxMessage
    from hub.mail.sender import build_message

    row = OutboxMessage(
        kind="meeting",
        to_address="a@laholm.se",
        subject="Inbjudan",
        body_text="Hej",
        body_html="<p>Hej</p>",
        headers={},
        attachments=[
            {
                "filename": "trff.ics",
                "content_type": "text/calendar; method=REQUEST; charset=utf-8",
                "data": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            }
        ],
    )
    calendar = next(
        part for part in build_message(row).walk() if part.get_content_type() == "text/calendar"
    )
    assert calendar.get_param("method") == "REQUEST"
