"""Deleting an account, with or without the member's forum posts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from hub.auth.models import User
from hub.auth.passwords import verify_password
from hub.core.db import utcnow
from hub.core.rules import RuleError
from hub.extensions import db
from hub.forum.models import Answer, Comment, Question
from hub.forum.search import reindex_question
from hub.privacy.personal_data import erase_member


def delete_own_account(user: User, password: str, *, delete_posts: bool) -> None:
    """A member deletes their own account, confirming with their password."""
    if not verify_password(user.password_hash, password):
        raise RuleError(_("Lösenordet stämmer inte."), field="password")
    delete_account(user, delete_posts=delete_posts)


def delete_account(user: User, *, delete_posts: bool) -> None:
    """Erase the member; their posts stay anonymous unless they asked for them to go too."""
    touched = questions_touched_by(user.id)
    if delete_posts:
        remove_posts(user.id)
    erase_member(user)
    db.session.flush()
    for question_id in touched:
        reindex_question(question_id)


def questions_touched_by(user_id: int) -> set[int]:
    asked = select(Question.id).where(Question.author_id == user_id)
    answered = select(Answer.question_id).where(Answer.author_id == user_id)
    return set(db.session.scalars(asked.union(answered)))


def remove_posts(user_id: int) -> None:
    now = utcnow()
    for model in (Question, Answer):
        db.session.execute(
            update(model)
            .where(model.author_id == user_id)
            .values(deleted_at=now, body_source="", body_html="")
        )
    db.session.execute(
        update(Question).where(Question.author_id == user_id).values(title="Borttagen fråga")
    )
    db.session.execute(
        update(Comment).where(Comment.author_id == user_id).values(deleted_at=now, body="")
    )
