"""Reminders that keep the relay going: ``run_baton_check(now)`` and ``run_meeting_reminders(now)``.

Safe to run often and in parallel (cron, ``flask hub worker``, two workers at once): each step is
claimed by inserting a row under a unique constraint *before* anything is queued, in its own short
transaction, so a second run that races for the same step fails its insert and sends nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from hub.extensions import db
from hub.meetings import mailing, rotation
from hub.meetings.models import (
    BatonReminder,
    Meeting,
    MeetingReminder,
    MeetingStatus,
    Network,
    Rsvp,
)

# Step 2 (the coordinators) comes this long after step 1 if still nothing is scheduled.
ESCALATION_AFTER = timedelta(days=14)
# Reminders to those coming go out this long before the meeting.
MEETING_REMINDER_BEFORE = timedelta(days=2)


@dataclass(frozen=True)
class BatonStep:
    network_id: int
    network_name: str
    network_slug: str
    holder_code: str
    holder_name: str
    baton_pass_id: int
    step: int


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def baton_due(network: Network, since: datetime) -> tuple[datetime, datetime]:
    first = add_months(since, network.rhythm_months or 3)
    return first, first + ESCALATION_AFTER


def due_baton_steps(now: datetime) -> list[BatonStep]:
    """Which steps are due for which networks. May record a missing start of a holding."""
    networks = db.session.scalars(
        select(Network).options(joinedload(Network.baton_holder)).order_by(Network.id)
    ).all()
    upcoming = set(
        db.session.scalars(
            select(Meeting.network_id).where(
                Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at > now
            )
        )
    )
    last_held = dict(
        db.session.execute(
            select(Meeting.network_id, func.max(Meeting.ends_at))
            .where(Meeting.status == MeetingStatus.HELD)
            .group_by(Meeting.network_id)
        ).all()
    )
    steps: list[BatonStep] = []
    for network in networks:
        holding = rotation.current_holding(network)
        if holding is None or network.id in upcoming:
            continue
        since = max(holding.passed_at, last_held.get(network.id) or holding.passed_at)
        first, second = baton_due(network, since)
        holder_name = network.baton_holder.name if network.baton_holder else holding.to_code
        for step, due in ((1, first), (2, second)):
            if now >= due:
                steps.append(
                    BatonStep(
                        network.id,
                        network.name,
                        network.slug,
                        holding.to_code,
                        holder_name,
                        holding.id,
                        step,
                    )
                )
    return steps


def claim(row) -> bool:
    """Insert the claim row as the first write of a fresh transaction; False if taken."""
    try:
        db.session.add(row)
        db.session.flush()
    except (IntegrityError, OperationalError):
        db.session.rollback()
        return False
    return True


def run_baton_check(now: datetime) -> list[tuple[str, int]]:
    """Remind holders who have not scheduled within the rhythm, then their coordinators.

    Returns (network slug, step) for every step sent by this run.
    """
    steps = due_baton_steps(now)
    db.session.commit()  # end the reading transaction before claiming (SQLite snapshots)
    sent: list[tuple[str, int]] = []
    base_url = current_app.config["BASE_URL"].rstrip("/")
    for step in steps:
        row = BatonReminder(
            network_id=step.network_id,
            baton_pass_id=step.baton_pass_id,
            step=step.step,
            sent_at=now,
        )
        if not claim(row):
            continue
        if step.step == 1:
            recipients = mailing.municipality_recipients(step.holder_code)
        else:
            recipients = mailing.coordinator_recipients(step.network_id)
        mailing.send_baton_reminder(
            network_name=step.network_name,
            holder_name=step.holder_name,
            step=step.step,
            recipients=recipients,
            url=f"{base_url}/natverk/{step.network_slug}",
        )
        db.session.commit()
        sent.append((step.network_slug, step.step))
    return sent


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
