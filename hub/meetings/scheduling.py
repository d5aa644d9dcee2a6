"""Meetings: load with access checks, schedule, change, cancel, hold, minutes (flush only)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from hub.auth import permissions
from hub.auth.models import Role, User
from hub.core.db import reading_connection, utcnow
from hub.core.markdown import render_markdown
from hub.core.rules import Conflict
from hub.extensions import db
from hub.forum.search_items import reindex_meeting
from hub.meetings import mailing, participation, rotation
from hub.meetings.models import (
    Meeting,
    MeetingStatus,
    Network,
    NetworkMunicipality,
    TopicSuggestion,
    network_coordinator,
)

SCHEDULED = MeetingStatus.SCHEDULED
CANCELLED = MeetingStatus.CANCELLED
HELD = MeetingStatus.HELD


class MeetingConflict(Conflict):
    """Another meeting of the network is already scheduled (perhaps saved a moment ago)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(_("Någon annan hann före, eller så är det låst."))
        self.detail = detail


class MeetingStateError(Conflict):
    """The meeting is not in a state that allows this (cancelled, already held …)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(_("Någon annan hann före, eller så är det låst."))
        self.detail = detail


@dataclass
class MeetingData:
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    online_url: str = ""
    agenda: str = ""
    capacity: int | None = None


def get_network_or_404(slug: str) -> Network:
    network = db.session.scalar(
        select(Network).where(Network.slug == slug).options(joinedload(Network.baton_holder))
    )
    if network is None:
        abort(404)
    return network


def get_meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.network), joinedload(Meeting.host))
    )
    if meeting is None:
        abort(404)
    return meeting


def can_manage(user: User | None, meeting: Meeting) -> bool:
    """The host municipality's members, the network's coordinators and admins."""
    return permissions.speaks_for(user, meeting.host_code) or rotation.can_coordinate(
        user, meeting.network
    )


def get_meeting_for_manager(user: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_or_404(meeting_id)
    if not can_manage(user, meeting):
        abort(403)
    return meeting


def get_meeting_for_participant(user: User, meeting_id: int) -> Meeting:
    """A meeting the person may answer, suggest topics for and vote on (else 403)."""
    meeting = get_meeting_or_404(meeting_id)
    if not permissions.takes_part_in(user, meeting.network_id):
        abort(403)
    return meeting


def member_networks() -> ColumnElement[bool]:
    """The networks of the member ``:user_id`` of ``:municipality_code``: through the
    municipality or as a coordinator."""
    member_of = select(NetworkMunicipality.network_id).where(
        NetworkMunicipality.municipality_code == bindparam("municipality_code"),
        NetworkMunicipality.active,
    )
    coordinates = select(network_coordinator.c.network_id).where(
        network_coordinator.c.user_id == bindparam("user_id")
    )
    return or_(Network.id.in_(member_of), Network.id.in_(coordinates))


# Built once: the meetings list and the start page run it for every member.
NETWORK_IDS = {"all": select(Network.id), "member": select(Network.id).where(member_networks())}


def user_network_ids(user: User) -> list[int]:
    """Networks the person belongs to: through their municipality or as a coordinator.

    Admins see every network.
    """
    statement = NETWORK_IDS["all" if user.role == Role.ADMIN else "member"]
    parameters = {"user_id": user.id, "municipality_code": user.municipality_code}
    return list(reading_connection().execute(statement, parameters).scalars())


def open_meeting(network_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.network_id == network_id, Meeting.open_slot.is_not(None))
    )


def new_uid() -> str:
    return f"{secrets.token_hex(12)}@stafetten.se"


def apply_data(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title.strip()
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.place = (data.place or "").strip()
    meeting.online_url = (data.online_url or "").strip()
    meeting.agenda_source = data.agenda or ""
    meeting.agenda_html = render_markdown(meeting.agenda_source)
    meeting.capacity = data.capacity


def create_meeting(network: Network, data: MeetingData, *, by: User | None) -> Meeting:
    """Schedule the network's next meeting, hosted by the baton holder; invitations are queued.

    ``by`` None: booked by the hub itself, from a date poll nobody closed.

    Raises MeetingConflict when another meeting is open, including one saved concurrently: the
    unique (network_id, open_slot) constraint makes the second insert fail.
    """
    holder = rotation.ensure_holder(network, by=by)
    if holder is None:
        raise MeetingStateError("the network has no active member municipality")
    if open_meeting(network.id) is not None:
        raise MeetingConflict
    now = utcnow()
    meeting = Meeting(
        network_id=network.id,
        host_code=holder,
        status=SCHEDULED,
        open_slot=1,
        uid=new_uid(),
        sequence=0,
        created_by_id=by.id if by else None,
        created_at=now,
        updated_at=now,
    )
    apply_data(meeting, data)
    try:
        with db.session.begin_nested():
            db.session.add(meeting)
            db.session.flush()
    except (IntegrityError, OperationalError) as error:
        raise MeetingConflict from error
    reindex_meeting(meeting.id)
    meeting = get_meeting_or_404(meeting.id)
    mailing.send_meeting_message(meeting, "invitation", actor_id=by.id if by else None)
    return meeting


def essentials(meeting: Meeting) -> tuple:
    """What people's calendars and plans hang on: a change here is mailed to everyone."""
    return (meeting.title, meeting.starts_at, meeting.ends_at, meeting.place, meeting.online_url)


def update_meeting(meeting: Meeting, data: MeetingData, *, by: User) -> bool:
    """Change or reschedule. SEQUENCE grows with any change (feeds pick it up); a change of
    title, time or place is also mailed to everyone invited (same UID, higher SEQUENCE). Agenda
    and capacity edits are not mailed, so taking topics into the agenda sends no flood."""
    if meeting.status != SCHEDULED:
        raise MeetingStateError(meeting.status)
    before = (*essentials(meeting), meeting.agenda_source, meeting.capacity)
    apply_data(meeting, data)
    after = (*essentials(meeting), meeting.agenda_source, meeting.capacity)
    if before == after:
        return False
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    reindex_meeting(meeting.id)
    if meeting.capacity is not None or before[-1] is not None:
        participation.fill_free_places(meeting)
    if before[:5] != after[:5]:
        mailing.mail_meeting_update(meeting, actor_id=by.id)
    return True


def cancel_meeting(meeting: Meeting, *, by: User, message: str = "") -> None:
    """Cancel: the meeting stays (STATUS:CANCELLED in feeds) and frees the network's slot."""
    if meeting.status != SCHEDULED:
        raise MeetingStateError(meeting.status)
    meeting.status = CANCELLED
    meeting.open_slot = None
    meeting.update_due_at = None  # the cancellation says all
    meeting.cancelled_at = utcnow()
    meeting.sequence += 1
    meeting.updated_at = meeting.cancelled_at
    db.session.flush()
    mailing.send_meeting_message(meeting, "cancel", actor_id=by.id, message=message.strip())


def mark_held(
    meeting: Meeting, *, by: User | None, now: datetime | None = None, automatic: bool = False
) -> rotation.BatonPass | None:
    """The meeting took place: the baton passes on to the next municipality in the rotation.

    If a coordinator already moved the baton away from the host, it stays where it is. The
    status changes by a conditional UPDATE, so two people (or two ``baton-check`` runs) marking
    the same meeting pass the baton once. ``automatic``: nobody marked it in time, so the
    host is asked for minutes.
    """
    now = now or utcnow()
    if meeting.status != SCHEDULED:
        raise MeetingStateError(meeting.status)
    if meeting.starts_at > now:
        raise MeetingStateError("not started")
    claimed = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == SCHEDULED)
        .values(status=HELD, open_slot=None, held_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:
        raise MeetingStateError(HELD)
    db.session.flush()
    network = db.session.get(Network, meeting.network_id)
    if automatic:
        mailing.send_minutes_request(meeting, host_recipients(meeting))
    if network.baton_holder_code == meeting.host_code:
        return rotation.pass_after_meeting(network, meeting, by=by, automatic=automatic, at=now)
    return None


def host_recipients(meeting: Meeting) -> list[mailing.Recipient]:
    """Whoever booked the meeting, or else the host municipality's members."""
    creator = mailing.recipients_by_ids([meeting.created_by_id] if meeting.created_by_id else [])
    return creator or mailing.municipality_recipients(meeting.host_code)


def overdue_meetings(now: datetime, after: timedelta) -> list[Meeting]:
    """Scheduled meetings whose end lies more than ``after`` back: nobody marked them held."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.status == SCHEDULED, Meeting.ends_at <= now - after)
            .options(joinedload(Meeting.network), joinedload(Meeting.host))
            .order_by(Meeting.ends_at, Meeting.id)
        )
    )


def save_minutes(meeting: Meeting, source: str, *, now: datetime | None = None) -> None:
    if meeting.status == CANCELLED or meeting.starts_at > (now or utcnow()):
        raise MeetingStateError(meeting.status)
    first_time = not meeting.minutes_source
    meeting.minutes_source = source
    meeting.minutes_html = render_markdown(source)
    reindex_meeting(meeting.id)
    if first_time:
        mailing.notify_minutes(meeting)


def take_into_agenda(meeting: Meeting, suggestion: TopicSuggestion, *, by: User) -> None:
    """The host adds the topic to the agenda as a list item; attendees get an update."""
    participation.check_open(meeting)
    if suggestion.in_agenda:
        return
    suggestion.in_agenda = True
    agenda = (meeting.agenda_source or "").rstrip()
    agenda = f"{agenda}\n- {suggestion.text}" if agenda else f"- {suggestion.text}"
    update_meeting(
        meeting,
        MeetingData(
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            place=meeting.place,
            online_url=meeting.online_url,
            agenda=agenda,
            capacity=meeting.capacity,
        ),
        by=by,
    )
