"""Routes of the notifications part: ``/notiser`` and marking as read."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select, update

from hub.core.db import reading_connection, utcnow
from hub.extensions import db
from hub.notifications.models import Notification

bp = Blueprint("notifications", __name__)

COUNT_CAP = 100  # "99+" is enough; counting stops early so the header stays cheap


# Built once: the header of every page runs it, and building it cost twice what running it does.
UNREAD_COUNT = select(func.count()).select_from(
    select(Notification.id)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .limit(COUNT_CAP)
    .subquery()
)


def unread_count(user_id: int) -> int:
    # Through the connection: the ORM's work per statement costs more than this count.
    return reading_connection().scalar(UNREAD_COUNT, {"user_id": user_id}) or 0


@bp.app_template_global()
def unread_notification_count() -> int:
    """For the header: one cheap statement per request, only for signed-in members."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user.id)
    return g.unread_notifications


# Built once, and rows: the page shows four columns of fifty notifications.
NEWEST = (
    select(Notification.id, Notification.text, Notification.created_at, Notification.read_at)
    .where(Notification.user_id == bindparam("user_id"))
    .order_by(Notification.created_at.desc(), Notification.id.desc())
    .limit(50)
)


@bp.get("/notiser")
@login_required
def index():
    rows = db.session.execute(NEWEST, {"user_id": current_user.id}).all()
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
