"""The receiver: every message that comes back is stored raw once, then handled by one rule.

``receive`` is what ``flask hub receive-mail`` (stdin) calls; the LMTP server calls ``store_many``
for the messages that arrived together and answers the MTA, then ``handle_stored`` for each. A
message is stored under its Message-ID (a second delivery of the same message does nothing),
taken for handling in a transaction of its own (so a receiver killed mid-way leaves it
"handling", tried again by ``retry_stuck``), sent to the rule for its address (``svar+``
replies, ``rsvp+`` calendar answers, ``retur+`` bounces; automatic replies are dropped first)
and its outcome recorded with why. Nothing a sender writes can make it raise: a rule that says
no is recorded as refused, an unexpected error as unused (and logged), and the receiver goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from hub.auth.models import User
from hub.core.db import read_only, utcnow
from hub.core.rules import RuleError
from hub.extensions import db
from hub.inbound import addresses, bounces, calendar_replies, reading, replies
from hub.inbound.models import InboundMessage, Outcome
from hub.inbound.results import Result

log = logging.getLogger(__name__)
# Longer Message-IDs are nonsense; such messages are known by their digest instead.
LONGEST_MESSAGE_ID = 180
UNCHANGED = {"synchronize_session": False}


@dataclass
class Delivery:
    raw: bytes
    recipients: list[str] = field(default_factory=list)
    envelope_from: str = ""


def message_key(message, digest: str) -> str:
    """The Message-ID, else the digest of the content."""
    message_id = reading.header(message, "Message-ID").strip()
    if message_id and len(message_id) <= LONGEST_MESSAGE_ID:
        return message_id
    return "sha256:" + digest


def receive(raw: bytes, recipients: list[str], envelope_from: str = "") -> Result:
    """Store and handle one message; commits. Safe to call twice with the same message."""
    row_id = store(raw, recipients, envelope_from)
    if row_id is None:
        return Result(Outcome.IGNORED, "redan mottaget", duplicate=True)
    return handle_stored(row_id) or Result(Outcome.IGNORED, "hanterat av någon annan")


def store(raw: bytes, recipients: list[str], envelope_from: str = "") -> int | None:
    """Keep one message; commits. Its row id, None when it was kept already."""
    return store_many([Delivery(raw, recipients, envelope_from)])[0]


def store_many(deliveries: Sequence[Delivery]) -> list[int | None]:
    """Keep each message, raw, in one transaction; commits. Row ids, None for those kept already.

    Only the headers are read here, so the MTA gets its answer quickly; ``handle_stored`` does
    the rest (at once for stdin, after the answer in the LMTP server). One INSERT for all: on
    PostgreSQL one round trip, not one per message."""
    rows = [_row(delivery) for delivery in deliveries]
    inserted = dict(db.session.execute(_insert_once(rows)).all()) if rows else {}
    # A key not inserted was taken already: by an earlier message, or earlier in this batch.
    row_ids = [inserted.pop(values["message_key"], None) or _store_taken(values) for values in rows]
    db.session.commit()
    return row_ids


def _store_taken(values: dict) -> int | None:
    """The key is taken: the same message again (None), or another under a used Message-ID."""
    key = values["message_key"]
    if key.startswith("sha256:"):
        return None
    kept = db.session.execute(
        select(InboundMessage.id, InboundMessage.digest).where(InboundMessage.message_key == key)
    ).one()
    if kept.digest in (values["digest"], ""):  # the same message again ("": kept before digests)
        return None
    # Another message under a Message-ID already used (a broken mailer, a forgery, a copy
    # changed on the way): kept for an admin, never handled, so nothing is posted twice.
    values = {
        **values,
        "message_key": f"{key} {values['digest']}",
        "outcome": Outcome.IGNORED,
        "reason": f"samma Message-ID som meddelande {kept.id} men annat innehåll",
    }
    taken = db.session.execute(_insert_once([values])).one_or_none()
    return None if taken is None else taken.id


def _row(delivery: Delivery) -> dict:
    raw = delivery.raw
    too_large = len(raw) > current_app.config["MAIL_RECEIVER_MAX_BYTES"]
    head = reading.parse_headers(raw)
    digest = reading.content_digest(raw)
    return {
        "message_key": message_key(head, digest),
        "digest": digest,
        "received_at": utcnow(),
        "envelope_from": delivery.envelope_from[:254],
        "recipient": _route(delivery.recipients)[0][:254],
        "from_address": reading.sender_address(head)[:254],
        "subject": reading.header(head, "Subject")[:255],
        "size": len(raw),
        "raw": b"" if too_large else raw,
        "outcome": Outcome.REFUSED if too_large else Outcome.PENDING,
        "reason": f"för stort ({len(raw) // (1024 * 1024)} MB)" if too_large else "",
    }


def _insert_once(rows: list[dict]):
    """INSERT … ON CONFLICT (message_key) DO NOTHING RETURNING message_key, id: one statement,
    and a second delivery (even one racing the first, or in the same batch) inserts nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = InboundMessage.__table__
    statement = insert(table).values(rows).on_conflict_do_nothing(index_elements=["message_key"])
    return statement.returning(table.c.message_key, table.c.id)


def claim(row_id: int) -> tuple[int, bytes, str] | None:
    """Take a pending message for handling, in a transaction of its own; commits.

    (attempt, raw, recipient), or None when it is not pending. Committed before the handling
    starts, so a receiver killed mid-way leaves the message "handling" with the attempt counted
    (``retry_stuck``), and one that kills the receiver each time is not tried for ever."""
    taken = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id, InboundMessage.outcome == Outcome.PENDING)
        .values(
            outcome=Outcome.HANDLING,
            attempts=InboundMessage.attempts + 1,
            handling_since=utcnow(),
        )
        .returning(InboundMessage.attempts, InboundMessage.raw, InboundMessage.recipient),
        execution_options=UNCHANGED,
    ).one_or_none()
    db.session.commit()
    return None if taken is None else (taken.attempts, taken.raw, taken.recipient)


def handle_stored(row_id: int) -> Result | None:
    """Handle a stored message once; commits. None when it is not (or no longer) pending."""
    taken = claim(row_id)
    if taken is None:
        return _not_pending(row_id)
    attempt, raw, recipient = taken
    # Parsed outside any transaction: no lock is held while the MIME is read.
    result = _handle(reading.parse(raw), [recipient] if recipient else [])
    # The token may name a member deleted since the mail went out.
    known = result.user_id is not None and db.session.get(User, result.user_id) is not None
    values = {
        "kind": result.kind,
        "outcome": result.outcome,
        "reason": result.reason[:300],
        "user_id": result.user_id if known else None,
        "handling_since": None,
    }
    if result.result:
        values["result_type"], values["result_id"] = result.result
    finished = db.session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.id == row_id,
            InboundMessage.outcome == Outcome.HANDLING,
            InboundMessage.attempts == attempt,
        )
        .values(**values),
        execution_options=UNCHANGED,
    ).rowcount
    if not finished:
        # This handling took so long that the message was taken again: that one counts.
        db.session.rollback()
        return None
    db.session.commit()
    return result


def _not_pending(row_id: int) -> Result | None:
    """What became of a message stored as already decided (too large, a reused Message-ID) or
    handled by another worker meanwhile; None while another is still at it."""
    with read_only():
        row = db.session.get(InboundMessage, row_id)
        if row is None or row.outcome in (Outcome.PENDING, Outcome.HANDLING):
            return None
        return Result(row.outcome, row.reason, row.user_id, kind=row.kind)


def give_up(row_id: int, error: BaseException) -> None:
    """Handling failed outside the rules (the database said no): keep it for an admin."""
    db.session.rollback()
    db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id)
        .values(
            outcome=Outcome.UNUSED,
            reason=f"fel i mottagningen: {type(error).__name__}",
            handling_since=None,
        ),
        execution_options=UNCHANGED,
    )
    db.session.commit()


def pending_ids(limit: int = 1000) -> list[int]:
    """Messages stored but not handled (the receiver stopped in between): handled at start."""
    with read_only():
        return list(
            db.session.scalars(
                select(InboundMessage.id)
                .where(InboundMessage.outcome == Outcome.PENDING)
                .order_by(InboundMessage.id)
                .limit(limit)
            )
        )


def retry_stuck() -> list[int]:
    """Messages "handling" for longer than MAIL_RECEIVER_RETRY_SECONDS (the receiver was killed
    or hung mid-way) are pending again; those tried MAIL_RECEIVER_ATTEMPTS times are kept for an
    admin with the reason instead. Commits; returns the ids to handle again."""
    config = current_app.config
    before = utcnow() - timedelta(seconds=config["MAIL_RECEIVER_RETRY_SECONDS"])
    stuck = (InboundMessage.outcome == Outcome.HANDLING, InboundMessage.handling_since < before)
    attempts = config["MAIL_RECEIVER_ATTEMPTS"]
    db.session.execute(
        update(InboundMessage)
        .where(*stuck, InboundMessage.attempts >= attempts)
        .values(
            outcome=Outcome.UNUSED,
            reason=f"avbröts mitt i hanteringen {attempts} gånger (mottagningen stoppades)",
            handling_since=None,
        ),
        execution_options=UNCHANGED,
    )
    again = db.session.scalars(
        update(InboundMessage)
        .where(*stuck)
        .values(outcome=Outcome.PENDING, handling_since=None)
        .returning(InboundMessage.id),
        execution_options=UNCHANGED,
    ).all()
    db.session.commit()
    return sorted(again)


def _route(recipients: list[str]) -> tuple[str, addresses.AddressToken | None]:
    """The first recipient that is one of our addresses, and its token."""
    for recipient in recipients:
        try:
            return recipient, addresses.parse_address(recipient)
        except addresses.BadAddress:
            continue
    return (recipients[0] if recipients else ""), None


def _handle(message, recipients: list[str]) -> Result:
    recipient, token = _route(recipients)
    if token is None:
        return Result(Outcome.UNUSED, "inte en giltig svarsadress: " + recipient[:200])
    kind = {"svar": "reply", "rsvp": "rsvp", "retur": "bounce"}[token.purpose]
    if kind != "bounce" and reading.is_automatic(message):
        # Delivery reports are automatic too; everything else automatic is an out-of-office.
        return Result(Outcome.DROPPED, "automatiskt svar", token.user_id, kind="auto_reply")
    result = _run_rule(kind, message, token)
    result.kind = kind
    return result


def _run_rule(kind: str, message, token: addresses.AddressToken) -> Result:
    rule = {"reply": replies.handle, "rsvp": calendar_replies.handle, "bounce": bounces.handle}
    try:
        with db.session.begin_nested():
            return rule[kind](message, token)
    except RuleError as error:
        return Result(Outcome.REFUSED, error.message, token.user_id)
    except Exception as error:
        log.exception("Inkommande meddelande kunde inte hanteras")
        return Result(Outcome.UNUSED, f"fel i mottagningen: {type(error).__name__}", token.user_id)
