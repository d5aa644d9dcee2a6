"""``retur+`` mail: a delivery status report marks the outbox row bounced; three hard bounces in
30 days suppress the address for all but account mail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.inbound import bounces
from hub.inbound.models import Outcome
from hub.mail.models import OutboxMessage, OutboxStatus, SuppressedAddress
from hub.mail.outbox import queue_email
from hub.mail.sender import send_batch
from hub.mail.suppression import is_suppressed


def sent_message(user, n: int = 0) -> OutboxMessage:
    row = queue_email("baton_stuck", user.email, kind="baton", user_id=user.id,
                      network_name="N", person=user, url="/natverk/n")  # fmt: skip
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    db.session.commit()
    return row


def bounce(deliver, row, n: int = 0, **replace):
    return deliver("postfix_dsn.eml", "retur", row.user_id, "outbox", row.id,
                   **{"<20261204133430.72493210263@": f"<{row.id}-{n}@", **replace})  # fmt: skip


def test_postfix_report_marks_the_message_bounced(deliver, member):
    row = sent_message(member)
    result = bounce(deliver, row)
    assert result.outcome == Outcome.USED and "5.1.1" in result.reason
    db.session.refresh(row)
    assert row.status == OutboxStatus.BOUNCED and row.bounced_at is not None
    assert "unknown user" in row.last_error
    assert not is_suppressed(member.email)


def test_third_hard_bounce_in_30_days_suppresses_all_but_account_mail(deliver, member, smtp):
    rows = [sent_message(member) for _ in range(3)]
    for n, row in enumerate(rows):
        result = bounce(deliver, row, n)
    assert "spärrad" in result.reason
    assert is_suppressed(member.email)
    suppressed = db.session.scalar(select(SuppressedAddress))
    assert suppressed.user_id == member.id and "5.1.1" in suppressed.reason
    notice = queue_email("baton_stuck", member.email, kind="baton", user_id=member.id,
                         network_name="N", person=member, url="/natverk/n")  # fmt: skip
    reset = queue_email("password_reset", member.email, user_id=member.id, name="K", url="/x")
    db.session.commit()
    assert send_batch(utcnow(), 10).sent == 1
    db.session.refresh(notice)
    db.session.refresh(reset)
    assert notice.status == OutboxStatus.SUPPRESSED and "studsar" in notice.last_error
    assert reset.status == OutboxStatus.SENT
    assert [envelope[1] for envelope in smtp.envelopes] == [[member.email]]


def test_bounces_older_than_30_days_do_not_count(deliver, member):
    old = [sent_message(member) for _ in range(2)]
    for n, row in enumerate(old):
        bounce(deliver, row, n)
        row.bounced_at = utcnow() - timedelta(days=31)
    db.session.commit()
    bounce(deliver, sent_message(member), 9)
    assert not is_suppressed(member.email)


def test_the_same_report_twice_counts_once(deliver, member):
    row = sent_message(member)
    bounce(deliver, row, 0)
    again = bounce(deliver, row, 1)
    assert again.outcome == Outcome.IGNORED and "redan" in again.reason


def test_temporary_failure_changes_nothing(deliver, member):
    row = sent_message(member)
    temporary = {"Action: failed": "Action: delayed", "Status: 5.1.1": "Status: 4.4.1"}
    result = bounce(deliver, row, **temporary)
    assert result.outcome == Outcome.IGNORED and "4.4.1" in result.reason
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_report_about_a_pruned_message_is_refused(deliver, member):
    row = sent_message(member)
    db.session.delete(row)
    db.session.commit()
    assert bounce(deliver, row).outcome == Outcome.REFUSED


def test_bounce_without_a_delivery_report_is_kept(deliver, member):
    row = sent_message(member)
    result = deliver("outlook_sv.eml", "retur", member.id, "outbox", row.id)
    assert result.outcome == Outcome.UNUSED and "leveransrapport" in result.reason


def test_bounce_storm_from_one_domain_suppresses_nobody(deliver, create_user, replies_on):
    """The municipality's server refuses everything for a while: each member's mail bounces,
    round after round. That is the server, not the people: nobody is suppressed."""
    people = [create_user(email=f"p{n}@storm.test") for n in range(bounces.STORM_ADDRESSES + 3)]
    results = []
    for k in range(3):
        for n, person in enumerate(people):
            results.append(bounce(deliver, sent_message(person), n * 10 + k))
    assert "studsstorm från storm.test" in results[-1].reason
    assert db.session.scalars(select(SuppressedAddress.email)).all() == []
    assert all(result.outcome == Outcome.USED for result in results)


def test_a_bounce_before_the_sender_marked_the_message_sent_counts(deliver, member):
    """Postfix can bounce a local message before ``send_batch`` commits "sent"."""
    row = sent_message(member)
    row.status = OutboxStatus.PENDING
    db.session.commit()
    assert bounce(deliver, row).outcome == Outcome.USED
    db.session.refresh(row)
    assert row.status == OutboxStatus.BOUNCED


def test_a_bounce_for_a_suppressed_or_failed_message_changes_nothing(deliver, member):
    row = sent_message(member)
    row.status = OutboxStatus.FAILED
    db.session.commit()
    result = bounce(deliver, row)
    assert result.outcome == Outcome.IGNORED and "failed" in result.reason
