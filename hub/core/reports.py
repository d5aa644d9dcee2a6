"""Reports of accessibility problems go to every admin through the outbox."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Role, User
from hub.extensions import db
from hub.mail.outbox import queue_email


def send_accessibility_report(description: str, reply_to: str | None, page: str | None) -> int:
    """Queue the report to the admins; returns how many were told."""
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    ).all()
    for admin in admins:
        queue_email(
            "accessibility_report",
            admin.email,
            kind="accessibility_report",
            user_id=admin.id,
            description=description,
            reply_to=reply_to,
            page=page,
        )
    return len(admins)
