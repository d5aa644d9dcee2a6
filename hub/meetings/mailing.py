"""Meeting and baton emails (queued in the caller's transaction) and in-app notifications."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select

from hub.auth.models import User
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.meetings.calendar import meeting_ics, meeting_url
from hub.meetings.models import Meeting, NetworkMunicipality, network_coordinator
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
    """The meeting for this one recipient, sent inline as Exchange does (see hub.mail.sender)."""
    return {
        "filename": "traff.ics",
        "content_type": f'text/calendar; charset="utf-8"; method={method}',
        "data": meeting_ics(meeting, method=method, attendee=(person.name, person.email)).decode(
            "utf-8"
        ),
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
    """Step 1 to the holder municipality's members, step 2 to the network's coordinators."""
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


def notify_new_holder(network, code: str, *, actor_id: int | None = None) -> None:
    """The members of the municipality that now holds the baton hear about it in the hub."""
    from flask_babel import gettext as _

    base_url = current_app.config["BASE_URL"].rstrip("/")
    text = _("Er kommun har fått stafettpinnen i %(network)s.", network=network.name)
    for person in municipality_recipients(code):
        notify(
            person.id, "baton", text[:300], f"{base_url}/natverk/{network.slug}", actor_id=actor_id
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
