"""Baton and meeting reminders with a controlled clock; no duplicates when two runs race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.auth.models import Role
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import rotation
from hub.meetings.models import BatonPass, BatonReminder, MeetingReminder, Rsvp
from hub.meetings.reminders import run_baton_check, run_meeting_reminders
from hub.notifications.models import Notification

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
STEP1 = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)  # three months later
STEP2 = STEP1 + timedelta(days=14)


def outbox(template_word: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    messages = db.session.scalars(query).all()
    if template_word:
        messages = [m for m in messages if template_word in m.subject]
    return messages


@pytest.fixture
def setup(create_network, create_user):
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    network = create_network(codes=("1383", "1381", "1380"), coordinators=[coordinator])
    network.rhythm_months = 3
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    db.session.execute(db.update(BatonPass).values(passed_at=T0))
    laholm = [create_user(municipality_code="1381") for _ in range(2)]
    create_user(municipality_code="1383")  # not the holder: never reminded
    db.session.commit()
    return network, laholm, coordinator


def test_nothing_before_the_rhythm_has_passed(setup):
    assert run_baton_check(T0 + timedelta(days=60)) == []
    assert run_baton_check(STEP1 - timedelta(minutes=1)) == []
    assert outbox() == []


def test_one_reminder_per_step_then_escalation(setup):
    network, laholm, coordinator = setup
    assert run_baton_check(STEP1) == [(network.slug, 1)]
    first = outbox()
    assert sorted(m.to_address for m in first) == sorted(u.email for u in laholm)
    assert {m.kind for m in first} == {"baton"}
    assert all(network.name in m.subject for m in first)
    assert run_baton_check(STEP1 + timedelta(days=1)) == []
    assert run_baton_check(STEP2 - timedelta(minutes=1)) == []
    assert len(outbox()) == 2

    assert run_baton_check(STEP2) == [(network.slug, 2)]
    escalation = outbox()[2:]
    assert [m.to_address for m in escalation] == [coordinator.email]
    assert run_baton_check(STEP2 + timedelta(days=30)) == []
    assert len(outbox()) == 3
    assert db.session.scalar(select(func.count()).select_from(BatonReminder)) == 2
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds.count("baton") == 3


def test_a_scheduled_meeting_stops_the_reminders(setup, create_meeting):
    network, _laholm, _coordinator = setup
    create_meeting(network, starts_at=STEP2 + timedelta(days=5))
    assert run_baton_check(STEP2) == []
    assert outbox() == []


def test_a_new_holding_counts_from_its_own_start(setup):
    network, _laholm, _coordinator = setup
    assert run_baton_check(STEP1) == [(network.slug, 1)]
    rotation.pass_baton(network, reason_kind="passed_on", reason="Vi hinner inte")
    new_pass = rotation.current_pass(network.id)
    new_pass.passed_at = STEP1 + timedelta(days=1)
    db.session.commit()
    assert run_baton_check(STEP2) == []  # Halmstad's holding is young
    assert run_baton_check(STEP1 + timedelta(days=1) + timedelta(days=92)) == [(network.slug, 1)]


def test_meeting_reminders_go_once_to_those_coming(setup, create_meeting, create_user):
    network, laholm, _coordinator = setup
    starts = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
    meeting = create_meeting(network, starts_at=starts, capacity=1)
    online = create_user(municipality_code="1383")
    waiting = create_user(municipality_code="1383")
    absent = create_user(municipality_code="1380")
    for user, response, waitlisted in (
        (laholm[0], "on_site", False),
        (online, "online", False),
        (waiting, "on_site", True),
        (absent, "not_coming", False),
    ):
        db.session.add(
            Rsvp(meeting_id=meeting.id, user_id=user.id, response=response, waitlisted=waitlisted)
        )
    db.session.commit()
    assert run_meeting_reminders(starts - timedelta(days=3)) == 0
    assert run_meeting_reminders(starts - timedelta(days=2)) == 2
    assert run_meeting_reminders(starts - timedelta(days=1)) == 0
    reminders = outbox("Påminnelse")
    assert sorted(m.to_address for m in reminders) == sorted([laholm[0].email, online.email])
    assert all(m.attachments[0]["filename"].endswith(".ics") for m in reminders)
    assert run_meeting_reminders(starts + timedelta(hours=1)) == 0  # never after the start


def race(app, now: datetime, runs: int = 4) -> list[BaseException]:
    barrier = threading.Barrier(runs)
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                run_baton_check(now)
                db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_parallel_baton_checks_send_each_step_once(file_app):
    assert race(file_app, STEP1) == []
    assert race(file_app, STEP2) == []
    with file_app.app_context():
        addresses = db.session.scalars(select(OutboxMessage.to_address)).all()
        assert sorted(addresses) == ["c@halland.se", "p0@laholm.se", "p1@laholm.se", "p2@laholm.se"]
        assert db.session.scalar(select(func.count()).select_from(BatonReminder)) == 2
        assert db.session.scalar(select(func.count()).select_from(MeetingReminder)) == 0
        db.session.remove()


def test_cli_baton_check_at_a_stockholm_time(app, setup):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "baton-check", "--at", "2026-04-10 10:59"])
    assert result.exit_code == 0, result.output
    assert "Stafettpåminnelser: 0." in result.output  # 10:59 CEST is 08:59 UTC: not yet
    result = runner.invoke(args=["hub", "baton-check", "--at", "2026-04-10 11:00"])
    assert "steg 1" in result.output and "Stafettpåminnelser: 1." in result.output
    result = runner.invoke(args=["hub", "baton-check", "--at", "i morgon"])
    assert result.exit_code != 0 and "ÅÅÅÅ-MM-DD" in result.output
