"""Mail for notifications that members want at once. The digest takes the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, tuple_, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum.models import Follow
from hub.forum.posttext import PostText, post_texts
from hub.mail.actions import follow_url
from hub.mail.outbox import build_email
from hub.mail.preferences import IMMEDIATELY, load_preferences, topic_for_notification
from hub.notifications.models import Notification

# Older notifications are not mailed one by one any more (after a long stop, say): the digest
# and the notification list still show them.
MAX_AGE = timedelta(days=2)


def send_notification_emails(now: datetime | None = None) -> int:
    """Queue one mail per fresh notification whose kind the member wants at once.

    Idempotent and safe in several processes: each notification is taken by setting its
    ``emailed_at`` only where it is still empty, in the same transaction as its outbox row.
    """
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.kind,
            Notification.text,
            Notification.url,
            Notification.post_type,
            Notification.post_id,
            User.email,
            User.name,
        )
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= now - MAX_AGE,
            Notification.created_at <= now,
            User.active.is_(True),
            User.email_confirmed_at.is_not(None),
        )
        .order_by(Notification.id)
    ).all()
    prefs = load_preferences({row.user_id for row in rows})
    posts = post_texts((row.post_type, row.post_id) for row in rows)
    followed = followed_questions(rows, posts)
    db.session.commit()  # end the read, so each write below starts with the write lock
    queued = 0
    for row in rows:
        topic = topic_for_notification(row.kind)
        if prefs[row.user_id][topic] != IMMEDIATELY:
            continue
        taken = db.session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.emailed_at.is_(None))
            .values(emailed_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount
        if taken:
            post = posts.get((row.post_type, row.post_id))
            db.session.add(
                build_email(
                    "notification",
                    row.email,
                    kind=f"notification_{topic}",
                    user_id=row.user_id,
                    name=row.name,
                    text=row.text,
                    url=row.url,
                    post=with_text(prefs[row.user_id], post),
                    follow=follow_link(row.user_id, post, followed, now),
                    # A reply to the mail answers or comments right there (hub.inbound.replies).
                    replies_to=(row.post_type, row.post_id) if row.post_id else None,
                )
            )
            queued += 1
        db.session.commit()
    return queued


def with_text(prefs: dict[str, str], post: PostText | None) -> PostText | None:
    """The post for the mail, unless the member chose titles only."""
    return post if prefs["mail_text"] == "full" else None


def followed_questions(rows, posts: dict) -> set[tuple[int, int]]:
    """(member, question) pairs among the mails' that the member follows: one statement."""
    pairs = {
        (row.user_id, post.question_id)
        for row in rows
        if (post := posts.get((row.post_type, row.post_id))) and post.question_id
    }
    if not pairs:
        return set()
    found = db.session.execute(
        select(Follow.user_id, Follow.target_id).where(
            Follow.target_type == "question",
            tuple_(Follow.user_id, Follow.target_id).in_(pairs),
        )
    )
    return set(map(tuple, found))


def follow_link(
    user_id: int, post: PostText | None, followed: set[tuple[int, int]], now: datetime
) -> tuple[bool, str] | None:
    """(following, link): a link to stop following the question, or to start."""
    if post is None or not post.question_id:
        return None
    following = (user_id, post.question_id) in followed
    return following, follow_url(user_id, post.question_id, follow=not following, now=now)
