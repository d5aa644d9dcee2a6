"""What goes into calendar feeds, and the personal feed's secret token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.models import CalendarToken, Meeting

# Feeds carry a year of history and everything ahead; enough for any calendar, small to fetch.
FEED_HISTORY = timedelta(days=365)
FEED_LIMIT = 500


def feed_meetings(network_ids: list[int], now: datetime | None = None) -> list[Meeting]:
    if not network_ids:
        return []
    since = (now or utcnow()) - FEED_HISTORY
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.network_id.in_(network_ids), Meeting.starts_at >= since)
            .options(joinedload(Meeting.network), joinedload(Meeting.host))
            .order_by(Meeting.starts_at.desc())
            .limit(FEED_LIMIT)
        )
    )


def token_for(user: User) -> CalendarToken | None:
    return db.session.get(CalendarToken, user.id)


def renew_token(user: User) -> CalendarToken:
    """A new secret; the old feed URL stops working at once."""
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    token = CalendarToken(user_id=user.id, token=secrets.token_urlsafe(32), created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token == token)
    )
    return user if user is not None and user.active else None
