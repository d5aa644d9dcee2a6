"""Baton and meeting reminders with a controlled clock; no duplicates when two runs race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.auth.models import Role, User
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import rotation
from hub.meetings.models import (
    BatonPass,
    BatonReminder,
    DatePoll,
    DatePollOption,
    MeetingReminder,
    Rsvp,
    network_coordinator,
)
from hub.meetings.reminders import run_baton_check, run_meeting_reminders
from hub.notifications.models import Notification

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
# The tests set the timings themselves (TIMINGS), so the defaults may be tuned without them:
# the next meeting is due three months after T0; the holder hears six weeks before that, the
# coordinators two weeks later, and four weeks after that the baton passes on.
TIMINGS = {
    "BATON_REMIND_BEFORE_DAYS": 42,
    "BATON_ESCALATE_AFTER_DAYS": 14,
    "BATON_SILENCE_DAYS": 28,
    "MEETING_AUTO_HELD_AFTER_DAYS": 2,
    "BATON_POLL_BEFORE_DAYS": 0,  # the hub's own poll: tested in test_relay_fallback.py
}
DUE = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
STEP1 = DUE - timedelta(days=42)  # 27 February
STEP2 = STEP1 + timedelta(days=14)
STEP3 = STEP2 + timedelta(days=28)


def outbox(template_word: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    messages = db.session.scalars(query).all()
    if template_word:
        messages = [m for m in messages if template_word in m.subject]
    return messages


def reminder_rows() -> list[tuple[int, str, int]]:
    rows = db.session.scalars(select(BatonReminder).order_by(BatonReminder.id))
    return [(r.step, r.audience, r.recipient_count) for r in rows]


@pytest.fixture
def setup(app, create_network, create_user):
    app.config.update(TIMINGS)
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    network = create_network(codes=("1383", "1381", "1380"), coordinators=[coordinator])
    network.rhythm_months = 3
    laholm = [create_user(municipality_code="1381") for _ in range(2)]
    create_user(municipality_code="1383")  # not the holder: never reminded
    halmstad = create_user(municipality_code="1380")
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    db.session.execute(db.update(BatonPass).values(passed_at=T0))
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    return network, laholm, coordinator, halmstad


def test_nothing_before_the_first_reminder_is_due(setup):
    assert run_baton_check(T0 + timedelta(days=30)) == []
    assert run_baton_check(STEP1 - timedelta(minutes=1)) == []
    assert outbox() == []


def test_holder_then_coordinators_then_the_baton_passes_after_silence(setup):
    network, laholm, coordinator, halmstad = setup
    assert run_baton_check(STEP1) == [(network.slug, 1)]
    first = outbox()
    assert sorted(m.to_address for m in first) == sorted(u.email for u in laholm)
    assert {m.kind for m in first} == {"baton"}
    assert all(network.name in m.subject for m in first)
    assert run_baton_check(STEP1 + timedelta(days=1)) == []
    assert run_baton_check(STEP2 - timedelta(minutes=1)) == []
    assert len(outbox()) == 2

    assert run_baton_check(STEP2) == [(network.slug, 2)]
    assert [m.to_address for m in outbox()[2:]] == [coordinator.email]
    assert run_baton_check(STEP3 - timedelta(minutes=1)) == []

    assert run_baton_check(STEP3) == [(network.slug, 3)]
    assert network.baton_holder_code == "1380"
    last = rotation.history(network.id)[-1]
    assert (last.reason_kind, last.from_code, last.passed_at) == ("silence", "1381", STEP3)
    assert [m.to_address for m in outbox()[3:]] == [halmstad.email]  # "you hold the baton"
    assert reminder_rows() == [(1, "holder", 2), (2, "coordinators", 1), (3, "holder", 1)]
    assert run_baton_check(STEP3 + timedelta(days=1)) == []  # Halmstad's holding is young
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds.count("baton") == 2 + 4  # the hand-over to Laholm in the setup, then these


def test_escalation_goes_to_the_admins_when_the_network_has_no_coordinators(setup, create_user):
    network, _laholm, _coordinator, _halmstad = setup
    db.session.execute(db.delete(network_coordinator))
    admin = create_user(role=Role.ADMIN, municipality_code="0180")
    db.session.commit()
    run_baton_check(STEP1)
    assert run_baton_check(STEP2) == [(network.slug, 2)]
    assert [m.to_address for m in outbox()[2:]] == [admin.email]
    assert reminder_rows()[-1] == (2, "admins", 1)


def test_an_empty_holder_is_skipped_to_the_coordinators_at_once(setup):
    network, laholm, coordinator, _halmstad = setup
    for user in laholm:
        user.active = False
    db.session.commit()
    assert run_baton_check(STEP1) == [(network.slug, 1), (network.slug, 2)]
    assert [m.to_address for m in outbox()] == [coordinator.email]
    assert reminder_rows() == [(1, "nobody", 0), (2, "coordinators", 1)]


def test_with_nobody_to_remind_the_baton_passes_at_once(setup, create_user):
    network, laholm, _coordinator, halmstad = setup
    for user in laholm:
        user.active = False
    db.session.execute(db.delete(network_coordinator))  # and no admins in this installation
    db.session.commit()
    assert run_baton_check(STEP1) == [(network.slug, 1), (network.slug, 2), (network.slug, 3)]
    assert network.baton_holder_code == "1380"
    assert [m.to_address for m in outbox()] == [halmstad.email]


def test_a_network_without_members_is_reported_once(setup):
    network, _laholm, coordinator, _halmstad = setup
    for user in db.session.scalars(select(User).where(User.municipality_code != "0180")):
        user.active = False
    db.session.commit()
    assert run_baton_check(STEP1) == [(network.slug, 4)]
    assert run_baton_check(STEP3 + timedelta(days=400)) == []
    assert [m.to_address for m in outbox()] == [coordinator.email]
    assert "Ingen kan ta stafettpinnen" in outbox()[0].subject
    assert network.baton_holder_code == "1381"  # the baton stays


def test_a_scheduled_meeting_or_an_open_poll_stops_the_reminders(setup, create_meeting):
    network, _laholm, _coordinator, _halmstad = setup
    meeting = create_meeting(network, starts_at=STEP3 + timedelta(days=5))
    assert run_baton_check(STEP2) == []
    meeting.status, meeting.open_slot = "cancelled", None
    poll = DatePoll(network_id=network.id, title="Nästa träff", open_slot=1)
    poll.options = [DatePollOption(starts_at=STEP3, ends_at=STEP3 + timedelta(hours=2))]
    db.session.add(poll)
    db.session.commit()
    assert run_baton_check(STEP2) == []
    assert outbox() == []
    # A poll nobody closed stops holding the relay up once every time it offered has passed.
    assert run_baton_check(STEP3 + timedelta(days=1)) == [(network.slug, 1)]


def test_a_new_holding_counts_from_its_own_start(setup):
    network, _laholm, _coordinator, _halmstad = setup
    assert run_baton_check(STEP1) == [(network.slug, 1)]
    rotation.pass_baton(network, reason_kind="passed_on", reason="Vi hinner inte")
    new_pass = rotation.current_pass(network.id)
    new_pass.passed_at = STEP1 + timedelta(days=1)
    db.session.commit()
    assert run_baton_check(STEP2) == []  # Halmstad's holding is young
    due = STEP1 + timedelta(days=1) + timedelta(days=89) - timedelta(days=42)
    assert run_baton_check(due - timedelta(minutes=1)) == []
    assert run_baton_check(due) == [(network.slug, 1)]


def test_a_meeting_nobody_marked_is_held_automatically(setup, create_meeting, create_user):
    network, laholm, _coordinator, _halmstad = setup
    starts = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    meeting = create_meeting(network, starts_at=starts)
    meeting.created_by_id = laholm[0].id
    db.session.commit()
    ends = meeting.ends_at
    assert run_baton_check(ends + timedelta(days=2) - timedelta(minutes=1)) == []
    assert meeting.status == "scheduled"
    run_baton_check(ends + timedelta(days=2))
    db.session.refresh(meeting)
    assert meeting.status == "held" and meeting.open_slot is None
    last = rotation.history(network.id)[-1]
    assert (last.reason_kind, last.meeting_id, last.to_code) == ("auto_held", meeting.id, "1380")
    request = outbox("minnesanteckningar")
    assert [m.to_address for m in request] == [laholm[0].email]
    run_baton_check(ends + timedelta(days=3))
    assert len(rotation.history(network.id)) == 3  # Varberg first, given to Laholm, passed once


def test_a_meeting_marked_meanwhile_is_not_marked_again(setup, create_meeting):
    from hub.meetings import scheduling
    from hub.meetings.models import Meeting

    network, _laholm, _coordinator, _halmstad = setup
    meeting = create_meeting(network, starts_at=datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    # Another process marks it held; this one still holds the meeting as scheduled.
    db.session.execute(
        db.update(Meeting)
        .where(Meeting.id == meeting.id)
        .values(status="held", open_slot=None)
        .execution_options(synchronize_session=False)
    )
    assert meeting.status == "scheduled"
    with pytest.raises(scheduling.MeetingStateError):
        scheduling.mark_held(meeting, by=None, now=datetime(2026, 2, 5, tzinfo=UTC))
    assert len(rotation.history(network.id)) == 2  # Varberg first, then given to Laholm


def test_meeting_reminders_go_once_to_those_coming(setup, create_meeting, create_user):
    network, laholm, _coordinator, _halmstad = setup
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


def race(app, now: datetime, timings: dict = TIMINGS, runs: int = 4) -> list[BaseException]:
    """``runs`` baton checks at the same moment in threads; returns what they raised."""
    app.config.update(timings)
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


@pytest.mark.slow
def test_parallel_baton_checks_take_each_step_once(race_app):
    for moment in (STEP1, STEP2, STEP3):
        assert race(race_app, moment) == []
    with race_app.app_context():
        addresses = db.session.scalars(select(OutboxMessage.to_address)).all()
        assert sorted(addresses) == [
            "c@halland.se", "p0@laholm.se", "p1@laholm.se", "p2@laholm.se", "v@varberg.se",
        ]  # fmt: skip
        assert db.session.scalar(select(func.count()).select_from(BatonReminder)) == 3
        kinds = db.session.scalars(select(BatonPass.reason_kind).order_by(BatonPass.id)).all()
        assert kinds == ["start", "silence"]
        assert db.session.scalar(select(func.count()).select_from(MeetingReminder)) == 0
        db.session.remove()


@pytest.mark.slow
def test_parallel_baton_checks_hold_an_overdue_meeting_once(race_app):
    with race_app.app_context():
        from hub.meetings.models import Meeting

        db.session.add(
            Meeting(network_id=1, host_code="1381", title="Vinterträff", uid="race@stafetten.se",
                    starts_at=STEP1 - timedelta(days=10), ends_at=STEP1 - timedelta(days=9),
                    status="scheduled", open_slot=1)
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
    assert race(race_app, STEP1) == []
    with race_app.app_context():
        kinds = db.session.scalars(select(BatonPass.reason_kind).order_by(BatonPass.id)).all()
        assert kinds == ["start", "auto_held"]
        db.session.remove()


def test_cli_baton_check_at_a_stockholm_time(app, setup):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "baton-check", "--at", "2026-02-27 09:59"])
    assert result.exit_code == 0, result.output
    assert "Stafettpåminnelser: 0." in result.output  # 09:59 CET is 08:59 UTC: not yet
    result = runner.invoke(args=["hub", "baton-check", "--at", "2026-02-27 10:00"])
    assert "steg 1" in result.output and "Stafettpåminnelser: 1." in result.output
    result = runner.invoke(args=["hub", "baton-check", "--at", "i morgon"])
    assert result.exit_code != 0 and "ÅÅÅÅ-MM-DD" in result.output


def test_the_timeline_tells_the_whole_story(setup, client, login, create_meeting):
    network, laholm, _coordinator, _halmstad = setup
    meeting = create_meeting(network, starts_at=datetime(2026, 1, 20, 9, 0, tzinfo=UTC))
    db.session.add(Rsvp(meeting_id=meeting.id, user_id=laholm[0].id, response="on_site"))
    db.session.add(DatePoll(network_id=network.id, title="Vårträffen", status="cancelled",
                            created_at=datetime(2026, 1, 12, tzinfo=UTC)))  # fmt: skip
    db.session.commit()
    run_baton_check(datetime(2026, 1, 25, 9, 0, tzinfo=UTC))  # held automatically
    run_baton_check(datetime(2026, 1, 25, 9, 0, tzinfo=UTC) + timedelta(days=90))
    login(laholm[1])
    page = client.get(f"/natverk/{network.slug}/stafett").text
    assert "markerad automatiskt" in page and "1 kom" in page
    assert "Omröstning om datum: Vårträffen" in page and "avbruten" in page
    assert "Påminnelse 1 till kommunens medlemmar (1 person)" in page
    assert "@" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # no addresses
