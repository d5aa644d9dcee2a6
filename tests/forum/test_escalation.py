from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.auth.models import Role
from hub.core.db import utcnow
from hub.core.i18n import from_stockholm
from hub.extensions import db
from hub.forum.escalation import run_escalations
from hub.forum.models import EscalationStep
from hub.notifications.models import Notification


def kinds_for(user):
    """The forum's notifications to ``user`` (not the baton's, which a new network gives)."""
    return [
        n.kind
        for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
        if n.kind != "baton"
    ]


def setup_world(create_user, create_network, create_tag, give_expertise, create_question):
    tag = create_tag("Digitala lås")
    expert = create_user(municipality_code="1380")
    give_expertise(expert, tag)
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="1383")
    outsider = create_user(role=Role.COORDINATOR, municipality_code="0180")
    create_network(codes=("1383", "1381"), coordinators=[coordinator])
    create_network(codes=("0180",), coordinators=[outsider])
    asker = create_user(municipality_code="1381")
    return tag, expert, coordinator, outsider, asker


def test_unanswered_goes_to_experts_then_coordinators_once(
    app, create_user, create_network, create_tag, give_expertise, create_question
):
    tag, expert, coordinator, outsider, asker = setup_world(
        create_user, create_network, create_tag, give_expertise, create_question
    )
    start = utcnow() - timedelta(days=10)
    question = create_question(asker, tags=[tag], created_at=start)

    assert run_escalations(start + timedelta(hours=47)) == {
        "experts": 0, "coordinators": 0, "accept_reminder": 0
    }  # fmt: skip
    assert run_escalations(start + timedelta(hours=49))["experts"] == 1
    assert kinds_for(expert) == ["unanswered"]
    assert kinds_for(coordinator) == []
    assert run_escalations(start + timedelta(hours=50))["experts"] == 0  # once
    taken = run_escalations(start + timedelta(days=5, hours=1))
    assert taken["coordinators"] == 1
    assert kinds_for(coordinator) == ["unanswered"]
    assert kinds_for(outsider) == []
    run_escalations(start + timedelta(days=6))  # running again changes nothing
    assert kinds_for(expert) == ["unanswered"] and kinds_for(coordinator) == ["unanswered"]
    steps = db.session.scalars(
        select(EscalationStep.step).where(EscalationStep.question_id == question.id)
    )
    assert sorted(steps) == ["coordinators", "experts"]
    assert kinds_for(asker) == []


def test_answered_without_accept_reminds_asker_once(
    app, create_user, create_question, create_answer
):
    asker = create_user()
    start = utcnow() - timedelta(days=10)
    question = create_question(asker, created_at=start)
    create_answer(question, create_user())
    assert run_escalations(start + timedelta(days=6))["accept_reminder"] == 0
    assert run_escalations(start + timedelta(days=7, hours=1))["accept_reminder"] == 1
    assert run_escalations(start + timedelta(days=8))["accept_reminder"] == 0
    assert kinds_for(asker) == ["accept_reminder"]


def test_accepted_and_hidden_questions_are_left_alone(
    app, create_user, create_question, create_answer
):
    asker = create_user()
    start = utcnow() - timedelta(days=10)
    question = create_question(asker, created_at=start)
    answer = create_answer(question, create_user())
    question.accepted_answer_id = answer.id
    create_question(asker, created_at=start, hidden=True)
    db.session.commit()
    assert run_escalations(utcnow()) == {"experts": 0, "coordinators": 0, "accept_reminder": 0}


def test_claim_is_unique_per_step(app, create_user, create_question):
    from hub.forum.escalation import _claim

    question = create_question(create_user())
    now = utcnow()
    assert _claim(question.id, "experts", now) is not None
    assert _claim(question.id, "experts", now) is None  # a second worker loses the race
    assert _claim(question.id, "coordinators", now) is not None


def test_cli_accepts_stockholm_time(app, create_user, create_tag, give_expertise, create_question):
    tag = create_tag("Videosamtal")
    expert = create_user()
    give_expertise(expert, tag)
    created = from_stockholm(__import__("datetime").datetime(2026, 3, 1, 9, 0))
    create_question(create_user(), tags=[tag], created_at=created)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "forum-escalate", "--at", "2026-03-03 08:59"])
    assert result.exit_code == 0, result.output
    assert "0 till experter" in result.output
    result = runner.invoke(args=["hub", "forum-escalate", "--at", "2026-03-03 09:00"])
    assert "1 till experter" in result.output
    result = runner.invoke(args=["hub", "forum-escalate", "--at", "2026-03-03 09:00"])
    assert "0 till experter" in result.output
    assert kinds_for(expert) == ["unanswered"]
    bad = runner.invoke(args=["hub", "forum-escalate", "--at", "igår"])
    assert bad.exit_code != 0
