"""The site's own table: accessibility reports waiting for the admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db


class AccessibilityReport(db.Model):
    """A report from the accessibility statement's form, kept until it has gone to the admins
    in one combined mail (at most one an hour, so the form cannot make the hub mail them
    without limit)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    # As typed, not checked: the mail says so.
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    # A path on this site the sender came from (``guards.local_path``), or "".
    page: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
