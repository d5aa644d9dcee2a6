"""In-app notifications: the forum and meetings write them, /notiser and the mailer read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db


class Notification(db.Model):
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # "answer", "accept", "mention", "follow", "ask_to_answer", "meeting", "baton" …
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the mailer has sent it on its own or in a digest, so nothing is mailed twice.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The post it is about ("question", "answer" or "comment"), so its mail can carry the text.
    post_type: Mapped[str | None] = mapped_column(String(10))
    post_id: Mapped[int | None] = mapped_column()
