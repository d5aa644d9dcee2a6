"""The relay's last resort, with a controlled clock: when the meeting is near and nobody booked it,
the hub asks the whole network for dates, and a poll nobody closes books the meeting by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hub.auth.models import Role
from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import mailing, polls, reminders, rotation
from hub.meetings.localtime import STOCKHOLM
from hub.meetings.models import BatonPass, BatonReminder, DatePoll, Meeting
from hub.meetings.reminders import run_baton_check
from tests.meetings.test_reminders import race

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
TIMINGS = {
    "BATON_REMIND_BEFORE_DAYS": 42,
    "BATON_ESCALATE_AFTER_DAYS": 14,
    "BATON_SILENCE_DAYS": 28,
    "MEETING_AUTO_HELD_AFTER_DAYS": 2,
    "BATON_POLL_BEFORE_DAYS": 42,
}
DUE = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)  # one rhythm (three months) after T0
STEP1 = DUE - timedelta(days=42)  # Friday 27 February: the holder is reminded
POLL_AT = STEP1 + timedelta(days=7)  # the holder had a week: the hub asks the network
STEP2 = STEP1 + timedelta(days=14)
# The poll's first time is three weeks after it opened; it closes itself a week before that.
SETTLE = POLL_AT + timedelta(days=14)


def steps() -> list[tuple[int, str, int]]:
    rows = db.session.scalars(select(BatonReminder).order_by(BatonReminder.id))
    return [(r.step, r.audience, r.recipient_count) for r in rows]


def addresses(kind: str) -> list[str]:
    return db.session.scalars(
        select(OutboxMessage.to_address)
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.to_address)
    ).all()


@pytest.fixture
def relay(app, create_network, create_user):
    """Halland: Laholm (two members, silent) holds the baton since T0; Varberg and Halmstad have
    one member each; one coordinator."""
    app.config.update(TIMINGS)
    coordinator = create_user(role=Role.COORDINATOR, municipality_code="0180")
    network = create_network(codes=("1383", "1381", "1380"), coordinators=[coordinator])
    network.rhythm_months = 3
    laholm = [create_user(municipality_code="1381") for _ in range(2)]
    others = [create_user(municipality_code="1383"), create_user(municipality_code="1380")]
    rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
    db.session.execute(db.update(BatonPass).values(passed_at=T0))
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    return network, laholm, others


def the_poll(network) -> DatePoll:
    poll = db.session.scalars(select(DatePoll).where(DatePoll.network_id == network.id)).one()
    return polls.get_poll(network, poll.id)


def fresh(poll_id: int) -> DatePoll:
    return db.session.scalar(
        select(DatePoll).where(DatePoll.id == poll_id).options(selectinload(DatePoll.options))
    )


def answer(poll: DatePoll, people, index: int, word: str = "yes") -> None:
    poll = fresh(poll.id)
    for person in people:
        polls.record_answers(poll, person, {poll.options[index].id: word})
    db.session.commit()


def test_the_hub_asks_the_whole_network_once_when_nobody_booked(relay):
    network, laholm, others = relay
    assert run_baton_check(STEP1) == [(network.slug, 1)]
    assert run_baton_check(POLL_AT - timedelta(minutes=1)) == []
    assert run_baton_check(POLL_AT) == [(network.slug, 5)]
    poll = the_poll(network)
    assert (poll.status, poll.created_by_id, poll.title) == ("open", None, polls.HUB_POLL_TITLE)
    local = [o.starts_at.astimezone(STOCKHOLM) for o in poll.options]
    assert [t.date() - POLL_AT.date() for t in local] == [timedelta(weeks=w) for w in (3, 4, 5)]
    assert all(t.weekday() < 5 and (t.hour, t.minute) == (10, 0) for t in local)
    members = sorted(p.email for p in mailing.network_recipients(network.id))
    assert {p.email for p in [*laholm, *others]} <= set(members)
    assert addresses("meeting_poll") == members  # one mail per person
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_poll"))
    assert "Stafetten frågar alla i nätverket" in mail.first().body_text
    assert steps()[-1] == (5, "network", len(members))
    # Once per holding, and an open poll counts as booking: no escalation while it runs.
    assert run_baton_check(POLL_AT + timedelta(days=1)) == []
    assert run_baton_check(STEP2) == []


def test_a_chain_of_silent_holders_does_not_push_the_meeting_away():
    last_held = datetime(2026, 1, 10, tzinfo=UTC)
    state = reminders.RelayState(
        network_id=1, slug="halland", name="Halland", rhythm_months=3, holding_id=9,
        holding_began=last_held + timedelta(days=84), holder_code="1380", last_held=last_held,
        booked=False, anyone_to_carry=True, started=last_held - timedelta(days=400),
    )  # fmt: skip
    timings = reminders.Timings(*(timedelta(days=d) for d in (84, 7, 28, 2, 42)))
    assert reminders.network_due(state) == datetime(2026, 4, 10, tzinfo=UTC)
    assert reminders.step_due(state, reminders.STEP_POLL, timings) is None  # holder not told
    holder_told = state.holding_began + timedelta(days=7)
    state.sent[reminders.STEP_HOLDER] = reminders.Sent(holder_told, 1)
    # Already late: a week after the holder heard, not one rhythm after this holding began.
    assert reminders.step_due(state, reminders.STEP_POLL, timings) == holder_told + timedelta(7)
    never_met = reminders.RelayState(**{**state.__dict__, "last_held": None, "sent": {}})
    assert reminders.network_due(never_met) == datetime(2025, 3, 6, tzinfo=UTC)


def test_the_poll_books_the_most_wanted_time_by_itself(relay):
    network, laholm, others = relay
    run_baton_check(STEP1)
    run_baton_check(POLL_AT)
    poll = the_poll(network)
    answer(poll, others, 1)
    answer(poll, laholm[:1], 0)
    answer(poll, laholm[1:], 0, "maybe")
    assert run_baton_check(SETTLE - timedelta(minutes=1)) == []
    assert poll.status == "open"
    db.session.execute(db.delete(OutboxMessage))
    run_baton_check(SETTLE)
    poll = fresh(poll.id)
    meeting = db.session.scalars(select(Meeting)).one()
    assert (poll.status, poll.meeting_id, poll.closed_at) == ("closed", meeting.id, SETTLE)
    assert (meeting.starts_at, meeting.host_code) == (poll.options[1].starts_at, "1381")
    assert (meeting.created_by_id, meeting.status) == (None, "scheduled")
    invited = sorted(p.email for p in mailing.network_recipients(network.id))
    assert addresses("meeting") == invited  # the usual invitation, once each
    run_baton_check(SETTLE + timedelta(days=1))
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_with_too_few_yes_the_poll_ends_and_the_reminders_go_on(relay):
    network, _laholm, others = relay
    run_baton_check(STEP1)
    run_baton_check(POLL_AT)
    poll = the_poll(network)
    answer(poll, others[:1], 0)
    answer(poll, others[1:], 0, "no")
    # Cancelled without a meeting; the relay is no longer "being booked", so the overdue
    # escalation follows in the same run.
    assert run_baton_check(SETTLE) == [(network.slug, 2)]
    db.session.refresh(poll)
    assert (poll.status, poll.meeting_id) == ("cancelled", None)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_poll_the_holder_forgot_books_in_the_holders_name(relay):
    network, laholm, others = relay
    opened = T0 + timedelta(days=20)
    times = [
        polls.ProposedTime(opened + timedelta(days=d), opened + timedelta(days=d, hours=2))
        for d in (6, 30)
    ]
    poll = polls.create_poll(network, "Vårträffen", times, by=laholm[0], now=opened)
    db.session.commit()
    answer(poll, others, 0)
    poll = fresh(poll.id)
    # The first time is only six days away: the poll still gets its five days to be answered.
    assert polls.settles_at(poll) == opened + polls.SETTLE_AT_THE_EARLIEST
    run_baton_check(opened + timedelta(days=5))
    meeting = db.session.scalars(select(Meeting)).one()
    assert (meeting.title, meeting.created_by_id) == ("Vårträffen", laholm[0].id)


def test_a_meeting_booked_meanwhile_cancels_the_poll(relay, create_meeting):
    network, _laholm, others = relay
    run_baton_check(STEP1)
    run_baton_check(POLL_AT)
    poll = the_poll(network)
    answer(poll, others, 0)
    create_meeting(network, starts_at=SETTLE + timedelta(days=30))
    run_baton_check(SETTLE)
    db.session.refresh(poll)
    assert poll.status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_a_poll_closed_by_someone_else_first_is_left_alone(relay, monkeypatch):
    network, _laholm, _others = relay
    run_baton_check(STEP1)
    run_baton_check(POLL_AT)
    poll = the_poll(network)
    polls.cancel_poll(poll, now=POLL_AT)
    db.session.commit()
    with pytest.raises(polls.PollClosed):
        polls.settle_poll(poll.id, SETTLE)
    db.session.rollback()
    monkeypatch.setattr(polls, "due_to_settle", lambda now: [poll.id])  # read before the close
    assert reminders.settle_forgotten_polls(SETTLE) == []


def test_no_hub_poll_when_a_meeting_got_booked_meanwhile(relay, create_meeting):
    network, _laholm, _others = relay
    run_baton_check(STEP1)
    states = reminders.relay_states(POLL_AT)  # read before the meeting was booked
    create_meeting(network, starts_at=DUE)
    sent = reminders.take_step(states[0], reminders.STEP_POLL, POLL_AT)
    db.session.commit()
    assert sent.recipient_count == 0 and steps()[-1] == (5, "nobody", 0)
    assert db.session.scalar(select(func.count()).select_from(DatePoll)) == 0


def test_proposed_times_fall_on_weekdays():
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    days = [t.starts_at.astimezone(STOCKHOLM) for t in polls.hub_proposed_times(saturday)]
    assert [d.weekday() for d in days] == [0, 0, 0]
    assert [d.date().isoformat() for d in days] == ["2026-03-30", "2026-04-06", "2026-04-13"]


def test_the_timeline_says_the_hub_asked(relay, client, login):
    network, laholm, _others = relay
    run_baton_check(STEP1)
    run_baton_check(POLL_AT)
    login(laholm[0])
    page = client.get(f"/natverk/{network.slug}/stafett").text
    assert "Stafetten frågade hela nätverket" in page
    assert "Påminnelse 5" not in page


@pytest.mark.slow
def test_parallel_baton_checks_open_and_settle_the_poll_once(race_app):
    """Four runs at once, each moment: one poll, one mail each, one meeting."""
    from hub.auth.models import User

    for moment in (STEP1, POLL_AT):
        assert race(race_app, moment, TIMINGS) == []
    with race_app.app_context():
        poll = fresh(db.session.scalars(select(DatePoll.id)).one())
        people = db.session.scalars(select(User).where(User.email.like("p%@laholm.se"))).all()
        for person in people[:2]:
            polls.record_answers(poll, person, {poll.options[0].id: "yes"})
        db.session.commit()
        db.session.remove()
    assert race(race_app, SETTLE, TIMINGS) == []
    with race_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
        assert db.session.scalar(select(func.count()).select_from(DatePoll)) == 1
        poll_mails = addresses("meeting_poll")
        assert len(poll_mails) == len(set(poll_mails)) == 5  # the coordinator too
        assert [s for s, _a, _n in steps()] == [1, 5]
        db.session.remove()
