"""``retur+`` mail: a delivery status report (RFC 3464) about one message the hub sent.

The VERP address names the outbox row, so there is no guessing which message or member it is
about. A permanent failure (Action: failed, Status 5.x.x) marks the row bounced; the third hard
bounce to an address in 30 days suppresses it for everything but account mail
(``hub.mail.suppression``). A temporary one (4.x.x, "delayed") is noted and changes nothing.
A bounce storm (many addresses of one domain at once: the municipality's mail server is down or
misconfigured, not its people gone) marks the rows but suppresses nobody.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.core.db import utcnow
from hub.extensions import db
from hub.inbound import reading
from hub.inbound.addresses import AddressToken
from hub.inbound.models import Outcome
from hub.inbound.results import Refused, Result
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.suppression import mark_bounced

STORM_ADDRESSES = 10  # distinct addresses of one domain bounced ...
STORM_WINDOW = timedelta(hours=1)  # ... within this long: a storm


def handle(message, token: AddressToken) -> Result:
    row = db.session.get(OutboxMessage, token.target_id) if token.target == "outbox" else None
    if row is None:
        raise Refused("studsen gäller ett meddelande som inte finns (längre)")
    reports = reading.delivery_reports(message)
    if not reports:
        return Result(
            Outcome.UNUSED, "ingen leveransrapport (message/delivery-status)", row.user_id
        )
    failed = [report for report in reports if _is_hard(report)]
    if not failed:
        status = reports[0].get("status", "?")
        return Result(Outcome.IGNORED, f"tillfälligt fel ({status}): ingen ändring", row.user_id)
    if row.status == OutboxStatus.BOUNCED:
        return Result(Outcome.IGNORED, "meddelandet är redan markerat som studsat", row.user_id)
    # PENDING: a local MTA can bounce before the sender has marked the message sent; the
    # sender's "sent" then finds it bounced and leaves it so (it only finishes pending rows).
    if row.status not in (OutboxStatus.SENT, OutboxStatus.PENDING):
        return Result(Outcome.IGNORED, f"meddelandet har status {row.status}", row.user_id)
    reason = _reason(failed[0])
    storm = in_storm(row.to_address)
    suppression = mark_bounced(row, reason, count=not storm)
    if storm:
        domain = row.to_address.rpartition("@")[2]
        note = f"studsstorm från {domain}: markerad, ingen adress spärras"
        return Result(Outcome.USED, note, row.user_id, ("outbox", row.id))
    note = f"studsade: {reason}" + ("; adressen är nu spärrad" if suppression else "")
    return Result(Outcome.USED, note, row.user_id, ("outbox", row.id))


def _is_hard(report: dict[str, str]) -> bool:
    return report.get("action", "").lower() == "failed" and report.get("status", "").startswith("5")


def _reason(report: dict[str, str]) -> str:
    status = report.get("status", "")
    diagnostic = report.get("diagnostic-code", "").partition(";")[2].strip()
    return f"{status} {diagnostic}".strip()[:300]


def in_storm(address: str) -> bool:
    """Many addresses of the same domain bounced within the last hour."""
    domain = address.rpartition("@")[2].lower()
    bounced = db.session.scalar(
        select(func.count(func.distinct(OutboxMessage.to_address))).where(
            OutboxMessage.status == OutboxStatus.BOUNCED,
            OutboxMessage.bounced_at >= utcnow() - STORM_WINDOW,
            OutboxMessage.to_address.like(f"%@{domain}"),
        )
    )
    return bounced >= STORM_ADDRESSES
