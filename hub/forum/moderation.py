"""Moderation by coordinators and admins: flag, hide, lock, move, merge, pin; all logged."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from hub.auth.models import User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.guards import ascii_int
from hub.core.rules import TooMany
from hub.extensions import db
from hub.forum.answers import set_answer_hidden
from hub.forum.models import (
    Answer,
    Category,
    Comment,
    Flag,
    Follow,
    ModerationLog,
    Question,
)
from hub.forum.questions import ForumError, get_question_for, touch
from hub.forum.search import reindex_question

QUESTION_TOGGLES = {
    "hide": ("hidden", True),
    "unhide": ("hidden", False),
    "lock": ("locked", True),
    "unlock": ("locked", False),
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
}


def log_action(
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    question_id: int | None,
    reason: str = "",
    detail: str = "",
) -> ModerationLog:
    entry = ModerationLog(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        question_id=question_id,
        reason=reason.strip()[:500],
        detail=detail[:300],
    )
    db.session.add(entry)
    return entry


FLAG_TARGETS = ("question", "answer", "comment")

# Flags reach the moderators (in the hub and by mail).
FLAG_LIMITS = ((10, 3600), (30, 24 * 3600))


def create_flag(
    reporter: User, question: Question, target_type: str, target_id: int | str, reason: str
) -> Flag:
    """Flag a post of the question for the moderators; ``target_id`` may come as form text."""
    if target_type not in FLAG_TARGETS:
        raise ForumError(_("Okänd åtgärd."))
    target_id = ascii_int(str(target_id)) or 0
    reason = reason.strip()
    if not reason:
        raise ForumError(
            _("Skriv varför du anmäler, så vet moderatorn vad hen ska titta på."), field="reason"
        )
    if not ratelimit.allow("flag", reporter.id, FLAG_LIMITS):
        raise TooMany(_("Du har anmält många inlägg på kort tid. Försök igen senare."))
    flag = Flag(
        target_type=target_type,
        target_id=target_id,
        question_id=question.id,
        reporter_id=reporter.id,
        reason=reason[:500],
    )
    db.session.add(flag)
    db.session.flush()
    return flag


def do_question_action(question: Question, actor: User, action: str, reason: str) -> None:
    if action not in QUESTION_TOGGLES:
        raise ForumError(_("Okänd åtgärd."))
    attribute, value = QUESTION_TOGGLES[action]
    setattr(question, attribute, value)
    log_action(actor, action, "question", question.id, question.id, reason)
    db.session.flush()
    reindex_question(question.id)


def do_answer_action(answer: Answer, actor: User, action: str, reason: str) -> None:
    if action not in ("hide", "unhide"):
        raise ForumError(_("Okänd åtgärd."))
    set_answer_hidden(answer, action == "hide")
    log_action(actor, action, "answer", answer.id, answer.question_id, reason)
    db.session.flush()


def do_comment_hide(comment: Comment, actor: User, question_id: int, reason: str) -> None:
    """Comments have no hidden state: hiding one removes it (soft delete), logged."""
    comment.deleted_at = utcnow()
    log_action(actor, "hide", "comment", comment.id, question_id, reason)
    db.session.flush()


def move_question(question: Question, actor: User, category: Category, reason: str) -> None:
    if category.id == question.category_id:
        return
    old = question.category
    question.category_id = category.id
    log_action(
        actor, "move", "question", question.id, question.id, reason, f"{old.name} → {category.name}"
    )
    db.session.flush()
    reindex_question(question.id)


def merge_question_into(
    duplicate: Question, target_id: int | None, actor: User, reason: str
) -> Question:
    """Merge into the question ``target_id`` as ``actor`` may see it; returns that question."""
    target = get_question_for(actor, target_id) if target_id else None
    if target is None or target.merged_into_id is not None:
        raise ForumError(_("Den frågan finns inte."), field="target")
    merge_question(duplicate, target, actor, reason)
    return target


def merge_question(duplicate: Question, target: Question, actor: User, reason: str) -> None:
    """Move the duplicate's answers and comments to the target; the duplicate then redirects."""
    if duplicate.id == target.id:
        raise ForumError(_("En fråga kan inte slås ihop med sig själv."), field="target")
    if target.merged_into_id is not None or target.deleted_at is not None:
        raise ForumError(_("Den frågan finns inte längre. Välj en annan."), field="target")
    answers = list(
        db.session.scalars(
            select(Answer).where(Answer.question_id == duplicate.id, Answer.deleted_at.is_(None))
        )
    )
    moved = [a for a in answers if not a.hidden]
    db.session.execute(
        update(Answer).where(Answer.question_id == duplicate.id).values(question_id=target.id)
    )
    db.session.execute(
        update(Comment).where(Comment.question_id == duplicate.id).values(question_id=target.id)
    )
    target.answer_count += len(moved)
    target.helpful_count += sum(a.helpful_count for a in moved)
    touch(target)
    _move_follows(duplicate.id, target.id)
    duplicate.merged_into_id = target.id
    duplicate.accepted_answer_id = None
    duplicate.answer_count = 0
    duplicate.helpful_count = 0
    duplicate.deleted_at = utcnow()  # out of every list; the page redirects to the target
    log_action(
        actor,
        "merge",
        "question",
        duplicate.id,
        target.id,
        reason,
        f"#{duplicate.id} → #{target.id}",
    )
    db.session.flush()
    db.session.expire_all()
    reindex_question(duplicate.id)
    reindex_question(target.id)


def _move_follows(old_id: int, new_id: int) -> None:
    already = set(
        db.session.scalars(
            select(Follow.user_id).where(
                Follow.target_type == "question", Follow.target_id == new_id
            )
        )
    )
    for follow in db.session.scalars(
        select(Follow).where(Follow.target_type == "question", Follow.target_id == old_id)
    ):
        if follow.user_id in already:
            db.session.delete(follow)
        else:
            follow.target_id = new_id


def resolve_flag(flag: Flag, actor: User, reason: str = "") -> None:
    if flag.resolved_at is not None:
        return
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.id
    log_action(actor, "resolve_flag", flag.target_type, flag.target_id, flag.question_id, reason)
    db.session.flush()


def open_flags(limit: int = 100) -> list[Flag]:
    query = (
        select(Flag)
        .where(Flag.resolved_at.is_(None))
        .options(joinedload(Flag.reporter), joinedload(Flag.question))
        .order_by(Flag.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def recent_log(limit: int = 50) -> list[ModerationLog]:
    query = (
        select(ModerationLog)
        .options(joinedload(ModerationLog.actor))
        .order_by(ModerationLog.created_at.desc(), ModerationLog.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
