"""The start page's reads for a signed-in member, in one statement: the forum's newest questions,
those the member may answer and the member's own answered ones (``hub.forum.summary``), the
meetings the member comes to this week (``hub.meetings.summary``) and the newest material
(``hub.material.items``), the member's networks with their baton holders and next meetings
(``hub.meetings.summary``). Each module owns its part's statement and rows; here they are sent
together. They were seven statements, seven round trips on every start page (a round trip
costs ~70 µs of the machine's CPU on PostgreSQL before any work, issue 17).

Each part is a subquery with its own order and limit, read as it was alone (PostgreSQL plans
each apart, SQLite runs each as its own loop), its rows given in turn after a ``part`` number.
The parts share the columns of the forum's: id, title, a time, a count and a name (the meeting's
and the material's own columns in their places: ``coming_of``, ``newest_of`` take them back);
the networks' two more columns (their baton holder) are NULL in the other parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Row, String, cast, literal_column, null, select, union_all
from sqlalchemy.sql.selectable import CompoundSelect

from hub.auth.models import User
from hub.core.driver_rows import DriverStatement
from hub.forum.questions import ListShape
from hub.forum.summary import ForumSummary, forum_parts, forum_reads, forum_summary
from hub.material.items import NewMaterial, newest_of, newest_part
from hub.meetings.summary import (
    ComingMeeting,
    NetworkSummary,
    coming_of,
    coming_part,
    coming_values,
    network_summaries,
    network_values,
    networks_part,
    scheduled_part,
)

FORUM_PARTS = 3  # 0, 1, 2; then the meetings, the material, the networks and their meetings
COMING, MATERIAL, NETWORKS, SCHEDULED = range(FORUM_PARTS, FORUM_PARTS + 4)
NEW_MATERIAL_SHOWN = 3


@dataclass(frozen=True)
class StartReads:
    forum: ForumSummary
    coming: list[tuple[ComingMeeting, str]]  # each meeting, and how the member comes
    new_material: list[NewMaterial]
    networks: list[NetworkSummary]  # "Nätverk och stafettpinnen"


def start_reads(user: User) -> StartReads:
    """What the start page shows a member: one statement."""
    shapes, values = forum_reads(user)
    values |= network_values(user) | coming_values(user) | {"material_limit": NEW_MATERIAL_SHOWN}
    parts: list[list[Row]] = [[] for _ in range(SCHEDULED + 1)]
    for row in _statement(*shapes, user.is_admin).rows(values):
        parts[row.part].append(row)
    return StartReads(
        forum_summary(parts[:FORUM_PARTS]),
        coming_of(parts[COMING]),
        newest_of(parts[MATERIAL]),
        network_summaries(user, parts[NETWORKS], parts[SCHEDULED]),
    )


@cache
def _statement(newest: ListShape, for_me: ListShape, admin: bool) -> DriverStatement:
    """Built once per shape (an admin's networks are every one) and sent on the driver's
    cursor, compiled once: SQLAlchemy's execution of the start page's statements cost more than
    SQLite's work on them."""
    return DriverStatement(lambda: _together(newest, for_me, admin))


def _together(newest: ListShape, for_me: ListShape, admin: bool) -> CompoundSelect:
    shown = [*forum_parts(newest, for_me), coming_part(), newest_part(),
             networks_part(admin), scheduled_part(admin)]  # fmt: skip
    width = max(len(statement.selected_columns) for statement in shown)
    arms = []
    for number, statement in enumerate(shown):
        found = statement.subquery(f"part{number}")
        padding = [cast(null(), String)] * (width - len(found.c))  # the networks' holder
        arms.append(select(literal_column(str(number), Integer).label("part"), *found.c, *padding))
    return union_all(*arms)
