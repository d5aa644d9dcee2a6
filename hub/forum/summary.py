"""What the start page shows of the forum: the newest questions, and those the member may answer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from hub.auth.models import User
from hub.extensions import db
from hub.forum.models import Question
from hub.forum.questions import QuestionFilters, list_query


@dataclass(frozen=True)
class ForumSummary:
    newest: list[Question]
    for_me: list[Question]


def start_page_forum(user: User, limit: int = 5) -> ForumSummary:
    """Two statements: the newest questions, and unanswered ones within the member's expertise."""
    return ForumSummary(
        newest=_first(QuestionFilters(sort="newest"), user, limit),
        for_me=_first(QuestionFilters(sort="unanswered", mine_expertise=True), user, limit),
    )


def _first(filters: QuestionFilters, user: User, limit: int) -> list[Question]:
    query = list_query(filters, user).options(joinedload(Question.author)).limit(limit)
    return list(db.session.scalars(query))
