"""What the start page shows of the forum: the newest questions, and those the member may answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache

from sqlalchemy import (
    Row,
    Select,
    bindparam,
    cast,
    literal_column,
    null,
    select,
)

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.driver_rows import DriverStatement, limits_written_in
from hub.extensions import db
from hub.forum.models import Question
from hub.forum.questions import (
    ListShape,
    QuestionFilters,
    list_query,
    list_shape,
    visible_questions,
)

# An answer older than this is no longer news on the start page.
ANSWERED_RECENTLY = timedelta(days=30)


@dataclass(frozen=True)
class ForumSummary:
    """Rows, not ORM objects: the start page shows a few columns of each question."""

    newest: list[Row]  # id, title, created_at, answer_count, author_name
    for_me: list[Row]
    # The member's own open questions that got answers lately: id, title, answer_count.
    answered: list[Row]


SHOWN_COLUMNS = (
    Question.id,
    Question.title,
    Question.created_at,
    Question.answer_count,
    User.name.label("author_name"),
)


def forum_reads(user: User, limit: int = 5) -> tuple[tuple[ListShape, ListShape], dict]:
    """The shapes of the newest questions' part and of the unanswered ones within the member's
    expertise (never the member's own), and the values of these and of the member's own
    questions that got an answer but none accepted yet (``answered_for_asker``): the start page
    reads the three in one statement (``hub.site.start``) with its other parts."""
    newest, values = list_query(QuestionFilters(sort="newest"), user)
    for_me, _same = list_query(QuestionFilters(sort="unanswered", mine_expertise=True), user)
    values |= {"limit": limit, "upto": limit, "answered_limit": ANSWERED_SHOWN}
    if db.engine.dialect.name != "postgresql":  # there "the last 30 days" is in the text
        values["since"] = utcnow() - ANSWERED_RECENTLY
    return (newest, replace(for_me, others_only=True)), values


def forum_parts(newest: ListShape, for_me: ListShape) -> list[Select]:
    """The three parts' statements, in ``SHOWN_COLUMNS`` ("your answered" shows no author and
    no time: NULL there)."""
    return [_first_of(newest), _first_of(for_me), _answered_padded()]


def forum_summary(parts: Sequence[list[Row]]) -> ForumSummary:
    """The three parts' rows, in ``forum_parts``' order."""
    return ForumSummary(*parts)


def _answered_padded() -> Select:
    """``_answered_for_asker`` in the columns of the other parts."""
    return _answered_for_asker().with_only_columns(
        Question.id,
        Question.title,
        cast(null(), Question.created_at.type).label("created_at"),  # PostgreSQL: else text
        Question.answer_count,
        cast(null(), User.name.type).label("author_name"),
    )


@cache
def _first_of(shape: ListShape) -> Select:
    """Built once per shape: building costs more than SQLite takes to run it (issue 17)."""
    statement = (
        list_shape(shape)
        .with_only_columns(*SHOWN_COLUMNS)
        .outerjoin(User, User.id == Question.author_id)
        .limit(bindparam("limit"))
    )
    return limits_written_in(statement, LIMITS)


# PostgreSQL plans a prepared statement for its values, and keeps one plan for all values only
# when that plan does not look dearer: with ``LIMIT $1`` it assumes a tenth of the rows and never
# does, so the start page's statements were planned at every call (0.58 ms planning against
# 0.11 ms executing for "unanswered in your topics"). Their limits never change, so they go into
# the text (the page's end ``upto`` as well).
LIMITS = frozenset({"limit", "upto"})


def _answered_for_asker() -> Select:
    """Planned once on PostgreSQL: given "the last 30 days" as a parameter, the plan it could keep
    for any member took a third of the member's questions to be recent (one made for the values
    sees almost none), looked dearer, and the statement was planned at every call (0.12 ms
    planning a call for a 2-buffer read, 1,312 calls in the realistic run). Written as ``now() -
    interval '30 days'`` (the transaction's time, estimated alike by both plans) with its
    limit and ``answer_count > 0`` written in, the one parameter left is the member. SQLite plans
    every statement alike: a parameter there. In the order of ``ix_question_author_activity``,
    which ends with the id (migration 0051): no sort."""
    if db.engine.dialect.name == "postgresql":
        since = literal_column(f"now() - interval '{ANSWERED_RECENTLY.days} days'")
    else:
        since = bindparam("since")
    statement = (
        visible_questions()
        .with_only_columns(Question.id, Question.title, Question.answer_count)
        .where(
            Question.author_id == bindparam("user_id"),
            Question.answer_count > literal_column("0"),
            Question.accepted_answer_id.is_(None),
            Question.last_activity_at > since,
        )
        .order_by(Question.last_activity_at.desc(), Question.id.desc())
        .limit(bindparam("answered_limit"))
    )
    return limits_written_in(statement, {"answered_limit"})


ANSWERED_FOR_ASKER = DriverStatement(_answered_for_asker)
ANSWERED_SHOWN = 3


def answered_for_asker(user: User, limit: int = ANSWERED_SHOWN) -> list[Row]:
    """The member's questions with answers but none accepted, answered in the last 30 days
    (the start page reads them as a part of its statement: ``forum_parts``)."""
    values = {"user_id": user.id, "answered_limit": limit}
    if db.engine.dialect.name != "postgresql":  # there "the last 30 days" is in the text
        values["since"] = utcnow() - ANSWERED_RECENTLY
    return ANSWERED_FOR_ASKER.rows(values)


def answer_facts(question_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """For each question: how many answers, and whether one is marked as the solution."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Question.answer_count, Question.accepted_answer_id).where(
            Question.id.in_(question_ids)
        )
    )
    return {qid: (count, accepted is not None) for qid, count, accepted in rows}
