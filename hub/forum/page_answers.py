"""The answers of the question page, read as plain rows: by a statement of their own
(``answers_for_page``: a page shown again after a POST) or as a column of the question's row
(``answers_column``, ``answers_as_read``: one round trip less on every view)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import Label, ScalarSelect, Select, bindparam, exists, false, func, select

from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core.driver_rows import DriverStatement, json_array
from hub.forum.faces import Face, FaceColumns, KnownPlace, face_from, face_from_json, kept_places
from hub.forum.models import Answer, HelpfulMark
from hub.forum.page_comments import json_moment


class PageAnswer(NamedTuple):
    """An answer as the question page shows it: one row's plain values, with its author's
    face and whether the reader marked it helpful."""

    id: int
    author_id: int | None
    body_source: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    helpful_count: int
    author: Face | None


ANSWER_FIELDS = len(PageAnswer._fields) - 1  # its fields before the author: answer's columns


class AnsweredQuestion(Protocol):
    """What the answers' reading needs of a question (``Question``, ``PageQuestion``)."""

    id: int
    accepted_answer_id: int | None


def answers_for_page(question: AnsweredQuestion, user: User) -> list[tuple[PageAnswer, bool]]:
    """Answers with their authors and whether this user marked each helpful: one statement,
    read as rows through the connection (the session's ORM layer would only add work)."""
    statement = ANSWERS[can(user, Permission.MODERATE)]
    found = statement.rows({"question_id": question.id, "user_id": user.id})
    places = kept_places()
    rows = [
        (PageAnswer(*row[:ANSWER_FIELDS], face_from(row[ANSWER_FIELDS:-1], places)), bool(row[-1]))
        for row in found
    ]
    return _accepted_first(rows, question.accepted_answer_id)


def _accepted_first(rows: list, accepted_id: int | None) -> list[tuple[PageAnswer, bool]]:
    # The accepted answer first, then the oldest; the accepted one is the asker's pick.
    rows.sort(key=lambda row: row[0].id != accepted_id)
    return rows


def answers_column(dialect: str, *, with_hidden: bool) -> Label:
    """The answers of the question ``question_id`` as ``answers_for_page`` reads them (with the
    hidden ones for a moderator), as one JSON array of their columns: a column of the
    question's own statement (``questions.read_question_page``), one round trip less than a
    statement of their own. Read with ``answers_as_read``."""
    found = _answers_statement(with_hidden=with_hidden).order_by(None)
    return json_rows(found, dialect).label("answers")


def json_rows(found: Select, dialect: str) -> ScalarSelect:
    """The rows of ``found`` as one JSON array of arrays of its columns (None on PostgreSQL when
    there is none), built where they are read: a subquery's columns named again outside it
    made the question's statement longer than psycopg keeps parsed (4 kB), so it was parsed
    anew on every page."""
    postgres = dialect == "postgresql"
    each = (func.json_build_array if postgres else func.json_array)(*found.selected_columns)
    together = func.json_agg(each) if postgres else func.json_group_array(each)
    return found.with_only_columns(together).correlate(None).scalar_subquery()


def answers_as_read(
    found: str | list | None, accepted_id: int | None, places: dict[str, KnownPlace]
) -> list[tuple[PageAnswer, bool]]:
    """``answers_for_page`` from ``answers_column``'s array (text on SQLite, decoded by psycopg,
    None on PostgreSQL when there is none): the same values, in the same order; the authors'
    municipalities named from ``places`` (``kept_places``)."""
    values = json_array(found)
    rows = [_as_read(value, places) for value in values]
    rows.sort(key=lambda row: (row[0].created_at, row[0].id))
    return _accepted_first(rows, accepted_id)


def _as_read(value: list, places: dict[str, KnownPlace]) -> tuple[PageAnswer, bool]:
    """One answer of the JSON array as its statement's row gives it: JSON has no times (ISO
    text) and SQLite's no booleans (0 and 1)."""
    answer_id, author_id, source, html, created, edited, hidden, helpful = value[:ANSWER_FIELDS]
    answer = PageAnswer(
        answer_id, author_id, source, html, json_moment(created),
        None if edited is None else json_moment(edited), bool(hidden), helpful,
        face_from_json(value[ANSWER_FIELDS:-1], places),
    )  # fmt: skip
    return answer, bool(value[-1])


def _answers_statement(*, with_hidden: bool) -> Select:
    """Built once (``ANSWERS``, ``answers_column``), as the page's other statements: building
    one cost more than running it."""
    marked = (
        exists()
        .where(HelpfulMark.answer_id == Answer.id, HelpfulMark.user_id == bindparam("user_id"))
        .label("marked")
    )
    author = FaceColumns("author")
    columns = [getattr(Answer, name) for name in PageAnswer._fields[:ANSWER_FIELDS]]
    query = author.join(select(*columns, *author.columns, marked), Answer.author_id)
    query = query.where(
        Answer.question_id == bindparam("question_id"), Answer.deleted_at.is_(None)
    ).order_by(Answer.created_at, Answer.id)
    return query if with_hidden else query.where(Answer.hidden == false())


# By whether hidden answers are shown (a moderator's page). Sent on the driver's cursor: through
# SQLAlchemy a statement's execution cost as much again as SQLite's work (hub.core.driver_rows).
ANSWERS = {
    hidden: DriverStatement(lambda hidden=hidden: _answers_statement(with_hidden=hidden))
    for hidden in (False, True)
}
