"""Routes of the notifications part: ``/notiser`` and marking as read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select, update

from hub.core.db import utcnow
from hub.core.driver_rows import DriverStatement
from hub.extensions import db
from hub.notifications.models import Notification
from hub.notifications.unread import unread_notification_count

bp = Blueprint("notifications", __name__)

# The header of every page shows the unread count (hub/notifications/unread.py).
bp.add_app_template_global(unread_notification_count, "unread_notification_count")


# Built once, and rows: the page shows four columns of fifty notifications. Sent on the driver's
# cursor: SQLAlchemy's execution of it cost the worker more than its fifty rows (~0.07 ms).
NEWEST = DriverStatement(
    lambda: (
        select(Notification.id, Notification.text, Notification.created_at, Notification.read_at)
        .where(Notification.user_id == bindparam("user_id"))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(50)
    )
)


@bp.get("/notiser")
@login_required
def index():
    rows = NEWEST.rows({"user_id": current_user.id})
    return render_template("notifications/index.html", notifications=rows)


def _safe_url(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else url_for(".index")


@bp.post("/notiser/<int:notification_id>/las")
@login_required
def read(notification_id: int):
    """Mark as read and go to what it is about."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
    return redirect(_safe_url(notification.url), code=303)


@bp.post("/notiser/las-alla")
@login_required
def read_all():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return redirect(url_for(".index"), code=303)
