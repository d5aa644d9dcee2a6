"""Digest tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db


class Digest(db.Model):
    """One digest per member and period. The unique key is what makes two runs send one."""

    __table_args__ = (UniqueConstraint("user_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # "daily:2026-03-30" or "weekly:2026-W14"
    period_key: Mapped[str] = mapped_column(String(24))
    item_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
