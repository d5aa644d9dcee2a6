"""Bringing a newcomer in: the welcome mail with three first steps, sent once, when an account
is first confirmed (by the confirmation link, an invitation or a password reset).

``first_steps`` is also what a welcome page on the site can show, so the two say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.links import absolute_url
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.meetings.models import Meeting, MeetingStatus, NetworkMunicipality


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    links: list[tuple[str, str]]  # (label, absolute URL)


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
    hello = [(_("Ställ en fråga i forumet"), absolute_url("forum.ask"))]
    meeting_id = next_meeting_id(user)
    if meeting_id is not None:
        meeting_url = absolute_url("meetings.meeting", meeting_id=meeting_id)
        hello.append((_("Säg hej inför nästa träff"), meeting_url))
    return [
        Step(
            _("Berätta vad du kan"),
            _("Lägg till dina kunskapsområden i profilen, så hittar de som har frågor dig."),
            [(_("Din profil"), absolute_url("directory.edit_profile"))],
        ),
        Step(
            _("Välj sammanfattning och kalender"),
            _(
                "Få det viktigaste i ett mejl varje dag eller vecka, och nätverkets träffar "
                "direkt i din kalender."
            ),
            [
                (_("E-post"), absolute_url("mail.preferences")),
                (_("Kalender"), absolute_url("meetings.calendar_settings")),
            ],
        ),
        Step(
            _("Säg hej"),
            _(
                "Presentera dig i forumet eller på sidan för nästa träff. Många i nätverket "
                "började precis så."
            ),
            hello,
        ),
    ]


def send_welcome(user: User) -> None:
    """Queue the welcome mail (in the caller's transaction)."""
    queue_email(
        "welcome",
        user.email,
        user_id=user.id,
        name=user.name,
        steps=first_steps(user),
        start_url=absolute_url("site.start"),
    )
