"""The receiver stores every message once and never falls over: bad input from the issue's list,
the stdin command, automatic replies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.forum.models import Answer
from hub.inbound.addresses import address
from hub.inbound.models import InboundMessage, Outcome
from hub.inbound.receiver import receive
from tests.inbound.conftest import fixture_bytes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_receive_mail_reads_stdin_and_posts(replies_on, member, create_user, create_question):
    question = create_question(create_user())
    recipient = address("svar", member.id, "question", question.id)
    runner = replies_on.test_cli_runner()
    result = runner.invoke(
        args=["hub", "receive-mail", "-r", recipient, "-f", "x@example.test"],
        input=fixture_bytes("outlook_sv.eml"),
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("used:")
    assert count(Answer) == 1


def test_receive_mail_takes_the_recipient_from_the_headers(
    replies_on, member, create_user, create_question
):
    question = create_question(create_user())
    recipient = address("svar", member.id, "question", question.id)
    raw = fixture_bytes("outlook_sv.eml", **{"svar+token@svar.stafetten.test": recipient})
    result = replies_on.test_cli_runner().invoke(args=["hub", "receive-mail"], input=raw)
    assert result.output.startswith("used:"), result.output


@pytest.mark.parametrize("name", ["ooo_sv.eml", "ooo_en.eml"])
def test_out_of_office_is_dropped_counted_never_posted_or_answered(
    name, deliver, member, create_user, create_question
):
    question = create_question(create_user())
    result = deliver(name, "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.DROPPED and result.kind == "auto_reply"
    assert count(Answer) == 0
    from hub.mail.models import OutboxMessage

    assert count(OutboxMessage) == 0
    assert (
        db.session.scalar(select(func.count()).where(InboundMessage.outcome == Outcome.DROPPED))
        == 1
    )


def test_malformed_mime_is_kept_with_a_reason(deliver, member, create_user, create_question):
    question = create_question(create_user())
    result = deliver("malformed.eml", "svar", member.id, "question", question.id)
    assert result.outcome in (Outcome.UNUSED, Outcome.REFUSED)
    assert result.reason
    assert count(Answer) == 0
    assert count(InboundMessage) == 1


def test_garbage_bytes_are_stored_not_raised(replies_on):
    result = receive(b"\xff\xfe\x00garbage\r\n\r\n\x00\x01", ["nobody@example.test"])
    assert result.outcome == Outcome.UNUSED and "svarsadress" in result.reason
    result = receive(b"", [])
    assert result.outcome == Outcome.UNUSED


def test_too_large_message_is_refused_and_not_kept(deliver, member, app):
    app.config["MAIL_RECEIVER_MAX_BYTES"] = 1000
    raw = fixture_bytes("outlook_sv.eml") + b"x" * 2000
    result = receive(raw, [address("svar", member.id, "question", 1)])
    assert result.outcome == Outcome.REFUSED and "för stort" in result.reason
    assert db.session.scalar(select(InboundMessage.raw)) == b""


def test_unexpected_error_in_a_rule_is_recorded_and_the_receiver_goes_on(
    deliver, member, create_user, create_question, monkeypatch
):
    from hub.inbound import replies

    def broken(message, token):
        raise ZeroDivisionError

    monkeypatch.setattr(replies, "handle", broken)
    question = create_question(create_user())
    result = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.UNUSED and "ZeroDivisionError" in result.reason
    monkeypatch.undo()
    result = deliver("gmail_en.eml", "svar", member.id, "question", question.id)
    assert result.outcome == Outcome.REFUSED  # the next message is handled (and its From checked)


# --- one message, one row: by Message-ID, and by content where that is not enough -------------

OUTLOOK_ID = "<GV1P189MB1234567A8B9C0D1E2F3A4B5C6D7E8F9@GV1P189MB1234.EURP189.PROD.OUTLOOK.COM>"


def test_the_same_message_by_another_route_is_stored_once(
    deliver, member, create_user, create_question
):
    """A second delivery differs only in what the MTAs on the way added (Received, …)."""
    question = create_question(create_user())
    first = deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    raw = b"Received: from mx2.example.test by mx.svar.stafetten.test\r\n" + fixture_bytes(
        "outlook_sv.eml"
    ).replace(b"\n", b"\r\n")
    again = receive(raw, [address("svar", member.id, "question", question.id)])
    assert first.outcome == Outcome.USED and again.duplicate
    assert count(Answer) == 1 and count(InboundMessage) == 1


def test_other_content_under_a_used_message_id_is_kept_for_the_admin_never_used(
    deliver, member, create_user, create_question
):
    question = create_question(create_user())
    deliver("outlook_sv.eml", "svar", member.id, "question", question.id)
    changed = {"Vi startar om roboten": "Något helt annat"}
    other = deliver("outlook_sv.eml", "svar", member.id, "question", question.id, **changed)
    assert other.outcome == Outcome.IGNORED and "samma Message-ID" in other.reason
    assert count(Answer) == 1
    again = deliver("outlook_sv.eml", "svar", member.id, "question", question.id, **changed)
    assert again.duplicate and count(InboundMessage) == 2
    keys = db.session.scalars(select(InboundMessage.message_key).order_by(InboundMessage.id))
    assert [key.partition(" ")[0] for key in keys] == [OUTLOOK_ID, OUTLOOK_ID]


def test_without_a_message_id_the_content_tells_messages_apart(
    deliver, member, create_user, create_question
):
    question = create_question(create_user())
    no_id = {f"Message-ID: {OUTLOOK_ID}\n": ""}
    first = deliver("outlook_sv.eml", "svar", member.id, "question", question.id, **no_id)
    again = deliver("outlook_sv.eml", "svar", member.id, "question", question.id, **no_id)
    other = deliver(
        "outlook_sv.eml", "svar", member.id, "question", question.id,
        **no_id, **{"Vi startar om roboten": "Vi laddar den varje natt"},
    )  # fmt: skip
    assert first.outcome == Outcome.USED and again.duplicate and other.outcome == Outcome.USED
    assert count(Answer) == 2 and count(InboundMessage) == 2
    keys = db.session.scalars(select(InboundMessage.message_key))
    assert all(key.startswith("sha256:") for key in keys)
