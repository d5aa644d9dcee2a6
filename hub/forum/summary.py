"""What the start page shows of the forum: the newest questions, and those the member may answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Row, or_, select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum.models import Question
from hub.forum.questions import QuestionFilters, list_query, visible_questions

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


def start_page_forum(user: User, limit: int = 5) -> ForumSummary:
    """Three statements: the newest questions, unanswered ones within the member's expertise
    (never the member's own: nobody answers their own question), and the member's own questions
    that got an answer but none accepted yet."""
    not_mine = or_(Question.author_id.is_(None), Question.author_id != user.id)
    return ForumSummary(
        newest=_first(QuestionFilters(sort="newest"), user, limit),
        for_me=_first(
            QuestionFilters(sort="unanswered", mine_expertise=True), user, limit, not_mine
        ),
        answered=answered_for_asker(user),
    )


def _first(filters: QuestionFilters, user: User, limit: int, *where) -> list[Row]:
    query = (
        list_query(filters, user)
        .where(*where)
        .with_only_columns(*SHOWN_COLUMNS)
        .outerjoin(User, User.id == Question.author_id)
    )
    return list(db.session.execute(query.limit(limit)))


def answered_for_asker(user: User, limit: int = 3) -> list[Row]:
    """The member's questions with answers but none accepted, answered in the last 30 days."""
    query = (
        visible_questions()
        .with_only_columns(Question.id, Question.title, Question.answer_count)
        .where(
            Question.author_id == user.id,
            Question.answer_count > 0,
            Question.accepted_answer_id.is_(None),
            Question.last_activity_at > utcnow() - ANSWERED_RECENTLY,
        )
        .order_by(Question.last_activity_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query))


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
