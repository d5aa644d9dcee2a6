"""Creating notifications. The forum and meetings call ``notify``; the mailer reads the rows."""

from __future__ import annotations

from hub.extensions import db
from hub.notifications.models import Notification


def notify(
    user_id: int, kind: str, text: str, url: str, actor_id: int | None = None
) -> Notification | None:
    """Add a notification in the caller's transaction; nobody is notified of their own action."""
    if actor_id is not None and actor_id == user_id:
        return None
    notification = Notification(user_id=user_id, kind=kind, text=text, url=url, actor_id=actor_id)
    db.session.add(notification)
    return notification
