"""The start page's "Nätverk och stafettpinnen": each network's next meeting and baton holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hub.auth import permissions
from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.models import Meeting, MeetingStatus, Network, Rsvp
from hub.meetings.scheduling import user_network_ids


@dataclass(frozen=True)
class NetworkSummary:
    network: Network
    holder_name: str
    holder_code: str | None
    next_meeting: Meeting | None
    mine: bool  # the person's own municipality holds the baton


def start_page_summary(user: User | None) -> list[NetworkSummary]:
    """Three statements whatever the number of networks; empty for visitors not signed in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    ids = user_network_ids(user)
    if not ids:
        return []
    networks = db.session.scalars(
        select(Network)
        .where(Network.id.in_(ids))
        .options(joinedload(Network.baton_holder))
        .order_by(Network.name)
    ).all()
    # Sorted here, not by the database: ORDER BY starts_at led SQLite down the (network,
    # starts_at) index through every past meeting of the networks (or the whole table for two
    # networks); without it, it finds the few scheduled ones (one per network) by their status.
    scheduled = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.network_id.in_(ids),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at > utcnow(),
        )
        .options(joinedload(Meeting.host))
    ).all()
    next_meetings: dict[int, Meeting] = {}
    for meeting in sorted(scheduled, key=_by_start):
        next_meetings.setdefault(meeting.network_id, meeting)
    return [
        NetworkSummary(
            network=network,
            holder_name=network.baton_holder.name if network.baton_holder else "",
            holder_code=network.baton_holder_code,
            next_meeting=next_meetings.get(network.id),
            mine=permissions.speaks_for(user, network.baton_holder_code),
        )
        for network in networks
    ]


def _by_start(meeting: Meeting) -> tuple:
    return meeting.starts_at, meeting.id


# "Near": a meeting the member said yes to shows as a task this long before it starts.
NEAR = timedelta(days=7)


def coming_for(user: User, limit: int = 3) -> list[tuple[Meeting, str]]:
    """Meetings within a week that the member said they come to, with how ("on_site"/"online")."""
    now = utcnow()
    rows = db.session.execute(
        select(Meeting, Rsvp.response)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .where(
            Rsvp.user_id == user.id,
            Rsvp.response.in_(("on_site", "online")),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at > now,
            Meeting.starts_at < now + NEAR,
        )
        .order_by(Meeting.starts_at)
        .limit(limit)
    )
    return [(meeting, response) for meeting, response in rows]
