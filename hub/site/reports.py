"""Reports of accessibility problems: kept, then mailed to every admin in one combined mail at
most once an hour. Anyone may report without signing in, so the form is limited per IP and
in total, and the mail it causes cannot grow with the number of posts."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.auth.models import Role, User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.guards import local_path
from hub.core.rules import TooMany
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.site.models import AccessibilityReport

PER_IP_LIMITS = ((3, 3600), (10, 24 * 3600))
TOTAL_LIMITS = ((30, 3600), (100, 24 * 3600))
MAIL_EVERY = timedelta(hours=1)
RETRY_AFTER = 3600


def submit_report(description: str, reply_to: str | None, page: str | None, ip: str) -> None:
    """Keep the report (TooMany past the limits), and mail the waiting ones if it is time."""
    config = current_app.config
    per_ip = config.get("ACCESSIBILITY_IP_LIMITS") or PER_IP_LIMITS
    total = config.get("ACCESSIBILITY_TOTAL_LIMITS") or TOTAL_LIMITS
    if not ratelimit.allow("accessibility-ip", ip, per_ip) or not ratelimit.allow(
        "accessibility-all", "all", total
    ):
        raise TooMany(
            _("Vi har fått många rapporter på kort tid. Försök igen om en stund."),
            retry_after=RETRY_AFTER,
        )
    db.session.add(
        AccessibilityReport(
            description=description,
            reply_to=reply_to or "",
            page=(local_path(page) or "")[:500],
            created_at=utcnow(),
        )
    )
    db.session.flush()
    mail_waiting_reports()


def mail_waiting_reports() -> int:
    """One mail to each admin with every report not mailed yet, unless one went out within the
    hour (``flask hub send-mail`` tries again). Returns how many reports went."""
    now = utcnow()
    last = db.session.scalar(select(func.max(AccessibilityReport.mailed_at)))
    if last is not None and now - last < MAIL_EVERY:
        return 0
    waiting = db.session.scalars(
        select(AccessibilityReport)
        .where(AccessibilityReport.mailed_at.is_(None))
        .order_by(AccessibilityReport.created_at, AccessibilityReport.id)
        .with_for_update()
    ).all()
    if not waiting:
        return 0
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    ).all()
    for admin in admins:
        queue_email("accessibility_report", admin.email, user_id=admin.id, reports=waiting)
    for report in waiting:
        report.mailed_at = now
    db.session.flush()
    return len(waiting)
