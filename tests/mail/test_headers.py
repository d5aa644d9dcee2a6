"""Headers mail programs act on; account mail that cannot be turned off; the reader's language."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import default

import pytest
from sqlalchemy import select

from hub.auth import accounts
from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.outbox import queue_email
from hub.mail.preferences import do_unsubscribe
from hub.mail.sender import MAIL_POLICY, send_batch

NOTE = {"name": "Anna", "text": "Karin svarade på din fråga", "url": "/fragor/1"}


def send_one(user, kind: str, template: str = "notification", **context):
    row = queue_email(template, user.email, kind=kind, user_id=user.id, **(context or NOTE))
    db.session.commit()
    return row


def header_lines(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def test_list_unsubscribe_is_one_unencoded_line_byte_for_byte(smtp, create_user):
    user = create_user()
    row = send_one(user, "notification_answers")
    assert send_batch(utcnow(), 10).sent == 1
    url = row.headers["List-Unsubscribe"][1:-1]
    assert url.startswith("http://stafetten.test/avregistrera/") and len(url) > 78
    lines = header_lines(smtp.raw[0])
    expected = b"List-Unsubscribe: <" + url.encode("ascii") + b">"
    index = lines.index(expected)  # exactly these bytes, on one line
    assert not lines[index + 1].startswith((b" ", b"\t")), "not folded"
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert b"List-Id: Stafetten <answers.stafetten.test>" in lines
    assert b"=?" not in b"".join(line for line in lines if line.startswith(b"List-"))


def test_other_headers_and_odd_list_headers_are_written_as_python_would():
    def build(policy) -> bytes:
        message = EmailMessage(policy=policy)
        message["Subject"] = "Träff om läkemedelsrobotar " * 6
        message["List-Id"] = "Stafettens träffar <traffar.stafetten.test>"  # not ASCII
        message["List-Unsubscribe"] = "<https://stafetten.test/" + "x" * 950 + ">"  # too long
        message.set_content("Hej")
        return bytes(message)

    assert build(MAIL_POLICY) == build(default)
    assert b"Subject: =?utf-8?" in build(MAIL_POLICY)


KINDS = {
    # kind: (template, Auto-Submitted?, list mail?)
    "digest": ("notification", True, True),
    "meeting": ("notification", True, True),
    "baton": ("notification", True, True),
    "notification_mentions": ("notification", True, True),
    "security_notice": ("notification", True, False),
    "email_changed": ("notification", True, False),
    "password_reset": ("notification", False, False),
    "confirm_email": ("notification", False, False),
    "change_email": ("notification", False, False),
    "account_exists": ("notification", False, False),
    "login_link": ("notification", False, False),
    "account_link_identity": ("notification", False, False),
    "account_identity_linked": ("notification", True, False),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_polite_automatic_mail_headers(smtp, create_user, kind):
    template, automatic, listed = KINDS[kind]
    user = create_user()
    send_one(user, kind, template)
    send_batch(utcnow(), 10)
    [message] = smtp.messages
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Auto-Submitted"] == ("auto-generated" if automatic else None)
    assert message["Precedence"] == ("bulk" if kind == "digest" else None)
    if listed:
        assert message["List-Id"].endswith(".stafetten.test>")
        assert message["List-Unsubscribe"].startswith("<http://stafetten.test/avregistrera/")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "/installningar/e-post" in text and "/avregistrera/" in text
        assert "/installningar/e-post" in html and "/avregistrera/" in html
    else:
        assert message["List-Id"] is None and message["List-Unsubscribe"] is None


def test_account_mail_reaches_a_member_who_turned_everything_off(app, create_user):
    user = create_user()
    do_unsubscribe(user.id, "all")
    db.session.commit()
    with app.test_request_context():
        accounts.send_security_notice(user, "password_changed")
        accounts.request_email_change(user, "ny.adress@laholm.se")
        accounts.do_change_email(user, "ny.adress@laholm.se")
    db.session.flush()
    kinds = {row.kind: row for row in db.session.scalars(select(OutboxMessage))}
    assert set(kinds) >= {"security_notice", "change_email", "email_changed"}
    for row in kinds.values():
        assert row.status == OutboxStatus.PENDING, row.kind
        assert "List-Unsubscribe" not in row.headers
    # And a notification mail is indeed off for this member.
    assert send_one(user, "notification_answers").status == OutboxStatus.SUPPRESSED


def test_mail_is_written_in_the_recipients_language(smtp, create_user):
    english = create_user(locale="en")
    swedish = create_user()
    send_one(english, "notification_answers")
    send_one(swedish, "notification_answers")
    send_batch(utcnow(), 10)
    by_address = {m["To"]: m for m in smtp.messages}
    html = by_address[english.email].get_body(("html",)).get_content()
    text = by_address[english.email].get_body(("plain",)).get_content()
    assert '<html lang="en">' in html and "Hello Anna," in text
    assert "Change your email settings" in html
    assert '<html lang="sv">' in by_address[swedish.email].get_body(("html",)).get_content()
