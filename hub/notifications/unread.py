"""How many of a member's notifications are unread: the header of every page shows it.

Every signed-in request reads it with the member, in the user's own statement
(``hub.auth.accounts.load_user`` adds ``UNREAD_COLUMN``): one statement for both, a round trip
less on PostgreSQL. Counting stops at ``COUNT_CAP``, so the header stays cheap ("99+")."""

from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from hub.core.db import reading_connection
from hub.notifications.models import Notification

COUNT_CAP = 100
KEPT = "unread_notifications"  # in ``g``: this request's count

# Built once: every signed-in request runs it, and building it cost twice what running it does.
UNREAD_COUNT = select(func.count()).select_from(
    select(Notification.id)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .limit(COUNT_CAP)
    .subquery()
)
# The same count as a column of a statement that has the member's id as ``user_id``.
UNREAD_COLUMN = UNREAD_COUNT.scalar_subquery().label("unread_notifications")


def keep_unread(count: int) -> None:
    """The count read with the member at the start of the request, for the header."""
    g.unread_notifications = count


def unread_count(user_id: int) -> int:
    # Through the connection: the ORM's work per statement costs more than this count.
    return reading_connection().scalar(UNREAD_COUNT, {"user_id": user_id}) or 0


def unread_notification_count() -> int:
    """For the header: read with the member, or counted here for a member loaded otherwise."""
    user = current_user._get_current_object()  # one look-up through each proxy, not two
    if not user.is_authenticated:
        return 0
    request_g = g._get_current_object()
    count = request_g.get(KEPT)
    if count is None:
        count = request_g.unread_notifications = unread_count(user.id)
    return count
