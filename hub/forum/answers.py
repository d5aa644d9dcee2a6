"""Rules for answers and comments: answering, editing, deleting, accepting, helpful marks."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum.models import Answer, Comment, Follow, HelpfulMark, Question, Revision
from hub.forum.questions import (
    DUPLICATE_WINDOW,
    DuplicatePost,
    ForumError,
    Locked,
    check_posting_limit,
    question_path,
    touch,
)
from hub.forum.search import index_new_answer, reindex_question


def get_answer_for(user: User, answer_id: int) -> Answer | None:
    answer = db.session.scalar(
        select(Answer).where(Answer.id == answer_id).options(joinedload(Answer.question))
    )
    if answer is None:
        return None
    question = answer.question
    hidden = answer.hidden or question.hidden
    return answer if _may_see(user, answer.deleted_at or question.deleted_at, hidden) else None


def _may_see(user: User, deleted_at: datetime | None, hidden: bool) -> bool:
    """A deleted answer (or one on a deleted question) is gone for all; a hidden one (or one on
    a hidden question) is there for moderators only."""
    return deleted_at is None and (not hidden or can(user, Permission.MODERATE))


class MarkTarget(NamedTuple):
    """What a helpful mark needs of its answer: who wrote it, and where to send the member back."""

    id: int
    author_id: int | None
    question_id: int
    question_title: str


def get_mark_target_for(user: User, answer_id: int) -> MarkTarget | None:
    """The answer, if this user may see it, as one row of plain values: a mark writes by
    statements (``toggle_helpful``) and the page is read anew after the redirect, so the ORM's
    objects for the answer and its question would only be made and thrown away."""
    row = db.session.execute(_mark_target_statement(), {"answer_id": answer_id}).first()
    if row is None or not _may_see(user, row.answer_deleted_at, row.hidden):
        return None
    return MarkTarget(row.id, row.author_id, row.question_id, row.title)


@cache
def _mark_target_statement() -> Select:
    return (
        select(
            Answer.id,
            Answer.author_id,
            Answer.question_id,
            Question.title,
            func.coalesce(Answer.deleted_at, Question.deleted_at).label("answer_deleted_at"),
            (Answer.hidden | Question.hidden).label("hidden"),
        )
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id == bindparam("answer_id"))
    )


def is_counted(answer: Answer) -> bool:
    return answer.deleted_at is None and not answer.hidden


def check_open(question: Question) -> None:
    if question.locked:
        raise Locked(_("Frågan är låst. Det går inte att svara eller kommentera just nu."))


def create_answer(question: Question, author: User, body: str) -> Answer:
    """Every refusal (locked, a double submit, the posting limit) comes before the first write:
    the answer form runs it without a savepoint."""
    check_open(question)
    since = utcnow() - DUPLICATE_WINDOW
    existing = db.session.scalar(
        select(Answer.id).where(
            Answer.question_id == question.id,
            Answer.author_id == author.id,
            Answer.body_source == body,
            Answer.created_at >= since,
            Answer.deleted_at.is_(None),
        )
    )
    if existing is not None:
        raise DuplicatePost(existing, question_path(question) + f"#svar-{existing}")
    check_posting_limit(author, "answer")
    answer = _add_answer(question, author.id, body)
    from hub.forum.activity import followers, notify_new_answer

    # Read once: whom to notify, and whether the author follows the question already.
    following = followers("question", [question.id])
    if author.id not in following:
        _follow_question(author.id, question.id)
    index_new_answer(question.id, answer)
    notify_new_answer(question, answer, author, following)
    return answer


def _add_answer(question: Question, author_id: int, body: str) -> Answer:
    """The question's count and activity, then the answer, as two statements: the ORM's unit of
    work cost a seventh of an answer's CPU for these two rows. The answer is handed back as the
    session's persistent object, as a flush leaves it."""
    now = utcnow()
    db.session.execute(_count_answer(), {"question_id": question.id, "now": now})
    set_committed_value(question, "last_activity_at", now)
    db.session.expire(question, ["answer_count"])  # see counted_down: read again if used
    values = {
        "question_id": question.id,
        "author_id": author_id,
        "body_source": body,
        "body_html": render_markdown(body),
        "created_at": now,
    }
    answer_id = db.session.scalar(_insert_answer(), values)
    answer = Answer(
        id=answer_id, edited_at=None, deleted_at=None, hidden=False, helpful_count=0, **values
    )
    make_transient_to_detached(answer)
    db.session.add(answer)
    return answer


@cache
def _count_answer():
    table = Question.__table__
    return (
        table.update()
        .where(table.c.id == bindparam("question_id"))
        .values(answer_count=table.c.answer_count + 1, last_activity_at=bindparam("now"))
    )


@cache
def _insert_answer():
    table = Answer.__table__
    return table.insert().returning(table.c.id)


def _follow_question(user_id: int, question_id: int) -> None:
    """Answering a question means wanting to hear what happens next. One statement, and a
    follow made meanwhile (the same member's other tab) is left as it is."""
    row = {"user_id": user_id, "target_type": "question", "target_id": question_id}
    db.session.execute(_follow_once(db.session.get_bind().dialect.name), row)


def edit_answer(answer: Answer, editor: User, body: str) -> None:
    if body == answer.body_source:
        return
    db.session.add(
        Revision(
            target_type="answer",
            target_id=answer.id,
            editor_id=editor.id,
            body_source=answer.body_source,
        )
    )
    answer.body_source = body
    answer.body_html = render_markdown(body)
    answer.edited_at = utcnow()
    db.session.flush()
    reindex_question(answer.question_id)
    from hub.forum.activity import notify_mentions
    from hub.forum.questions import question_path

    notify_mentions(
        body,
        editor,
        question_path(answer.question) + f"#svar-{answer.id}",
        answer.question.title,
        answer.author_id,
    )


def delete_answer(answer: Answer) -> None:
    question = answer.question
    if is_counted(answer):
        question.answer_count = max(0, question.answer_count - 1)
        question.helpful_count = max(0, question.helpful_count - answer.helpful_count)
    answer.deleted_at = utcnow()
    if question.accepted_answer_id == answer.id:
        question.accepted_answer_id = None
    db.session.flush()
    reindex_question(question.id)


def set_answer_hidden(answer: Answer, hidden: bool) -> None:
    """Hidden answers leave the counts; unhiding puts them back."""
    if answer.hidden == hidden or answer.deleted_at is not None:
        return
    question = answer.question
    sign = -1 if hidden else 1
    question.answer_count = max(0, question.answer_count + sign)
    question.helpful_count = max(0, question.helpful_count + sign * answer.helpful_count)
    answer.hidden = hidden
    if hidden and question.accepted_answer_id == answer.id:
        question.accepted_answer_id = None
    db.session.flush()
    reindex_question(question.id)


def check_can_accept(user: User, question: Question) -> None:
    if question.author_id != user.id and not can(user, Permission.MODERATE):
        raise ForumError(
            _("Bara den som frågade eller en samordnare kan godta ett svar."), status=403
        )


def toggle_accept(answer: Answer, user: User) -> bool:
    """Accept the answer, or take the acceptance back if it was accepted; returns the new state."""
    question = answer.question
    check_can_accept(user, question)
    if question.accepted_answer_id == answer.id:
        question.accepted_answer_id = None
        db.session.flush()
        reindex_question(question.id)
        return False
    question.accepted_answer_id = answer.id
    touch(question)
    db.session.flush()
    reindex_question(question.id)
    from hub.forum.activity import notify_accepted

    notify_accepted(question, answer, user)
    return True


def toggle_helpful(answer: Answer | MarkTarget, user: User) -> bool:
    """Mark the answer helpful once per member (never your own); a second press takes it back.

    Statements, not the ORM's unit of work: the mark is inserted unless it is there (then it is
    deleted), and both counts change in the database, only by a mark this press inserted or
    deleted. Refused before anything is written, so a caller needs no savepoint to undo a
    refusal."""
    if answer.author_id == user.id:
        raise ForumError(_("Du kan inte markera ditt eget svar som hjälpsamt."))
    who = {"answer_id": answer.id, "user_id": user.id, "created_at": utcnow()}
    keys = ((Question, answer.question_id), (Answer, answer.id))
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        marked = db.session.scalar(_TOGGLE_PG, {**who, "question_id": answer.question_id}) > 0
    else:
        marked = _toggle_by_statements(dialect, who, keys)
    for model, key in keys:
        _forget_count(model, key)
    return marked


def _toggle_by_statements(dialect: str, who: dict, keys) -> bool:
    new_mark = db.session.execute(_mark_once(dialect), who)
    marked = new_mark.scalar() is not None
    if not marked and not db.session.execute(_unmark(), who).rowcount:
        return False  # the same member's other press took the mark back meanwhile, and counted
    # The question's row before the answer's, in the order the ORM's flushes lock them.
    for model, key in keys:
        db.session.execute(_count_helpful(model, up=marked), {"row_id": key})
    return marked


# PostgreSQL: the press in one statement, not three (four to take a mark back). The mark goes in
# unless it is there, else it is deleted; the counts change by what changed (``by``: 1, -1, or
# 0 when another press by the member committed meanwhile, which then counted). Each step reads
# the one before it, so the rows are locked in the statements' order: the mark, the question,
# the answer (as the ORM's flushes lock them).
_TOGGLE_PG = text(
    """
WITH marked AS (
    INSERT INTO helpful_mark (answer_id, user_id, created_at)
    VALUES (:answer_id, :user_id, :created_at)
    ON CONFLICT (answer_id, user_id) DO NOTHING
    RETURNING 1),
unmarked AS (
    DELETE FROM helpful_mark
    WHERE answer_id = :answer_id AND user_id = :user_id AND NOT EXISTS (SELECT FROM marked)
    RETURNING -1),
change AS (
    SELECT coalesce((SELECT 1 FROM marked), (SELECT -1 FROM unmarked), 0) AS by),
question_count AS (
    UPDATE question SET helpful_count = greatest(helpful_count + change.by, 0)
    FROM change WHERE question.id = :question_id AND change.by <> 0
    RETURNING change.by),
answer_count AS (
    UPDATE answer SET helpful_count = greatest(helpful_count + question_count.by, 0)
    FROM question_count WHERE answer.id = :answer_id
    RETURNING question_count.by)
SELECT coalesce((SELECT by FROM answer_count), 0)"""
)


@cache
def _mark_once(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING: one statement when the mark is new (most presses), and
    a press racing another by the same member inserts nothing and takes the mark back."""
    table = HelpfulMark.__table__
    # The id returned says whether a row went in (a rowcount is -1 on PostgreSQL with RETURNING).
    return _insert_once(dialect, table, ["answer_id", "user_id"]).returning(table.c.id)


@cache
def _follow_once(dialect: str):
    return _insert_once(dialect, Follow.__table__, ["user_id", "target_type", "target_id"])


def _insert_once(dialect: str, table, unique: list[str]):
    """INSERT … ON CONFLICT (``unique``) DO NOTHING, as ``dialect`` writes it."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=unique)


@cache
def _unmark():
    table = HelpfulMark.__table__
    return delete(table).where(
        table.c.answer_id == bindparam("answer_id"), table.c.user_id == bindparam("user_id")
    )


@cache
def _count_helpful(model, *, up: bool):
    table = model.__table__
    count = table.c.helpful_count
    return (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values(helpful_count=count + 1 if up else counted_down(count))
    )


def _forget_count(model, key: int) -> None:
    """The session's copy of the row (a caller's, or a test's), if it holds one, reads its count
    anew when next used: the statement changed the row past it."""
    kept = db.session.identity_map.get(db.session.identity_key(model, key))
    if kept is not None:
        db.session.expire(kept, ["helpful_count"])


# Counters change in the database, from the row as it is when the UPDATE runs, not from the
# value this request read: on PostgreSQL two members marking answers to one question at once
# would each write the count they read plus one, and one mark would be lost. (SQLite's writers
# take turns from their first statement, BEGIN IMMEDIATE.) The ORM expires the attribute and
# reads it again only if it is used later in the request.


def counted_down(column, by: int = 1):
    """``column - by``, never below 0, as an SQL expression for an UPDATE."""
    return case((column > by, column - by), else_=0)


# --- comments -----------------------------------------------------------------------------


def create_comment(
    question: Question, author: User, body: str, answer: Answer | None = None
) -> Comment:
    check_open(question)
    body = body.strip()
    since = utcnow() - DUPLICATE_WINDOW
    target = (
        Comment.answer_id == answer.id if answer is not None else Comment.question_id == question.id
    )
    existing = db.session.scalar(
        select(Comment.id).where(
            target,
            Comment.author_id == author.id,
            Comment.body == body,
            Comment.created_at >= since,
            Comment.deleted_at.is_(None),
        )
    )
    if existing is not None:
        anchor = f"#svar-{answer.id}" if answer is not None else "#fraga"
        raise DuplicatePost(existing, question_path(question) + anchor)
    check_posting_limit(author, "comment")
    comment = Comment(
        question_id=None if answer is not None else question.id,
        answer_id=answer.id if answer is not None else None,
        author_id=author.id,
        body=body,
    )
    db.session.add(comment)
    touch(question)
    db.session.flush()
    from hub.forum.activity import notify_new_comment

    notify_new_comment(question, comment, author, answer)
    return comment


def get_comment(comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    return None if comment is None or comment.deleted_at is not None else comment


def delete_comment(comment: Comment) -> None:
    comment.deleted_at = utcnow()
    db.session.flush()


def comment_question_id(comment: Comment) -> int:
    if comment.question_id is not None:
        return comment.question_id
    return db.session.scalar(select(Answer.question_id).where(Answer.id == comment.answer_id))
