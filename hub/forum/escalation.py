"""Nobody is left without an answer.

An unanswered question is brought to the members whose expertise matches its tags, later to the
coordinators of the networks the asker's municipality belongs to; an asker with answers but none
accepted is reminded once. Each step is a row in ``escalation_step`` with a unique
(question_id, step): the row is inserted before anyone is notified, in the same transaction, so two
workers running at once cannot both take the same step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, false, literal_column, select
from sqlalchemy.exc import IntegrityError

from hub.auth.models import User
from hub.core.models import user_expertise
from hub.extensions import db
from hub.forum.models import EscalationStep, Question, question_tag
from hub.forum.questions import question_path
from hub.meetings.models import NetworkMunicipality, network_coordinator
from hub.notifications.notify import notify

BATCH = 200


def _hours(name: str) -> timedelta:
    return timedelta(hours=float(current_app.config[name]))


def _due(step: str, older_than: datetime, answered: bool) -> list[Question]:
    taken = exists().where(EscalationStep.question_id == Question.id, EscalationStep.step == step)
    query = select(Question).where(
        Question.deleted_at.is_(None),
        Question.hidden == false(),
        Question.created_at <= older_than,
        ~taken,
    )
    if answered:
        query = query.where(Question.answer_count > 0, Question.accepted_answer_id.is_(None))
    else:  # written in: a bound 0 cannot use the partial index of the unanswered (migration 0051)
        query = query.where(Question.answer_count == literal_column("0"))
    return list(db.session.scalars(query.order_by(Question.created_at).limit(BATCH)))


def _claim(question_id: int, step: str, now: datetime) -> EscalationStep | None:
    """Insert the step row; None if another run has taken the step already."""
    try:
        with db.session.begin_nested():
            row = EscalationStep(question_id=question_id, step=step, done_at=now)
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return None
    return row


def expert_ids(question: Question) -> list[int]:
    tags = select(question_tag.c.tag_id).where(question_tag.c.question_id == question.id)
    query = (
        select(user_expertise.c.user_id)
        .join(User, User.id == user_expertise.c.user_id)
        .where(user_expertise.c.tag_id.in_(tags), User.active.is_(True))
        .distinct()
    )
    return [uid for uid in db.session.scalars(query) if uid != question.author_id]


def coordinator_ids(question: Question) -> list[int]:
    if question.author_id is None:
        return []
    code = select(User.municipality_code).where(User.id == question.author_id).scalar_subquery()
    networks = select(NetworkMunicipality.network_id).where(
        NetworkMunicipality.municipality_code == code, NetworkMunicipality.active.is_(True)
    )
    query = (
        select(network_coordinator.c.user_id)
        .where(network_coordinator.c.network_id.in_(networks))
        .distinct()
    )
    return [uid for uid in db.session.scalars(query) if uid != question.author_id]


def _notify_experts(question: Question) -> int:
    ids = expert_ids(question)
    text = _("En fråga inom ditt område väntar på svar: ”%(title)s”", title=question.title[:80])
    for uid in ids:
        notify(uid, "unanswered", text, question_path(question), post=("question", question.id))
    return len(ids)


def _notify_coordinators(question: Question) -> int:
    ids = coordinator_ids(question)
    text = _("Ingen har svarat på ”%(title)s” än. Kan du hjälpa till?", title=question.title[:80])
    for uid in ids:
        notify(uid, "unanswered", text, question_path(question), post=("question", question.id))
    return len(ids)


def _remind_asker(question: Question) -> int:
    if question.author_id is None:
        return 0
    text = _(
        "Din fråga ”%(title)s” har fått svar. Godta det som hjälpte dig, så vet andra också.",
        title=question.title[:80],
    )
    notify(
        question.author_id,
        "accept_reminder",
        text,
        question_path(question),
        post=("question", question.id),
    )
    return 1


STEPS = (
    ("experts", "FORUM_EXPERT_AFTER_HOURS", False, _notify_experts),
    ("coordinators", "FORUM_COORDINATOR_AFTER_HOURS", False, _notify_coordinators),
    ("accept_reminder", "FORUM_ACCEPT_REMINDER_AFTER_HOURS", True, _remind_asker),
)


def run_escalations(now: datetime) -> dict[str, int]:
    """Take every due step once; commits after each question. Returns steps taken per kind."""
    taken = {step: 0 for step, *_ in STEPS}
    for step, setting, answered, action in STEPS:
        while True:
            due = _due(step, now - _hours(setting), answered)
            if not due:
                break
            for question in due:
                row = _claim(question.id, step, now)
                if row is None:
                    continue
                row.notified = action(question)
                db.session.commit()
                taken[step] += 1
            if len(due) < BATCH:
                break
    db.session.commit()
    return taken
