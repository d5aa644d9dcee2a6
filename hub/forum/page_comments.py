"""The comments of the question page, read as plain rows: by a statement of their own
(``comments_for_page``) or as a column of the question's row (``comments_column``,
``comments_as_read``: one round trip less)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Label, Select, bindparam, func, or_, select, union_all

from hub.auth.models import User
from hub.core.db import UTCDateTime, reading_connection
from hub.core.driver_rows import json_array
from hub.forum.models import Answer, Comment


class PageComment(NamedTuple):
    """A comment as the question page shows it; ``author_name`` is None for a former member."""

    id: int
    answer_id: int | None
    author_id: int | None
    body: str
    created_at: datetime
    author_name: str | None


def comments_for_page(
    question_id: int, answer_ids: list[int]
) -> dict[tuple[str, int], list[PageComment]]:
    """Comments on the question and on the given answers, grouped by what they are on."""
    parameters = {"question_id": question_id, "answer_ids": answer_ids}
    grouped: dict[tuple[str, int], list[PageComment]] = {}
    for row in reading_connection().execute(_comments_statement(), parameters):
        comment = PageComment(*row)
        key = ("answer", comment.answer_id) if comment.answer_id else ("question", question_id)
        grouped.setdefault(key, []).append(comment)
    return grouped


def comments_column(dialect: str) -> Label:
    """The comments on the question ``question_id`` and on its answers, not deleted, as one JSON
    array of [id, answer_id, author_id, body, created_at, author's name]: a column of the
    question's own statement (``questions.read_question_page``), one round trip less than a
    statement of their own. Read with ``comments_as_read``."""
    postgres = dialect == "postgresql"
    array = func.json_build_array if postgres else func.json_array
    shown = _shown_comments().correlate(None)
    shown = shown.with_only_columns(array(*shown.selected_columns).label("c"))
    on_question = shown.where(Comment.question_id == bindparam("question_id"))
    on_answers = shown.join(Answer, Answer.id == Comment.answer_id).where(
        Answer.question_id == bindparam("question_id")
    )
    # Each comment's array made in its branch, not from the branches' columns named again: the
    # question's statement stays short enough for psycopg to keep it parsed (4 kB). SQLite's
    # arrays come out of the subquery as text: ``json`` reads them as JSON again.
    found = union_all(on_question, on_answers).subquery("page_comment").c.c
    together = func.json_agg(found) if postgres else func.json_group_array(func.json(found))
    return select(together).correlate(None).scalar_subquery().label("comments")


def comments_as_read(
    found: str | list | None, question_id: int, answer_ids: list[int]
) -> dict[tuple[str, int], list[PageComment]]:
    """``comments_for_page`` from ``comments_column``'s array (text on SQLite, decoded by
    psycopg, None on PostgreSQL when there is none): the comments on the question and on the
    given answers, grouped, each group oldest first."""
    values = json_array(found)
    read = [
        PageComment(c, a, who, body, json_moment(at), name) for c, a, who, body, at, name in values
    ]
    read.sort(key=lambda comment: (comment.created_at, comment.id))
    shown = set(answer_ids)
    grouped: dict[tuple[str, int], list[PageComment]] = {}
    for comment in read:
        if comment.answer_id is None:
            grouped.setdefault(("question", question_id), []).append(comment)
        elif comment.answer_id in shown:
            grouped.setdefault(("answer", comment.answer_id), []).append(comment)
    return grouped


_AS_STORED = UTCDateTime()


def json_moment(written: str) -> datetime:
    """A time as JSON has it (SQLite's stored text, PostgreSQL's ISO 8601 with an offset), as
    the column's type reads it."""
    return _AS_STORED.process_result_value(datetime.fromisoformat(written), None)


@cache
def _comments_statement() -> Select:
    on_these = or_(
        Comment.question_id == bindparam("question_id"),
        Comment.answer_id.in_(bindparam("answer_ids", expanding=True)),
    )
    return _shown_comments().where(on_these).order_by(Comment.created_at, Comment.id)


def _shown_comments() -> Select:
    """The comments not deleted, as ``PageComment``'s fields in their order: both ways of
    reading them build on this one list."""
    columns = [Comment.id, Comment.answer_id, Comment.author_id, Comment.body, Comment.created_at]
    return (
        select(*columns, User.name)  # the name is all it shows of the author
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.deleted_at.is_(None))
    )
