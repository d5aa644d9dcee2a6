"""Creating notifications. The forum and meetings call ``notify``; the mailer reads the rows."""

from __future__ import annotations

from sqlalchemy import insert

from hub.core.db import utcnow
from hub.extensions import db
from hub.notifications.models import Notification


def notify(
    user_id: int,
    kind: str,
    text: str,
    url: str,
    actor_id: int | None = None,
    *,
    mailed: bool = False,
    post: tuple[str, int] | None = None,
) -> Notification | None:
    """Add a notification in the caller's transaction; nobody is notified of their own action.

    ``mailed``: the caller queued a mail of its own about the same event (a meeting invitation
    with its calendar file, say). The notification then shows in the hub only, so that nobody
    gets a second mail, a notification mail or a digest line, about one event.
    ``post``: ("question" | "answer" | "comment", id) the event is about; its mail shows the text.
    """
    if actor_id is not None and actor_id == user_id:
        return None
    notification = Notification(
        user_id=user_id,
        kind=kind,
        text=text,
        url=url,
        actor_id=actor_id,
        emailed_at=utcnow() if mailed else None,
        post_type=post[0] if post else None,
        post_id=post[1] if post else None,
    )
    db.session.add(notification)
    return notification


def notify_many(
    recipients: dict[int, tuple[str, str]],
    url: str,
    actor_id: int | None = None,
    *,
    post: tuple[str, int] | None = None,
) -> None:
    """``notify`` each recipient (user id → (kind, text)) in one INSERT: an answer to a question
    with many followers costs the same statements as one with few."""
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "text": text,
            "url": url,
            "actor_id": actor_id,
            "created_at": now,
            "post_type": post[0] if post else None,
            "post_id": post[1] if post else None,
        }
        for user_id, (kind, text) in recipients.items()
        if user_id != actor_id
    ]
    if rows:
        # The table's insert, not the ORM's bulk insert: nothing is read back, and the ORM's
        # bulk path cost a twentieth of an answer's CPU.
        db.session.execute(insert(Notification.__table__), rows)
