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
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from hub.core.db import utcnow
from hub.core.rules import RuleError
from hub.extensions import db
from hub.inbound import addresses, reading
from hub.inbound.models import InboundMessage, Outcome

log = logging.getLogger(__name__)


@dataclass
class Result:
    outcome: str
    reason: str = ""
    user_id: int | None = None
    result: tuple[str, int] | None = None
    duplicate: bool = False
    kind: str = "other"


class Refused(RuleError):
    """The receiver's own "no" (forged sender, someone else's address): recorded, never posted."""


def message_key(message, raw: bytes) -> str:
    message_id = reading.header(message, "Message-ID").strip()
    if message_id and len(message_id) <= 250:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def receive(raw: bytes, recipients: list[str], envelope_from: str = "") -> Result:
    """Store and handle one message; commits. Safe to call twice with the same message."""
    limit = current_app.config.get("MAIL_RECEIVER_MAX_BYTES", 25 * 1024 * 1024)
    too_large = len(raw) > limit
    message = reading.parse(raw[:65536] if too_large else raw)
    row = InboundMessage(
        message_key=message_key(message, raw),
        received_at=utcnow(),
        envelope_from=envelope_from[:254],
        recipient=(recipients[0] if recipients else "")[:254],
        from_address=reading.sender_address(message)[:254],
        subject=reading.header(message, "Subject")[:255],
        size=len(raw),
        raw=b"" if too_large else raw,
    )
    if not _store(row):
        return Result(Outcome.IGNORED, "redan mottaget", duplicate=True)
    if too_large:
        result = Result(Outcome.REFUSED, f"för stort ({len(raw) // (1024 * 1024)} MB)")
    else:
        result = _handle(message, recipients, row)
    row.kind = result.kind
    row.outcome = result.outcome
    row.reason = result.reason[:300]
    row.user_id = result.user_id
    if result.result:
        row.result_type, row.result_id = result.result
    db.session.commit()
    return result


def _store(row: InboundMessage) -> bool:
    """Insert the raw message; False when a message with its key is stored already."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


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
    from hub.inbound import bounces, calendar_replies, replies

    rule = {"reply": replies.handle, "rsvp": calendar_replies.handle, "bounce": bounces.handle}
    try:
        with db.session.begin_nested():
            return rule[kind](message, token)
    except RuleError as error:
        return Result(Outcome.REFUSED, error.message, token.user_id)
    except Exception as error:
        log.exception("Inkommande meddelande kunde inte hanteras")
        return Result(Outcome.UNUSED, f"fel i mottagningen: {type(error).__name__}", token.user_id)
