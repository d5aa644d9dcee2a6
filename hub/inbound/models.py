"""Mail that came back to the hub: every message stored raw once, with what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.db import UTCDateTime, utcnow
from hub.extensions import db


class Outcome:
    PENDING = "pending"  # stored, not handled yet (the LMTP server answers before handling)
    HANDLING = "handling"  # taken by one worker; back to pending if it never finishes
    USED = "used"  # posted, RSVP set, bounce recorded
    DROPPED = "dropped"  # an automatic reply ("Frånvaro"): counted, never posted or answered
    IGNORED = "ignored"  # nothing to do (sent twice, a tentative answer, an older invitation)
    REFUSED = "refused"  # not allowed (forged sender, someone else's address, a deleted question)
    UNUSED = "unused"  # nothing we could use it for (no text, no calendar, malformed)


# What the admin list shows: everything that did not do what it was meant to.
FOR_ADMIN = (Outcome.REFUSED, Outcome.UNUSED, Outcome.IGNORED)


class InboundMessage(db.Model):
    __table_args__ = (Index("ix_inbound_message_outcome", "outcome", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID (or the digest when there is none): delivering a message twice stores and
    # handles it once. Another message reusing a Message-ID is kept under "<id> <digest>".
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    # SHA-256 of the content without the headers MTAs add on the way (Received …).
    digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    envelope_from: Mapped[str] = mapped_column(String(254), default="")
    recipient: Mapped[str] = mapped_column(String(254), default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(default=0)
    # "reply", "rsvp", "bounce", "auto_reply" or "other"
    kind: Mapped[str] = mapped_column(String(20), default="other")
    outcome: Mapped[str] = mapped_column(String(20), default=Outcome.UNUSED)
    reason: Mapped[str] = mapped_column(String(300), default="")
    # The member's own mail: it goes with the account.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # What it became, e.g. ("answer", 12), for the admin list.
    result_type: Mapped[str | None] = mapped_column(String(20))
    result_id: Mapped[int | None] = mapped_column()
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # Each handling is taken in a transaction of its own first: a receiver killed mid-way leaves
    # the message "handling", and it is tried again after a while, a few times at most.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    handling_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
