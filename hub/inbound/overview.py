"""What the admin page shows: counts per outcome, the messages not used, suppressed addresses."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.extensions import db
from hub.inbound.models import FOR_ADMIN, InboundMessage
from hub.mail.models import SuppressedAddress


def overview(limit: int = 100) -> dict:
    counts = dict(
        db.session.execute(
            select(InboundMessage.outcome, func.count()).group_by(InboundMessage.outcome)
        ).all()
    )
    # Not the raw bytes: the list needs only who, what and why.
    unused = db.session.execute(
        select(
            InboundMessage.received_at,
            InboundMessage.kind,
            InboundMessage.outcome,
            InboundMessage.from_address,
            InboundMessage.subject,
            InboundMessage.reason,
        )
        .where(InboundMessage.outcome.in_(FOR_ADMIN))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    ).all()
    suppressed = db.session.scalars(
        select(SuppressedAddress).order_by(SuppressedAddress.created_at.desc()).limit(200)
    ).all()
    return {"counts": counts, "unused": unused, "suppressed": suppressed}
