"""Networks, their member municipalities in rotation order, and coordinators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.db import UTCDateTime, utcnow
from hub.directory.models import Municipality
from hub.extensions import db

network_coordinator = Table(
    "network_coordinator",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Network(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # How often the network means to meet, in months; the baton reminders count from it.
    rhythm_months: Mapped[int] = mapped_column(default=3)
    # The municipality holding the baton now; BatonPass keeps the history.
    baton_holder_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.scb_code"))

    members: Mapped[list[NetworkMunicipality]] = relationship(
        back_populates="network",
        lazy="raise",
        order_by="NetworkMunicipality.position",
        cascade="all, delete-orphan",
    )
    coordinators: Mapped[list[User]] = relationship(secondary=network_coordinator, lazy="raise")
    baton_holder: Mapped[Municipality | None] = relationship(lazy="raise")


class NetworkMunicipality(db.Model):
    """A municipality's place in a network's rotation order."""

    __table_args__ = (UniqueConstraint("network_id", "municipality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # A municipality that leaves keeps its history but is skipped in the rotation.
    active: Mapped[bool] = mapped_column(default=True)

    network: Mapped[Network] = relationship(back_populates="members", lazy="raise")
    municipality: Mapped[Municipality] = relationship(lazy="raise")


class BatonPass(db.Model):
    """One change of who holds a network's baton, and why."""

    __table_args__ = (Index("ix_baton_pass_network_at", "network_id", "passed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    from_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.scb_code"))
    to_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"))
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "meeting_held", "passed_on", "coordinator", "start", "left_network"
    reason_kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    from_municipality: Mapped[Municipality | None] = relationship(
        foreign_keys=[from_code], lazy="raise"
    )
    to_municipality: Mapped[Municipality] = relationship(foreign_keys=[to_code], lazy="raise")
    meeting: Mapped[Meeting | None] = relationship(lazy="raise")
    by_user: Mapped[User | None] = relationship(lazy="raise")


class MeetingStatus(StrEnum):
    """A meeting's state; only ``hub.meetings.scheduling`` changes it (with its side effects)."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class Meeting(db.Model):
    __table_args__ = (
        Index("ix_meeting_network_starts", "network_id", "starts_at"),
        # At most one open (scheduled) meeting per network: two people scheduling at once cannot
        # both win. ``open_slot`` is 1 while scheduled and NULL otherwise (NULLs never collide).
        UniqueConstraint("network_id", "open_slot", name="uq_meeting_network_open_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    host_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Stored in UTC; entered and shown in Europe/Stockholm.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda_source: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    minutes_source: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column()
    # "scheduled", "cancelled", "held"
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED, index=True)
    open_slot: Mapped[int | None] = mapped_column()
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar: a stable UID and a SEQUENCE that grows with every change.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Update mail: when the last went out, and when the changes since are due as one mail
    # (``mailing.mail_meeting_update``), so a run of edits does not flood the network.
    update_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    network: Mapped[Network] = relationship(lazy="raise")
    host: Mapped[Municipality] = relationship(lazy="raise")


class Rsvp(db.Model):
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # "on_site", "online", "not_coming"
    response: Mapped[str] = mapped_column(String(20))
    waitlisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")


class TopicSuggestion(db.Model):
    """A topic a member would like the meeting to take up; others give it +1."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(300))
    # Set when the host has taken the topic into the agenda.
    in_agenda: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(lazy="raise")


class TopicVote(db.Model):
    """One member's +1 on a topic suggestion (once per member)."""

    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("topic_suggestion.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BatonReminder(db.Model):
    """A baton reminder step sent for one holding (identified by the pass that began it).

    The unique constraint is what keeps two ``baton-check`` runs from sending a step twice.
    """

    __table_args__ = (UniqueConstraint("network_id", "baton_pass_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    baton_pass_id: Mapped[int] = mapped_column(ForeignKey("baton_pass.id", ondelete="CASCADE"))
    # 1: the holder municipality's members; 2: the network's coordinators (or the admins);
    # 3: the baton passed on after silence; 4: nowhere to pass it (every municipality empty);
    # 5: the meeting was near and unbooked, so the hub asked the whole network for dates.
    step: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who was told, for the relay timeline: "holder", "coordinators", "admins", "network" or
    # "nobody" (an empty step, skipped), and how many people; never their addresses.
    audience: Mapped[str] = mapped_column(String(20), default="")
    recipient_count: Mapped[int] = mapped_column(default=0)


class MeetingReminder(db.Model):
    """A reminder before a meeting, sent once to each person who is coming."""

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarToken(db.Model):
    """The secret in a member's personal calendar feed URL; renewing it replaces the row."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DatePoll(db.Model):
    """A poll for the date of a network's next meeting: 2–6 proposed times, answered per member.

    ``open_slot`` is 1 while open and NULL when closed: at most one open poll per network.
    """

    __table_args__ = (
        UniqueConstraint("network_id", "open_slot", name="uq_date_poll_network_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300), default="")
    # "open", "closed" (a date was picked) or "cancelled"
    status: Mapped[str] = mapped_column(String(20), default="open")
    open_slot: Mapped[int | None] = mapped_column()
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    network: Mapped[Network] = relationship(lazy="raise")
    options: Mapped[list[DatePollOption]] = relationship(
        lazy="raise", order_by="DatePollOption.starts_at", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship(lazy="raise")


class DatePollOption(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("date_poll.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DatePollVote(db.Model):
    """One member's answer for one proposed time: "yes", "maybe" or "no"."""

    option_id: Mapped[int] = mapped_column(
        ForeignKey("date_poll_option.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[str] = mapped_column(String(10))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
