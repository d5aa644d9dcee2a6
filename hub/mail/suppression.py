"""Addresses that bounce: after three hard bounces in 30 days nothing but account mail goes there.

The receiver (hub.inbound.bounces) marks the outbox row bounced and calls ``record_bounce``; the
outbox asks ``is_suppressed`` before it queues anything. The member sees a banner at the next
sign-in; the coordinators of the member's municipality see the address on the network page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail.models import OutboxMessage, OutboxStatus, SuppressedAddress

HARD_BOUNCES = 3
WINDOW = timedelta(days=30)


def is_suppressed(address: str) -> bool:
    return (
        db.session.scalar(
            select(SuppressedAddress.id).where(SuppressedAddress.email == address.strip().lower())
        )
        is not None
    )


def hard_bounces(address: str, now: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(
            OutboxMessage.to_address == address,
            OutboxMessage.status == OutboxStatus.BOUNCED,
            OutboxMessage.bounced_at >= now - WINDOW,
        )
    )


def mark_bounced(
    row: OutboxMessage, reason: str, *, count: bool = True
) -> SuppressedAddress | None:
    """The message did not arrive. With ``count`` the address is suppressed at the third hard
    bounce in 30 days; returns the new suppression, if this bounce made one. Flushes."""
    now = utcnow()
    # Bounces to one address handled at once (the receiver's threads on PostgreSQL) are
    # counted one after the other, so the third is seen as the third. SQLite has one writer.
    db.session.execute(
        select(OutboxMessage.id)
        .where(OutboxMessage.to_address == row.to_address, OutboxMessage.id == _first_id(row))
        .with_for_update()
    )
    row.status = OutboxStatus.BOUNCED
    row.bounced_at = now
    row.last_error = reason[:500]
    db.session.flush()
    if not count or is_suppressed(row.to_address):
        return None
    if hard_bounces(row.to_address, now) < HARD_BOUNCES:
        return None
    suppression = SuppressedAddress(
        email=row.to_address.strip().lower(),
        user_id=row.user_id,
        reason=reason[:300],
        created_at=now,
    )
    db.session.add(suppression)
    db.session.flush()
    return suppression


def _first_id(row: OutboxMessage) -> int:
    """The oldest message to the address: the one row every bounce to it locks."""
    return db.session.scalar(
        select(func.min(OutboxMessage.id)).where(OutboxMessage.to_address == row.to_address)
    )


def lift(address: str) -> None:
    """The member confirmed the address (or changed it), or an admin lifted it."""
    db.session.execute(delete(SuppressedAddress).where(SuppressedAddress.email == address.lower()))
    db.session.flush()


def suppression_for(user_id: int) -> SuppressedAddress | None:
    return db.session.scalar(select(SuppressedAddress).where(SuppressedAddress.user_id == user_id))


def tell_member(user_id: int) -> SuppressedAddress | None:
    """At sign-in: the member's suppression, if any; the first time is recorded. Flushes."""
    suppression = suppression_for(user_id)
    if suppression is not None and suppression.member_told_at is None:
        suppression.member_told_at = utcnow()
        db.session.flush()
    return suppression


def bouncing_members(municipality_codes: list[str]) -> list[tuple[str, str, datetime]]:
    """For the network page's coordinators: (name, address, since) of the members of these
    municipalities whose address is suppressed."""
    from hub.auth.models import User

    if not municipality_codes:
        return []
    rows = db.session.execute(
        select(User.name, SuppressedAddress.email, SuppressedAddress.created_at)
        .join(User, User.id == SuppressedAddress.user_id)
        .where(User.municipality_code.in_(municipality_codes), User.active.is_(True))
        .order_by(User.name)
    )
    return [tuple(row) for row in rows]
