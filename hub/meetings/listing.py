"""The meetings list (``/traffar``): the coming meetings of the member's networks and a page of
the past ones, as rows (``ListedMeeting``), with the member's own answers.

The statements are built once: building one cost more than SQLite takes to run it (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, func, select

from hub.core.db import reading_connection, utcnow
from hub.directory.models import Municipality
from hub.meetings.models import Meeting, MeetingStatus, Network, Rsvp

PAST_PER_PAGE = 20


@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class ListedMeeting:
    """What meetings/_meeting_item.html shows of a meeting, and nothing else: rows, not ORM
    objects (the agenda and minutes of fifty meetings cost more to load than the page)."""

    id: int
    title: str
    status: str
    starts_at: datetime
    network: Named
    host: Named | None

    @classmethod
    def of(cls, row: Row) -> ListedMeeting:
        meeting_id, title, status, starts_at, network_name, host_name = row
        host = Named(host_name) if host_name is not None else None
        return cls(meeting_id, title, status, starts_at, Named(network_name), host)


# Built once: building a statement costs more than SQLite takes to run it (issue 17).
LISTED_COLUMNS = (
    select(
        Meeting.id,
        Meeting.title,
        Meeting.status,
        Meeting.starts_at,
        Network.name,
        Municipality.name.label("host_name"),
    )
    .join(Network, Network.id == Meeting.network_id)
    .outerjoin(Municipality, Municipality.scb_code == Meeting.host_code)
)
IN_NETWORKS = Meeting.network_id.in_(bindparam("ids", expanding=True))
# The coming meetings with the member's own answer to each (none: NULL), in one statement.
UPCOMING = (
    LISTED_COLUMNS.add_columns(Rsvp.response)
    .outerjoin(Rsvp, (Rsvp.meeting_id == Meeting.id) & (Rsvp.user_id == bindparam("user_id")))
    .where(IN_NETWORKS, Meeting.ends_at > bindparam("now"), Meeting.status != MeetingStatus.HELD)
    .order_by(Meeting.starts_at)
    .limit(50)
)
PAST = IN_NETWORKS & (
    (Meeting.ends_at <= bindparam("now")) | (Meeting.status == MeetingStatus.HELD)
)
PAST_COUNT = select(func.count()).select_from(select(Meeting.id).where(PAST).subquery())
PAST_PAGE = (
    LISTED_COLUMNS.where(PAST)
    .order_by(Meeting.starts_at.desc())
    .offset(bindparam("offset"))
    .limit(PAST_PER_PAGE)
)


@dataclass(frozen=True)
class MeetingLists:
    upcoming: list[ListedMeeting]
    answers: dict[int, str]  # the member's answers to the coming ones: meeting id -> response
    past: list[ListedMeeting]  # one page
    past_total: int


def meeting_lists(ids: list[int], user_id: int, page: int) -> MeetingLists:
    """The coming meetings of the networks with the member's answers, one page of the past
    ones, and how many are past."""
    if not ids:  # no networks: an empty IN list still walked every meeting in date order
        return MeetingLists([], {}, [], 0)
    parameters = {
        "ids": ids,
        "user_id": user_id,
        "now": utcnow(),
        "offset": (page - 1) * PAST_PER_PAGE,
    }
    connection = reading_connection()
    coming = connection.execute(UPCOMING, parameters).all()
    answers = {row[0]: row[-1] for row in coming if row[-1] is not None}
    total = connection.scalar(PAST_COUNT, parameters)
    past = [ListedMeeting.of(row) for row in connection.execute(PAST_PAGE, parameters)]
    return MeetingLists([ListedMeeting.of(row[:-1]) for row in coming], answers, past, total)
