"""Bringing a newcomer in: the welcome mail with three first steps, sent once, when an account
is first confirmed (by the confirmation link, an invitation or a password reset).

``first_steps`` is also what the welcome page (``/valkommen``) shows, with the steps already
done ticked, so the mail and the page say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.links import absolute_url
from hub.core.models import user_expertise
from hub.directory.models import Profile
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.meetings.models import Meeting, MeetingStatus, NetworkMunicipality, Rsvp


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    links: list[tuple[str, str]]  # (label, absolute URL)
    done: bool = False  # shown on the welcome page; a new member's mail has nothing done yet


def next_meeting_id(user: User) -> int | None:
    """The next booked meeting of a network the member's municipality belongs to."""
    if user.municipality_code is None:
        return None
    return db.session.scalar(
        select(Meeting.id)
        .join(NetworkMunicipality, NetworkMunicipality.network_id == Meeting.network_id)
        .where(
            NetworkMunicipality.municipality_code == user.municipality_code,
            NetworkMunicipality.active.is_(True),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > utcnow(),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def first_steps(user: User) -> list[Step]:
    """The three first steps: a profile, the topics one knows (questions about them come to
    the member), and the network's next meeting. The welcome mail and page show the same."""
    profile = db.session.get(Profile, user.id)
    knows = db.session.scalar(select(exists().where(user_expertise.c.user_id == user.id)))
    return [
        Step(
            _("Fyll i din profil"),
            _("Skriv var du arbetar och lägg gärna till en bild, så känner kollegorna igen dig."),
            [(_("Din profil"), absolute_url("directory.edit_profile"))],
            done=bool(profile and (profile.workplace or profile.photo_version)),
        ),
        Step(
            _("Följ det du kan"),
            _(
                "Skriv vilka ämnen du kan något om. Då får du veta när någon frågar om dem, "
                "och kollegor hittar dig."
            ),
            [
                (_("Dina ämnen"), absolute_url("directory.edit_profile", _anchor="expertise")),
                (_("E-post"), absolute_url("mail.preferences")),
            ],
            done=bool(knows),
        ),
        meeting_step(user),
    ]


def calendar_link() -> tuple[str, str]:
    return (_("Träffarna i din kalender"), absolute_url("meetings.calendar_settings"))


def meeting_step(user: User) -> Step:
    meeting_id = next_meeting_id(user)
    if meeting_id is None:
        return Step(
            _("Se nätverkets nästa träff"),
            _("Ingen träff är bokad än. På nätverkets sida ser du vem som bjuder in nästa gång."),
            [(_("Nätverk"), absolute_url("meetings.networks")), calendar_link()],
        )
    answered = db.session.scalar(
        select(exists().where(Rsvp.meeting_id == meeting_id, Rsvp.user_id == user.id))
    )
    return Step(
        _("Se nätverkets nästa träff"),
        _("Säg om du kommer. Ett tryck räcker, och du kan ändra dig."),
        [
            (_("Nästa träff"), absolute_url("meetings.meeting", meeting_id=meeting_id)),
            calendar_link(),
        ],
        done=bool(answered),
    )


def send_welcome(user: User) -> None:
    """Queue the welcome mail (in the caller's transaction)."""
    queue_email(
        "welcome",
        user.email,
        user_id=user.id,
        name=user.name,
        steps=first_steps(user),
        start_url=absolute_url("auth.welcome"),
    )
