"""The outbox: every outgoing message is a row here first. And each member's mail preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db


class OutboxStatus:
    PENDING = "pending"  # waiting to be sent, or claimed by a sender (claimed_by, lease_until)
    SENT = "sent"
    FAILED = "failed"  # permanent failure or too many attempts; last_error says why
    SUPPRESSED = "suppressed"  # the member has turned this kind of mail off; never sent
    BOUNCED = "bounced"  # sent, and a delivery status report came back: it did not arrive


class OutboxMessage(db.Model):
    __table_args__ = (
        # The claim query: pending messages that are due, oldest first.
        Index("ix_outbox_message_claim", "status", "next_attempt_at", "id"),
        # Hard bounces per address in the last 30 days (hub.mail.suppression).
        Index("ix_outbox_message_bounced", "to_address", "bounced_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What kind of mail it is ("confirm_email", "password_reset", "digest" …): unsubscribe and
    # preferences work per kind.
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Attachments as [{"filename", "content_type", "data" (text)}], e.g. .ics files.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Fixed when queued, so a message sent again after a crash keeps its Message-ID and the
    # receiving side can see it is the same message.
    message_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # A sender owns a claimed message until lease_until; after that anyone may take it again.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # When a delivery status report said the message did not arrive (hard bounce).
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailPreference(db.Model):
    """What mail a member wants. No row means the defaults in ``hub.mail.preferences``."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    # "daily", "weekly" or "never"
    digest_frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    # Per kind of notification: "immediately", "digest" or "never".
    answers: Mapped[str] = mapped_column(String(12), default="immediately")
    mentions: Mapped[str] = mapped_column(String(12), default="immediately")
    follows: Mapped[str] = mapped_column(String(12), default="digest")
    meetings: Mapped[str] = mapped_column(String(12), default="immediately")
    baton: Mapped[str] = mapped_column(String(12), default="immediately")
    announcements: Mapped[str] = mapped_column(String(12), default="immediately")
    # "full": mails carry what people wrote; "titles": only titles (shared computers).
    mail_text: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuppressedAddress(db.Model):
    """An address that bounced too often: nothing but account mail is sent to it.

    Removed when the member confirms an address again (or an admin lifts it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The banner at the member's next sign-in has been shown.
    member_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
