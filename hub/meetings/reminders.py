"""Reminders that keep the relay going: ``run_baton_check(now)`` and ``run_meeting_reminders(now)``.

The relay's steps for one holding: the holder's members are reminded, then the coordinators (or
the admins), then after a further silence the baton passes on. Beside them, a last resort that
keeps a chain of silent holders from stalling the network: once the network ought to meet soon
(counted from its last meeting, not from the holding) and nothing is booked, the hub asks every
member which of three dates suit, and a poll nobody closes books the most wanted time itself.

Safe to run often and in parallel (cron, ``flask hub worker``, two workers at once): each step is
claimed by inserting a row under a unique constraint *before* anything is queued, in its own short
transaction, so a second run that races for the same step fails its insert and sends nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from hub.auth.models import User
from hub.directory.models import Municipality
from hub.extensions import db
from hub.meetings import mailing, polls, rotation, scheduling
from hub.meetings.models import (
    BatonPass,
    BatonReminder,
    DatePoll,
    DatePollOption,
    Meeting,
    MeetingReminder,
    MeetingStatus,
    Network,
    NetworkMunicipality,
    Rsvp,
)

# The relay's steps for one holding; each is claimed once (BatonReminder's unique constraint).
STEP_HOLDER = 1  # the holder municipality's members
STEP_COORDINATORS = 2  # the coordinators, or the admins when the network has none
STEP_SILENCE = 3  # the baton passes on by itself
STEP_STUCK = 4  # no municipality has anyone to carry the baton: told once
STEP_POLL = 5  # the meeting is near and unbooked: the hub asks the whole network for dates
# The order in which due steps are taken. The poll does not wait for the escalation; a silence
# pass due at the same time goes first, and the new holder gets its own reminder before a poll.
LADDER = (STEP_HOLDER, STEP_COORDINATORS, STEP_SILENCE, STEP_POLL)
# A new holder first gets the hand-over mail; the first reminder waits at least this long.
FIRST_REMINDER_GRACE = timedelta(days=7)
# Reminders to those coming go out this long before the meeting.
MEETING_REMINDER_BEFORE = timedelta(days=2)


@dataclass(frozen=True)
class Timings:
    remind_before: timedelta
    escalate_after: timedelta
    silence: timedelta
    auto_held_after: timedelta
    poll_before: timedelta

    @classmethod
    def from_config(cls) -> Timings:
        config = current_app.config
        return cls(
            remind_before=timedelta(days=config["BATON_REMIND_BEFORE_DAYS"]),
            escalate_after=timedelta(days=config["BATON_ESCALATE_AFTER_DAYS"]),
            silence=timedelta(days=config["BATON_SILENCE_DAYS"]),
            auto_held_after=timedelta(days=config["MEETING_AUTO_HELD_AFTER_DAYS"]),
            poll_before=timedelta(days=config["BATON_POLL_BEFORE_DAYS"]),
        )


@dataclass(frozen=True)
class Sent:
    """A step already taken for a holding (plain values: they outlive the reading transaction)."""

    sent_at: datetime
    recipient_count: int


@dataclass
class RelayState:
    """What baton-check needs to know about one network's present holding, as plain values."""

    network_id: int
    slug: str
    name: str
    rhythm_months: int
    holding_id: int
    holding_began: datetime
    holder_code: str
    last_held: datetime | None
    booked: bool
    anyone_to_carry: bool
    sent: dict[int, Sent] = field(default_factory=dict)
    # When the network's baton was first handed out: the rhythm counts from there until a
    # meeting has been held.
    started: datetime | None = None


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_meeting_due(state: RelayState) -> datetime:
    """When the next meeting ought to take place: one rhythm after the last meeting or, if the
    holding is younger, after the holding began."""
    since = max(state.holding_began, state.last_held or state.holding_began)
    return add_months(since, state.rhythm_months or 3)


def network_due(state: RelayState) -> datetime:
    """When the network ought to meet: one rhythm after its last meeting (or its start).

    Unlike ``next_meeting_due`` a new holding does not move it: a chain of silent holders
    must not push the meeting further and further away.
    """
    since = state.last_held or state.started or state.holding_began
    return add_months(since, state.rhythm_months or 3)


def step_due(state: RelayState, step: int, timings: Timings) -> datetime | None:
    """When ``step`` falls due, or None while the step before it has not been taken.

    A step that reached nobody (an empty municipality, no coordinators) is skipped at once.
    """
    if step == STEP_HOLDER:
        return max(
            state.holding_began + FIRST_REMINDER_GRACE,
            next_meeting_due(state) - timings.remind_before,
        )
    if step == STEP_POLL:
        reminded = state.sent.get(STEP_HOLDER)
        if reminded is None:
            return None
        # The holder gets a week after the reminder; then, once the meeting is near, the hub asks.
        return max(
            reminded.sent_at + FIRST_REMINDER_GRACE, network_due(state) - timings.poll_before
        )
    before = state.sent.get(step - 1)
    if before is None:
        return None
    if before.recipient_count == 0:
        return before.sent_at
    wait = timings.escalate_after if step == STEP_COORDINATORS else timings.silence
    return before.sent_at + wait


def baton_due(network: Network, since: datetime) -> tuple[datetime, datetime]:
    """When the holder, then the coordinators, are reminded for a holding that began at ``since``
    with no meeting held since, each step going out when due (for tests and the docs)."""
    timings = Timings.from_config()
    state = RelayState(
        network_id=network.id,
        slug=network.slug,
        name=network.name,
        rhythm_months=network.rhythm_months,
        holding_id=0,
        holding_began=since,
        holder_code=network.baton_holder_code or "",
        last_held=None,
        booked=False,
        anyone_to_carry=True,
    )
    first = step_due(state, STEP_HOLDER, timings)
    return first, first + timings.escalate_after


def next_step(state: RelayState, now: datetime, timings: Timings) -> int | None:
    if state.booked:
        return None
    if not state.anyone_to_carry:
        return None if STEP_STUCK in state.sent else STEP_STUCK
    for step in LADDER:
        if step in state.sent:
            continue
        due = step_due(state, step, timings)
        if due is not None and now >= due:
            return step
    return None


def latest_passes() -> dict[int, BatonPass]:
    """Each network's most recent pass, in one statement."""
    ranked = select(
        BatonPass.id,
        func.row_number()
        .over(
            partition_by=BatonPass.network_id,
            order_by=(BatonPass.passed_at.desc(), BatonPass.id.desc()),
        )
        .label("rank"),
    ).subquery()
    rows = db.session.scalars(
        select(BatonPass).join(ranked, ranked.c.id == BatonPass.id).where(ranked.c.rank == 1)
    )
    return {p.network_id: p for p in rows}


def relay_states(now: datetime) -> list[RelayState]:
    """Every network's holding and what has been sent for it: a fixed number of statements,
    however many networks (a network whose holder lacks a history row costs one more)."""
    networks = db.session.scalars(select(Network).order_by(Network.id)).all()
    passes = latest_passes()
    open_meetings = set(
        db.session.scalars(select(Meeting.network_id).where(Meeting.open_slot.is_not(None)))
    )
    # A poll counts as booking only while one of its times lies ahead: a forgotten poll must
    # not hold the relay up for ever.
    open_polls = set(
        db.session.scalars(
            select(DatePoll.network_id)
            .join(DatePollOption, DatePollOption.poll_id == DatePoll.id)
            .where(DatePoll.open_slot.is_not(None), DatePollOption.starts_at > now)
            .distinct()
        )
    )
    last_held = dict(
        db.session.execute(
            select(Meeting.network_id, func.max(Meeting.ends_at))
            .where(Meeting.status == MeetingStatus.HELD)
            .group_by(Meeting.network_id)
        ).all()
    )
    carried = set(
        db.session.scalars(
            select(NetworkMunicipality.network_id)
            .join(User, User.municipality_code == NetworkMunicipality.municipality_code)
            .where(NetworkMunicipality.active, User.active, User.email_confirmed_at.is_not(None))
            .distinct()
        )
    )
    started = dict(
        db.session.execute(
            select(BatonPass.network_id, func.min(BatonPass.passed_at)).group_by(
                BatonPass.network_id
            )
        ).all()
    )
    sent: dict[int, dict[int, Sent]] = {}
    pass_ids = [p.id for p in passes.values()]
    for pass_id, step, sent_at, count in db.session.execute(
        select(
            BatonReminder.baton_pass_id,
            BatonReminder.step,
            BatonReminder.sent_at,
            BatonReminder.recipient_count,
        ).where(BatonReminder.baton_pass_id.in_(pass_ids))
    ):
        sent.setdefault(pass_id, {})[step] = Sent(sent_at, count)
    states = []
    for network in networks:
        holding = passes.get(network.id)
        if holding is None or holding.to_code != network.baton_holder_code:
            holding = rotation.current_holding(network)
        if holding is None:
            continue
        states.append(
            RelayState(
                network_id=network.id,
                slug=network.slug,
                name=network.name,
                rhythm_months=network.rhythm_months,
                holding_id=holding.id,
                holding_began=holding.passed_at,
                holder_code=holding.to_code,
                last_held=last_held.get(network.id),
                booked=network.id in open_meetings or network.id in open_polls,
                anyone_to_carry=network.id in carried,
                sent=dict(sent.get(holding.id, {})),
                started=started.get(network.id),
            )
        )
    return states


def claim(row) -> bool:
    """Insert the claim row as the first write of a fresh transaction; False if taken."""
    try:
        db.session.add(row)
        db.session.flush()
    except (IntegrityError, OperationalError):
        db.session.rollback()
        return False
    return True


def claim_step(row: BatonReminder) -> bool:
    """``claim`` for a relay step. The network's row is locked first (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serialises), so parallel runs take turns and the later one sees the earlier
    one's claim, also for a holding without a baton pass, whose NULL the unique constraint would
    let through twice."""
    db.session.execute(select(Network.id).where(Network.id == row.network_id).with_for_update())
    taken = select(BatonReminder.id).where(
        BatonReminder.network_id == row.network_id,
        BatonReminder.baton_pass_id.is_not_distinct_from(row.baton_pass_id),
        BatonReminder.step == row.step,
    )
    if db.session.scalar(taken) is not None:
        db.session.rollback()
        return False
    return claim(row)


def staff_recipients(network_id: int) -> tuple[str, list[mailing.Recipient]]:
    """The coordinators, or the admins when the network has none."""
    coordinators = mailing.coordinator_recipients(network_id)
    if coordinators:
        return "coordinators", coordinators
    return "admins", mailing.admin_recipients()


def take_step(state: RelayState, step: int, now: datetime) -> Sent | None:
    """Claim the step for this holding, then send it. None if another run took it first."""
    row = BatonReminder(
        network_id=state.network_id, baton_pass_id=state.holding_id, step=step, sent_at=now
    )
    if not claim_step(row):
        return None
    network = db.session.get(Network, state.network_id)
    if step == STEP_POLL:
        poll = polls.propose_for_network(network, now)
        row.recipient_count = len(mailing.network_recipients(network.id)) if poll else 0
        row.audience = "network" if row.recipient_count else "nobody"
        return Sent(now, row.recipient_count)
    if step == STEP_SILENCE:
        baton_pass = rotation.pass_after_silence(network, at=now)
        row.audience = "holder" if baton_pass else "nobody"
        row.recipient_count = (
            len(mailing.municipality_recipients(baton_pass.to_code)) if baton_pass else 0
        )
        return Sent(now, row.recipient_count)
    if step == STEP_HOLDER:
        audience, recipients = "holder", mailing.municipality_recipients(state.holder_code)
    else:
        audience, recipients = staff_recipients(state.network_id)
    row.audience = audience if recipients else "nobody"
    row.recipient_count = len(recipients)
    if step == STEP_STUCK:
        mailing.send_baton_stuck(network, recipients)
    else:
        holder = db.session.get(Municipality, state.holder_code)
        mailing.send_baton_reminder(
            network_name=state.name,
            holder_name=holder.name if holder else state.holder_code,
            step=step,
            recipients=recipients,
            url=mailing.network_url(network),
        )
    return Sent(now, row.recipient_count)


def hold_overdue_meetings(now: datetime, timings: Timings) -> list[int]:
    """Meetings nobody marked held within the grace period are held; the baton passes on."""
    overdue = scheduling.overdue_meetings(now, timings.auto_held_after)
    ids = [meeting.id for meeting in overdue]
    db.session.commit()
    held = []
    for meeting_id in ids:
        meeting = scheduling.get_meeting_or_404(meeting_id)
        try:
            scheduling.mark_held(meeting, by=None, now=now, automatic=True)
        except scheduling.MeetingStateError:  # marked (or cancelled) meanwhile by someone else
            db.session.rollback()
            continue
        db.session.commit()
        held.append(meeting_id)
    return held


def settle_forgotten_polls(now: datetime) -> list[int]:
    """Polls nobody closed book their most wanted time (or are cancelled), one at a time."""
    ids = polls.due_to_settle(now)
    db.session.commit()
    settled = []
    for poll_id in ids:
        try:
            polls.settle_poll(poll_id, now)
        except polls.PollClosed:  # closed meanwhile by the holder or another run
            db.session.rollback()
            continue
        db.session.commit()
        settled.append(poll_id)
    return settled


def run_baton_check(now: datetime) -> list[tuple[str, int]]:
    """Close meetings nobody marked held and polls nobody closed, then take the relay's due
    steps for every network.

    Returns (network slug, step) for every step this run took.
    """
    timings = Timings.from_config()
    hold_overdue_meetings(now, timings)
    settle_forgotten_polls(now)
    states = relay_states(now)
    db.session.commit()  # end the reading transaction before claiming (SQLite snapshots)
    taken: list[tuple[str, int]] = []
    for state in states:
        while (step := next_step(state, now, timings)) is not None:
            sent = take_step(state, step, now)
            if sent is None:
                db.session.rollback()
                break
            db.session.commit()
            taken.append((state.slug, step))
            if step == STEP_SILENCE:
                break
            state.sent[step] = sent
            state.booked = step == STEP_POLL and sent.recipient_count > 0
    return taken


def due_meeting_reminders(now: datetime) -> list[tuple[int, int]]:
    """(meeting id, user id) of people coming to a meeting within two days, not yet reminded."""
    reminded = select(MeetingReminder.id).where(
        MeetingReminder.meeting_id == Rsvp.meeting_id, MeetingReminder.user_id == Rsvp.user_id
    )
    rows = db.session.execute(
        select(Rsvp.meeting_id, Rsvp.user_id)
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + MEETING_REMINDER_BEFORE,
            Rsvp.response.in_(("on_site", "online")),
            Rsvp.waitlisted.is_(False),
            ~reminded.exists(),
        )
        .order_by(Rsvp.meeting_id, Rsvp.user_id)
    ).all()
    return [(meeting_id, user_id) for meeting_id, user_id in rows]


def run_meeting_reminders(now: datetime) -> int:
    """Remind those who are coming, once each, with the .ics attached."""
    due = due_meeting_reminders(now)
    db.session.commit()
    sent = 0
    for meeting_id, user_id in due:
        if not claim(MeetingReminder(meeting_id=meeting_id, user_id=user_id, sent_at=now)):
            continue
        meeting = db.session.scalar(
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .options(joinedload(Meeting.network), joinedload(Meeting.host))
        )
        person = next((r for r in mailing.recipients_by_ids([user_id])), None)
        if person is not None:
            mailing.send_meeting_reminder(meeting, person)
            sent += 1
        db.session.commit()
    return sent
