"""The relay timeline: every holding of the baton with what happened during it.

Hand-overs (with reason and date), meetings held (and how many came), date polls and the reminders
sent (to whom as a group and how many people, never their addresses). Five statements, however
long the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from hub.extensions import db
from hub.meetings import rotation
from hub.meetings.models import (
    BatonReminder,
    DatePoll,
    DatePollOption,
    DatePollVote,
    Meeting,
    MeetingStatus,
    Rsvp,
)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "meeting", "poll", "reminder"
    item: object
    count: int = 0  # people who came, answered, or were reminded


@dataclass
class Stretch:
    """One holding and the events inside it."""

    holding: rotation.Holding
    events: list[Event] = field(default_factory=list)


def held_meetings(network_id: int) -> list[Event]:
    came = (
        select(Rsvp.meeting_id, func.count().label("n"))
        .where(Rsvp.response.in_(("on_site", "online")), Rsvp.waitlisted.is_(False))
        .group_by(Rsvp.meeting_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Meeting, func.coalesce(came.c.n, 0))
        .outerjoin(came, came.c.meeting_id == Meeting.id)
        .where(Meeting.network_id == network_id, Meeting.status == MeetingStatus.HELD)
    ).all()
    return [Event(m.starts_at, "meeting", m, n) for m, n in rows]


def polls(network_id: int) -> list[Event]:
    answered = (
        select(DatePollOption.poll_id, func.count(func.distinct(DatePollVote.user_id)).label("n"))
        .join(DatePollVote, DatePollVote.option_id == DatePollOption.id)
        .group_by(DatePollOption.poll_id)
        .subquery()
    )
    rows = db.session.execute(
        select(DatePoll, func.coalesce(answered.c.n, 0))
        .outerjoin(answered, answered.c.poll_id == DatePoll.id)
        .where(DatePoll.network_id == network_id)
    ).all()
    return [Event(p.created_at, "poll", p, n) for p, n in rows]


def reminders(network_id: int) -> list[Event]:
    rows = db.session.scalars(
        select(BatonReminder).where(
            BatonReminder.network_id == network_id,
            # The baton's pass and the hub's poll show themselves on the timeline.
            BatonReminder.step.not_in((3, 5)),
        )
    )
    return [Event(r.sent_at, "reminder", r, r.recipient_count) for r in rows]


def timeline(network_id: int) -> list[Stretch]:
    """The holdings, oldest first, each with its meetings, polls and reminders in order."""
    stretches = [Stretch(h) for h in rotation.holdings(rotation.history(network_id))]
    events = sorted(
        [*held_meetings(network_id), *polls(network_id), *reminders(network_id)],
        key=lambda e: e.at,
    )
    for event in events:
        home = next(
            (s for s in reversed(stretches) if s.holding.began.passed_at <= event.at),
            stretches[0] if stretches else None,
        )
        if home is not None:
            home.events.append(event)
    return stretches
