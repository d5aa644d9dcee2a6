"""The start page's "Nätverk och stafettpinnen": each network's next meeting and baton holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    literal,
    literal_column,
    null,
    select,
)

from hub.auth import permissions
from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.driver_rows import written_in
from hub.directory.models import Municipality
from hub.meetings.models import Meeting, MeetingStatus, Network, Rsvp
from hub.meetings.scheduling import member_networks


@dataclass(frozen=True)
class Holder:
    """The baton holder as the ``municipality`` filter names it."""

    scb_code: str
    name: str


@dataclass(frozen=True)
class NetworkRow:
    id: int
    slug: str
    name: str
    baton_holder: Holder | None


@dataclass(frozen=True)
class NetworkSummary:
    network: NetworkRow
    holder_name: str
    holder_code: str | None
    next_meeting: ScheduledMeeting | None
    mine: bool  # the person's own municipality holds the baton


class ScheduledMeeting(NamedTuple):
    """A network's next meeting as the start page shows it."""

    id: int
    network_id: int
    title: str
    starts_at: datetime


# Networks shown at most (a written-in limit: SQLite keeps a subquery's order only with one).
MAX_NETWORKS = 1000


def networks_part(admin: bool) -> Select:
    """The member's networks (an admin's: every one) by name, in the start page's columns
    (``hub.site.start``): id, name, NULL, NULL, slug, then the baton holder's code and name.
    One part of the start page's statement: they were a statement of their own (a round trip)."""
    columns = select(
        Network.id,
        Network.name,
        cast(null(), Meeting.starts_at.type).label("created_at"),  # PostgreSQL: else text
        cast(null(), Integer).label("count"),
        Network.slug,
        Network.baton_holder_code,
        Municipality.name.label("holder_name"),
    ).outerjoin(Municipality, Municipality.scb_code == Network.baton_holder_code)
    if not admin:
        columns = columns.where(member_networks())
    return columns.order_by(Network.name).limit(literal_column(str(MAX_NETWORKS), Integer))


def scheduled_part(admin: bool) -> Select:
    """The scheduled meetings of the member's networks (``networks_part``'s) not ended, in the
    start page's columns: id, title, start, the network, NULL. Sorted in Python (``_by_start``):
    ORDER BY starts_at led SQLite down the (network, starts_at) index through every past meeting
    of the networks; without it, it finds the few scheduled ones by their status (written in,
    as for ``coming_part``)."""
    scheduled = select(
        Meeting.id,
        Meeting.title,
        Meeting.starts_at,
        Meeting.network_id.label("count"),
        cast(null(), String).label("name"),
    ).where(Meeting.status == SCHEDULED_WRITTEN, Meeting.ends_at > bindparam("now"))
    if admin:
        return scheduled
    return scheduled.where(Meeting.network_id.in_(select(Network.id).where(member_networks())))


def network_values(user: User) -> dict:
    """``networks_part``'s and ``scheduled_part``'s values besides ``user_id`` and ``now``, which
    they share with ``coming_part``: given with ``coming_values`` (one clock for the page)."""
    return {"municipality_code": user.municipality_code}


def network_summaries(
    user: User, networks: list[Row], scheduled: list[Row]
) -> list[NetworkSummary]:
    """The start page's networks from ``networks_part``'s and ``scheduled_part``'s rows."""
    next_meetings: dict[int, ScheduledMeeting] = {}
    meetings = (ScheduledMeeting(row[1], row[4], row[2], row[3]) for row in scheduled)
    for meeting in sorted(meetings, key=_by_start):
        next_meetings.setdefault(meeting.network_id, meeting)
    return [_summary(user, row[1:], next_meetings.get(row[1])) for row in networks]


def _summary(user: User, row: tuple, next_meeting: ScheduledMeeting | None) -> NetworkSummary:
    network_id, name, _at, _count, slug, holder_code, holder_name = row
    holder = Holder(holder_code, holder_name) if holder_code is not None else None
    return NetworkSummary(
        network=NetworkRow(network_id, slug, name, holder),
        holder_name=holder_name or "",
        holder_code=holder_code,
        next_meeting=next_meeting,
        mine=permissions.speaks_for(user, holder_code),
    )


def _by_start(meeting: ScheduledMeeting) -> tuple:
    return meeting.starts_at, meeting.id


# "Near": a meeting the member said yes to shows as a task this long before it starts.
NEAR = timedelta(days=7)
# The status written into the text, not a parameter: PostgreSQL's plan kept for any values did not
# know it and walked every meeting by key for the few scheduled ones (500 at large, 5,000 and 186
# blocks at xlarge, and more every year); knowing it, it takes the status's index (3 blocks).
SCHEDULED_WRITTEN = literal_column(f"'{MeetingStatus.SCHEDULED}'")


class ComingMeeting(NamedTuple):
    id: int
    title: str
    starts_at: datetime


def coming_part() -> Select:
    """Meetings within a week that the member said they come to, soonest first, in the start
    page's columns (``hub.site.start``): id, title, the start, NULL, and how ("on_site" or
    "online"). Its limit written in (a kept statement's values are the request's)."""
    return (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.starts_at,
            cast(null(), Integer).label("count"),
            Rsvp.response,
        )
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .where(
            Rsvp.user_id == bindparam("user_id"),
            # Each a parameter of its own (a list would be expanded per execution).
            Rsvp.response.in_([literal("on_site"), literal("online")]),
            Meeting.status == SCHEDULED_WRITTEN,
            Meeting.ends_at > bindparam("now"),
            Meeting.starts_at < bindparam("near"),
        )
        .order_by(Meeting.starts_at)
        .limit(written_in("coming_limit"))
    )


def coming_values(user: User, limit: int = 3) -> dict:
    now = utcnow()
    return {"user_id": user.id, "now": now, "near": now + NEAR, "coming_limit": limit}


def coming_of(rows: list[Row]) -> list[tuple[ComingMeeting, str]]:
    """``coming_part``'s rows as the page shows them: each meeting, and how the member comes."""
    return [(ComingMeeting(row[1], row[2], row[3]), row[5]) for row in rows]
