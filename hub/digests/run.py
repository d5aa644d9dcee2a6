"""Sending the digests that are due: ``flask hub digests`` and the worker call ``run_digests``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, insert, select, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.digests.compose import DigestContent, Member, compose_batch
from hub.digests.models import Digest
from hub.digests.schedule import Period, current_period, next_period
from hub.extensions import db
from hub.mail.actions import rsvp_urls
from hub.mail.models import MailPreference, OutboxMessage
from hub.mail.outbox import build_email
from hub.mail.preferences import DEFAULTS, preference_values
from hub.notifications.models import Notification

BATCH_SIZE = 200


@dataclass
class DigestRun:
    sent: int = 0
    empty: int = 0
    already: int = 0


def load_members(period: Period, after_id: int, limit: int) -> list[Member]:
    """Members who want this kind of digest and have none for the period yet."""
    frequency = func.coalesce(MailPreference.digest_frequency, DEFAULTS["digest_frequency"])
    done = exists().where(Digest.user_id == User.id, Digest.period_key == period.key)
    rows = db.session.execute(
        select(User.id, User.name, User.email, User.municipality_code, User.locale, MailPreference)
        .outerjoin(MailPreference, MailPreference.user_id == User.id)
        .where(User.id > after_id, User.active.is_(True), User.email_confirmed_at.is_not(None))
        .where(frequency == period.frequency, ~done)
        .order_by(User.id)
        .limit(limit)
    )
    return [
        Member(user_id, name, email, code, preference_values(pref), locale or "sv")
        for user_id, name, email, code, locale, pref in rows
    ]


def run_digests(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> DigestRun:
    """Send every digest due at ``now``; idempotent, and safe in two processes at once."""
    now = now or utcnow()
    run = DigestRun()
    for frequency in ("daily", "weekly"):
        period = current_period(frequency, now)
        after_id = 0
        while True:
            members = load_members(period, after_id, batch_size)
            if not members:
                break
            contents = compose_batch(members, period)
            db.session.commit()  # end the read, so the write below starts with the write lock
            store_digests(contents, period, run)
            after_id = members[-1].id
    return run


def store_digests(contents: list[DigestContent], period: Period, run: DigestRun) -> None:
    """Record the batch's digests and queue the non-empty ones, in one transaction.

    The Digest row goes in first with ON CONFLICT DO NOTHING: only members whose row this run
    inserted get a mail, so a second run (or process) at the same time sends nothing again.
    Empty digests are recorded too (item_count 0), so later runs need not compose them again.
    """
    if not contents:
        return
    now = utcnow()
    inserted = set(
        db.session.scalars(
            _insert_ignore()
            .values(
                [
                    {
                        "user_id": c.member.id,
                        "period_key": period.key,
                        "item_count": c.news_count,
                        "created_at": now,
                    }
                    for c in contents
                ]
            )
            .on_conflict_do_nothing(index_elements=["user_id", "period_key"])
            .returning(Digest.user_id)
        )
    )
    mine = [c for c in contents if c.member.id in inserted]
    run.already += len(contents) - len(mine)
    to_send = [c for c in mine if not c.is_empty]
    run.empty += len(mine) - len(to_send)
    messages = [digest_email(c) for c in to_send]
    if messages:
        # One executemany for the batch, instead of an INSERT … RETURNING per message.
        db.session.execute(insert(OutboxMessage), [row_values(m) for m in messages])
    notification_ids = [n.id for c in to_send for n in c.notifications]
    if notification_ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(notification_ids), Notification.emailed_at.is_(None))
            .values(emailed_at=now),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()
    run.sent += len(to_send)


def row_values(message: OutboxMessage) -> dict:
    return {
        column.key: getattr(message, column.key)
        for column in OutboxMessage.__table__.columns
        if column.key != "id"
    }


def _insert_ignore():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Digest)


def digest_email(content: DigestContent):
    member = content.member
    return build_email(
        "digest",
        member.email,
        kind="digest",
        user_id=member.id,
        locale=member.locale,
        digest=content,
        rsvp_links=answer_links(content),
    )


def answer_links(content: DigestContent) -> dict[int, dict[str, str]]:
    """Answer links for the upcoming meetings the member has not answered (signed here, no
    query: the batch stays at its fixed number of statements)."""
    return {
        meeting.id: rsvp_urls(content.member.id, meeting.id, meeting.ends_at)
        for meeting in content.meetings
        if meeting.rsvp is None and meeting.ends_at is not None
    }


def preview_digest(user: User, now: datetime | None = None) -> DigestContent:
    """What the member's next digest holds so far (reads only; nothing is recorded)."""
    now = now or utcnow()
    prefs = preference_values(db.session.get(MailPreference, user.id))
    frequency = prefs["digest_frequency"] if prefs["digest_frequency"] != "never" else "weekly"
    upcoming = next_period(frequency, now)
    so_far = Period(frequency, upcoming.key, upcoming.starts_at, now)
    member = Member(user.id, user.name, user.email, user.municipality_code, prefs, user.locale)
    content = compose_batch([member], so_far)[0]
    content.period = upcoming
    return content
