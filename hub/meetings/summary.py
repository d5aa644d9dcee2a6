"""The start page's "Nätverk och stafettpinnen": each network's next meeting and baton holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Integer, Row, Select, bindparam, cast, literal, literal_column, null, select

from hub.auth import permissions
from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.core.driver_rows import DriverStatement, in_list, written_in
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
    next_meeting: Row | None  # id, network_id, title, starts_at
    mine: bool  # the person's own municipality holds the baton


# Built once, and rows: the start page shows a few columns of a few networks and meetings, and
# building a statement costs more than SQLite takes to run it (issue 17). Sent on the driver's
# cursor, compiled once (``DriverStatement``): SQLAlchemy's execution cost as much again.
NETWORK_COLUMNS = select(
    Network.id, Network.slug, Network.name, Network.baton_holder_code, Municipality.name
).outerjoin(Municipality, Municipality.scb_code == Network.baton_holder_code)
NETWORKS = {
    # Admins see every network.
    "all": DriverStatement(lambda: NETWORK_COLUMNS.order_by(Network.name)),
    "member": DriverStatement(
        lambda: NETWORK_COLUMNS.where(member_networks()).order_by(Network.name)
    ),
}
# Sorted here, not by the database: ORDER BY starts_at led SQLite down the (network, starts_at)
# index through every past meeting of the networks (or the whole table for two networks);
# without it, it finds the few scheduled ones (one per network) by their status.
SCHEDULED = DriverStatement(
    lambda: select(Meeting.id, Meeting.network_id, Meeting.title, Meeting.starts_at).where(
        in_list(Meeting.network_id, "ids"),
        Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.ends_at > bindparam("now"),
    ),
    lists=("ids",),
)


def start_page_summary(user: User | None) -> list[NetworkSummary]:
    """Two statements whatever the number of networks; empty for visitors not signed in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    statement = NETWORKS["all" if user.role == Role.ADMIN else "member"]
    parameters = {"user_id": user.id, "municipality_code": user.municipality_code}
    networks = statement.rows(parameters)
    if not networks:
        return []
    ids = [network.id for network in networks]
    scheduled = SCHEDULED.rows({"ids": ids, "now": utcnow()})
    next_meetings: dict[int, Row] = {}
    for meeting in sorted(scheduled, key=_by_start):
        next_meetings.setdefault(meeting.network_id, meeting)
    return [_summary(user, network, next_meetings.get(network.id)) for network in networks]


def _summary(user: User, row: Row, next_meeting: Row | None) -> NetworkSummary:
    network_id, slug, name, holder_code, holder_name = row
    holder = Holder(holder_code, holder_name) if holder_code is not None else None
    return NetworkSummary(
        network=NetworkRow(network_id, slug, name, holder),
        holder_name=holder_name or "",
        holder_code=holder_code,
        next_meeting=next_meeting,
        mine=permissions.speaks_for(user, holder_code),
    )


def _by_start(meeting: Row) -> tuple:
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
