"""The start page's reads for a signed-in member, in one statement: the forum's newest questions,
those the member may answer and the member's own answered ones (``hub.forum.summary``), the
meetings the member comes to this week (``hub.meetings.summary``) and the newest material
(``hub.material.items``). Each module owns its part's statement and rows; here they are sent
together. They were five statements, five round trips on every start page (a round trip costs
~70 µs of the machine's CPU on PostgreSQL before any work, issue 17).

Each part is a subquery with its own order and limit, read as it was alone (PostgreSQL plans
each apart, SQLite runs each as its own loop), its rows given in turn after a ``part`` number.
The parts share the columns of the forum's: id, title, a time, a count and a name (the meeting's
and the material's own columns in their places: ``coming_of``, ``newest_of`` take them back).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Row, literal_column, select, union_all
from sqlalchemy.sql.selectable import CompoundSelect

from hub.auth.models import User
from hub.core.driver_rows import DriverStatement
from hub.forum.questions import ListShape
from hub.forum.summary import ForumSummary, forum_parts, forum_reads, forum_summary
from hub.material.items import NewMaterial, newest_of, newest_part
from hub.meetings.summary import ComingMeeting, coming_of, coming_part, coming_values

FORUM_PARTS = 3  # 0, 1, 2; then the meetings (3) and the material (4)
COMING, MATERIAL = FORUM_PARTS, FORUM_PARTS + 1
NEW_MATERIAL_SHOWN = 3


@dataclass(frozen=True)
class StartReads:
    forum: ForumSummary
    coming: list[tuple[ComingMeeting, str]]  # each meeting, and how the member comes
    new_material: list[NewMaterial]


def start_reads(user: User) -> StartReads:
    """What the start page shows a member besides the networks: one statement."""
    shapes, values = forum_reads(user)
    values |= coming_values(user) | {"material_limit": NEW_MATERIAL_SHOWN}
    parts: list[list[Row]] = [[] for _ in range(MATERIAL + 1)]
    for row in _statement(*shapes).rows(values):
        parts[row.part].append(row)
    return StartReads(
        forum_summary(parts[:FORUM_PARTS]), coming_of(parts[COMING]), newest_of(parts[MATERIAL])
    )


@cache
def _statement(newest: ListShape, for_me: ListShape) -> DriverStatement:
    """Built once per shape and sent on the driver's cursor, compiled once: SQLAlchemy's
    execution of the start page's statements cost more than SQLite's work on them."""
    return DriverStatement(lambda: _together(newest, for_me))


def _together(newest: ListShape, for_me: ListShape) -> CompoundSelect:
    shown = [*forum_parts(newest, for_me), coming_part(), newest_part()]
    arms = []
    for number, statement in enumerate(shown):
        found = statement.subquery(f"part{number}")
        arms.append(select(literal_column(str(number), Integer).label("part"), *found.c))
    return union_all(*arms)
