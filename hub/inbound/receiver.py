"""The receiver: every message that comes back is stored raw once, then handled by one rule.

``receive`` is what both ``flask hub receive-mail`` (stdin) and the LMTP server call. It stores
the message under its Message-ID (a second delivery of the same message does nothing), sends it
to the rule for its address (``svar+`` replies, ``rsvp+`` calendar answers, ``retur+`` bounces;
automatic replies are dropped first) and records the outcome and why. Nothing a sender writes
can make it raise: a rule that says no is recorded as refused, an unexpected error as unused
(and logged), and the receiver goes on with the next message.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from sqlalchemy import select, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.rules import RuleError
from hub.extensions import db
from hub.inbound import addresses, bounces, calendar_replies, reading, replies
from hub.inbound.models import InboundMessage, Outcome
from hub.inbound.results import Result

log = logging.getLogger(__name__)
HANDLING = "handling"  # taken by one worker (never two handle the same message)


def message_key(message, raw: bytes) -> str:
    """The Message-ID, else a digest of the bytes."""
    message_id = reading.header(message, "Message-ID").strip()
    if message_id and len(message_id) <= 250:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def receive(raw: bytes, recipients: list[str], envelope_from: str = "") -> Result:
    """Store and handle one message; commits. Safe to call twice with the same message."""
    row_id = store(raw, recipients, envelope_from)
    if row_id is None:
        return Result(Outcome.IGNORED, "redan mottaget", duplicate=True)
    return handle_stored(row_id) or Result(Outcome.IGNORED, "hanterat av någon annan")


def store(raw: bytes, recipients: list[str], envelope_from: str = "") -> int | None:
    """Keep the message, raw, under its Message-ID; commits. None when it was kept already.

    Only the headers are read here, so the MTA gets its answer quickly; ``handle_stored`` does
    the rest (at once for stdin, in the receiver's worker for LMTP)."""
    limit = current_app.config.get("MAIL_RECEIVER_MAX_BYTES", 25 * 1024 * 1024)
    too_large = len(raw) > limit
    head = reading.parse_headers(raw)
    values = {
        "message_key": message_key(head, raw),
        "received_at": utcnow(),
        "envelope_from": envelope_from[:254],
        "recipient": _route(recipients)[0][:254],
        "from_address": reading.sender_address(head)[:254],
        "subject": reading.header(head, "Subject")[:255],
        "size": len(raw),
        "raw": b"" if too_large else raw,
        "outcome": Outcome.REFUSED if too_large else Outcome.PENDING,
        "reason": f"för stort ({len(raw) // (1024 * 1024)} MB)" if too_large else "",
    }
    row_id = db.session.execute(_insert_once(values)).scalar()
    db.session.commit()
    return row_id


def _insert_once(values: dict):
    """INSERT … ON CONFLICT (message_key) DO NOTHING RETURNING id: one statement, and a second
    delivery (even one racing the first) inserts nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = InboundMessage.__table__
    statement = insert(table).values(**values)
    return statement.on_conflict_do_nothing(index_elements=["message_key"]).returning(table.c.id)


def handle_stored(row_id: int) -> Result | None:
    """Handle a stored message once; commits. None when it is not (or no longer) pending."""
    taken = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id, InboundMessage.outcome == Outcome.PENDING)
        .values(outcome=HANDLING),
        execution_options={"synchronize_session": False},
    ).rowcount
    row = db.session.get(InboundMessage, row_id)
    if not taken:
        db.session.commit()
        if row is not None and row.outcome == Outcome.REFUSED:
            return Result(row.outcome, row.reason, kind=row.kind)
        return None
    result = _handle(reading.parse(row.raw), _recipients(row), row)
    row.kind = result.kind
    row.outcome = result.outcome
    row.reason = result.reason[:300]
    # The token may name a member deleted since the mail went out.
    known = result.user_id is not None and db.session.get(User, result.user_id) is not None
    row.user_id = result.user_id if known else None
    if result.result:
        row.result_type, row.result_id = result.result
    db.session.commit()
    return result


def give_up(row_id: int, error: BaseException) -> None:
    """Handling failed outside the rules (the database said no): keep it for an admin."""
    db.session.rollback()
    db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id)
        .values(outcome=Outcome.UNUSED, reason=f"fel i mottagningen: {type(error).__name__}"),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def pending_ids(limit: int = 1000) -> list[int]:
    """Messages stored but not handled (the receiver stopped in between): handled at start."""
    return list(
        db.session.scalars(
            select(InboundMessage.id)
            .where(InboundMessage.outcome == Outcome.PENDING)
            .order_by(InboundMessage.id)
            .limit(limit)
        )
    )


def _recipients(row: InboundMessage) -> list[str]:
    return [row.recipient] if row.recipient else []


def _route(recipients: list[str]) -> tuple[str, addresses.AddressToken | None]:
    """The first recipient that is one of our addresses, and its token."""
    for recipient in recipients:
        try:
            return recipient, addresses.parse_address(recipient)
        except addresses.BadAddress:
            continue
    return (recipients[0] if recipients else ""), None


def _handle(message, recipients: list[str], row: InboundMessage) -> Result:
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
