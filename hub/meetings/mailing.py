"""Meeting and baton emails (queued in the caller's transaction) and in-app notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from hub.auth.models import Role, User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.extensions import db
from hub.inbound.addresses import RSVP, address
from hub.mail.actions import minutes_url, rsvp_urls
from hub.mail.outbox import queue_email
from hub.meetings.calendar import meeting_ics, meeting_url
from hub.meetings.models import Meeting, MeetingStatus, NetworkMunicipality, network_coordinator
from hub.notifications.notify import notify

KIND = "meeting"


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str


def recipients_query(condition):
    return select(User.id, User.email, User.name).where(
        User.active, User.email_confirmed_at.is_not(None), condition
    )


def network_recipients(network_id: int) -> list[Recipient]:
    """Active people of the network's active municipalities, and its coordinators."""
    member_codes = select(NetworkMunicipality.municipality_code).where(
        NetworkMunicipality.network_id == network_id, NetworkMunicipality.active
    )
    coordinators = select(network_coordinator.c.user_id).where(
        network_coordinator.c.network_id == network_id
    )
    rows = db.session.execute(
        recipients_query(
            or_(User.municipality_code.in_(member_codes), User.id.in_(coordinators))
        ).order_by(User.id)
    )
    return [Recipient(*row) for row in rows]


def municipality_recipients(code: str) -> list[Recipient]:
    rows = db.session.execute(recipients_query(User.municipality_code == code).order_by(User.id))
    return [Recipient(*row) for row in rows]


def coordinator_recipients(network_id: int) -> list[Recipient]:
    coordinators = select(network_coordinator.c.user_id).where(
        network_coordinator.c.network_id == network_id
    )
    rows = db.session.execute(recipients_query(User.id.in_(coordinators)).order_by(User.id))
    return [Recipient(*row) for row in rows]


def calendar_part(meeting: Meeting, method: str, person: Recipient) -> dict:
    """The meeting for this one recipient, sent inline as Exchange does (see hub.mail.sender).

    With a reply domain the organizer is this recipient's ``rsvp+`` address, so "Accept" in
    Outlook reaches the hub and counts."""
    reply_to = address(RSVP, person.id, "meeting", meeting.id)
    ics = meeting_ics(
        meeting, method=method, attendee=(person.name, person.email), reply_to=reply_to
    )
    return {
        "filename": "traff.ics",
        "content_type": f'text/calendar; charset="utf-8"; method={method}',
        "data": ics.decode("utf-8"),
        "inline": True,
    }


# Template and iCalendar method for each kind of meeting message.
MESSAGES = {
    "invitation": ("meeting_invitation", "REQUEST"),
    "update": ("meeting_update", "REQUEST"),
    "cancel": ("meeting_cancelled", "CANCEL"),
}


def notification_text(kind: str, title: str) -> str:
    from flask_babel import gettext as _

    if kind == "invitation":
        return _("Inbjudan: %(title)s", title=title)
    if kind == "update":
        return _("Ändrad träff: %(title)s", title=title)
    return _("Inställd träff: %(title)s", title=title)


# Changes within this long after an update mail go out together, as one update.
UPDATE_COALESCE = timedelta(minutes=15)
# And at most this many update mails per meeting a day; later changes wait for a free turn.
UPDATE_LIMITS = ((4, 24 * 3600),)


def mail_meeting_update(meeting: Meeting, *, actor_id: int | None = None) -> bool:
    """The meeting's title, time or place changed: mail the update now, or, within
    ``UPDATE_COALESCE`` of the last one or past the daily limit, as one mail when the turn
    comes (``send_due_updates``). True when it went now."""
    now = utcnow()
    last = meeting.update_mailed_at
    its_turn = meeting.update_due_at is None and (last is None or now - last >= UPDATE_COALESCE)
    if its_turn and send_update(meeting, actor_id=actor_id):
        return True
    if meeting.update_due_at is None:
        meeting.update_due_at = max(now, (last or now) + UPDATE_COALESCE)
    return False


def send_update(meeting: Meeting, *, actor_id: int | None = None) -> bool:
    """Mail the meeting as it is now, unless the meeting's daily limit is reached."""
    if not ratelimit.allow("meeting-update", meeting.id, UPDATE_LIMITS):
        return False
    meeting.update_mailed_at = utcnow()
    meeting.update_due_at = None
    send_meeting_message(meeting, "update", actor_id=actor_id)
    return True


def send_due_updates() -> int:
    """Mail the waiting updates of scheduled meetings (``flask hub send-mail`` runs this);
    one past the daily limit tries again in an hour."""
    now = utcnow()
    due = db.session.scalars(
        select(Meeting)
        .where(Meeting.update_due_at <= now, Meeting.status == MeetingStatus.SCHEDULED)
        .options(joinedload(Meeting.network), joinedload(Meeting.host))
        .order_by(Meeting.id)
    ).all()
    sent = 0
    for meeting in due:
        if send_update(meeting):
            sent += 1
        else:
            meeting.update_due_at = now + timedelta(hours=1)
    db.session.flush()
    return sent


def send_meeting_message(
    meeting: Meeting, kind: str, *, actor_id: int | None = None, message: str = ""
) -> int:
    """Invitation, update or cancellation to everyone in the network, with the .ics attached."""
    template, method = MESSAGES[kind]
    url = meeting_url(meeting)
    note = notification_text(kind, meeting.title)
    count = 0
    for person in network_recipients(meeting.network_id):
        queue_email(
            template,
            person.email,
            kind=KIND,
            user_id=person.id,
            attachments=[calendar_part(meeting, method, person)],
            meeting=meeting,
            person=person,
            url=url,
            message=message,
            rsvp=None if kind == "cancel" else rsvp_urls(person.id, meeting.id, meeting.ends_at),
        )
        notify(person.id, KIND, note[:300], url, actor_id=actor_id, mailed=True)
        count += 1
    return count


def send_meeting_reminder(meeting: Meeting, person: Recipient) -> None:
    from flask_babel import gettext as _

    url = meeting_url(meeting)
    queue_email(
        "meeting_reminder",
        person.email,
        kind=KIND,
        user_id=person.id,
        attachments=[calendar_part(meeting, "REQUEST", person)],
        meeting=meeting,
        person=person,
        url=url,
        rsvp=rsvp_urls(person.id, meeting.id, meeting.ends_at),
    )
    text = _("Påminnelse: %(title)s", title=meeting.title)
    notify(person.id, KIND, text[:300], url, mailed=True)


def send_promotion(meeting: Meeting, user_id: int) -> None:
    """Someone moved from the waiting list to a place on site."""
    from flask_babel import gettext as _

    notify(
        user_id,
        KIND,
        _("Du har fått en plats på %(title)s.", title=meeting.title)[:300],
        meeting_url(meeting),
    )


def send_baton_reminder(
    *, network_name: str, holder_name: str, step: int, recipients: list[Recipient], url: str
) -> None:
    """Step 1 to the holder municipality's members, step 2 to the coordinators (or admins)."""
    from flask_babel import gettext as _

    if step == 1:
        template = "baton_reminder"
        text = _("Dags att boka nästa träff i %(network)s.", network=network_name)
    else:
        template = "baton_escalation"
        text = _(
            "%(holder)s har inte bokat någon träff i %(network)s.",
            holder=holder_name,
            network=network_name,
        )
    for person in recipients:
        queue_email(
            template,
            person.email,
            kind="baton",
            user_id=person.id,
            network_name=network_name,
            holder_name=holder_name,
            person=person,
            url=url,
        )
        notify(person.id, "baton", text[:300], url, mailed=True)


def recipients_by_ids(user_ids: list[int]) -> list[Recipient]:
    rows = db.session.execute(recipients_query(User.id.in_(user_ids)).order_by(User.id))
    return [Recipient(*row) for row in rows]


def admin_recipients() -> list[Recipient]:
    rows = db.session.execute(recipients_query(User.role == Role.ADMIN).order_by(User.id))
    return [Recipient(*row) for row in rows]


def network_url(network) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/natverk/{network.slug}"


def send_new_holder(network, baton_pass, *, actor_id: int | None = None) -> int:
    """Each member of the municipality that now holds the baton gets one mail and a notice."""
    from flask_babel import gettext as _

    url = network_url(network)
    text = _("Er kommun har fått stafettpinnen i %(network)s.", network=network.name)
    people = municipality_recipients(baton_pass.to_code)
    for person in people:
        queue_email(
            "baton_received",
            person.email,
            kind="baton",
            user_id=person.id,
            network_name=network.name,
            rhythm_months=network.rhythm_months,
            reason_kind=baton_pass.reason_kind,
            person=person,
            url=url,
        )
        notify(person.id, "baton", text[:300], url, actor_id=actor_id, mailed=True)
    return len(people)


def send_baton_stuck(network, recipients: list[Recipient]) -> None:
    """No member municipality has anyone left to carry the baton: the coordinators (or admins)."""
    from flask_babel import gettext as _

    url = network_url(network)
    text = _("Ingen kommun i %(network)s har aktiva medlemmar just nu.", network=network.name)
    for person in recipients:
        queue_email(
            "baton_stuck",
            person.email,
            kind="baton",
            user_id=person.id,
            network_name=network.name,
            person=person,
            url=url,
        )
        notify(person.id, "baton", text[:300], url, mailed=True)


def send_minutes_request(meeting: Meeting, recipients: list[Recipient]) -> None:
    """A meeting marked held automatically: the host is asked, briefly, to add the minutes."""
    url = meeting_url(meeting)
    for person in recipients:
        queue_email(
            "meeting_minutes_request",
            person.email,
            kind=KIND,
            user_id=person.id,
            meeting=meeting,
            person=person,
            url=url,
            minutes_url=minutes_url(person.id, meeting.id, meeting.ends_at),
        )


def notify_minutes(meeting: Meeting) -> None:
    """Those who said they would come hear that the minutes are there (in the hub, no email)."""
    from flask_babel import gettext as _

    from hub.meetings.models import Rsvp

    coming = db.session.scalars(
        select(Rsvp.user_id).where(
            Rsvp.meeting_id == meeting.id, Rsvp.response.in_(("on_site", "online"))
        )
    )
    text = _("Minnesanteckningar från %(title)s finns nu.", title=meeting.title)
    for user_id in coming:
        notify(user_id, KIND, text[:300], meeting_url(meeting))
