"""Sending an announcement: the message is kept for the network's page, and every member gets
one notification, which reaches them by mail at once, in the digest or only on the site, as
each member chose under "Meddelanden från samordnarna" (``hub.mail.preferences``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from hub.announcements.models import Announcement
from hub.auth.models import User
from hub.core import ratelimit
from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.core.rules import RuleError, TooMany
from hub.extensions import db
from hub.meetings.models import Network
from hub.meetings.rotation import active_codes
from hub.notifications.models import Notification

MAX_LENGTH = 1000
# Every announcement reaches the whole network: a few a day per network at most, so a slip
# (or a stolen account) cannot fill 2,000 inboxes.
NETWORK_LIMITS = ((3, 24 * 3600),)
NOTIFICATION_KIND = "announcement"
EXCERPT_LENGTH = 200


class AnnouncementError(RuleError):
    """The message cannot be sent as written (empty or too long); shown next to the field."""


def check_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise AnnouncementError(_("Skriv ett meddelande."), field="body")
    if len(text) > MAX_LENGTH:
        raise AnnouncementError(
            _(
                "Meddelandet får vara högst %(max)s tecken. Nu är det %(n)s.",
                max=f"{MAX_LENGTH:,}".replace(",", " "),
                n=len(text),
            ),
            field="body",
        )
    return text


def recipient_ids(network: Network, author: User) -> list[int]:
    """Active members with a confirmed address in the network's active municipalities,
    once each; the author is left out."""
    return list(
        db.session.scalars(
            select(User.id)
            .where(
                User.municipality_code.in_(active_codes(network.id)),
                User.active.is_(True),
                User.email_confirmed_at.is_not(None),
                User.id != author.id,
            )
            .order_by(User.id)
        )
    )


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1].rstrip() + "…"


def do_send_announcement(network: Network, author: User, body: str) -> Announcement:
    """Keep the message and notify each member once (flushes; the caller commits)."""
    text = check_body(body)
    if not ratelimit.allow("announcement", network.id, NETWORK_LIMITS):
        raise TooMany(
            _("Nätverket har redan fått tre meddelanden i dag. Vänta till i morgon."),
            retry_after=24 * 3600,
        )
    recipients = recipient_ids(network, author)
    announcement = Announcement(
        network_id=network.id,
        author_id=author.id,
        body_source=text,
        body_html=render_markdown(text),
        recipient_count=len(recipients),
        created_at=utcnow(),
    )
    db.session.add(announcement)
    db.session.flush()
    url = url_for("announcements.index", slug=network.slug, _anchor=f"meddelande-{announcement.id}")
    with force_locale("sv"):  # notifications are stored in Swedish, as the others are
        line = _(
            "%(name)s till %(network)s: %(text)s",
            name=author.name,
            network=network.name,
            text=excerpt(text),
        )[:300]
    if recipients:
        # One row per member in one executemany: a network of 2,000 costs one statement.
        now = utcnow()
        db.session.execute(
            insert(Notification),
            [
                {
                    "user_id": user_id,
                    "kind": NOTIFICATION_KIND,
                    "actor_id": author.id,
                    "text": line,
                    "url": url,
                    "created_at": now,
                }
                for user_id in recipients
            ],
        )
    return announcement


def announcements_of(network: Network, limit: int = 50) -> list[Announcement]:
    return list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.network_id == network.id)
            .options(joinedload(Announcement.author))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
    )
