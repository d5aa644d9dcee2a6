"""When a member last used the hub, kept as a date and written at most once a day.

A date is all the network's health figures need ("seen in the last 90 days"), and it says less
about a person than a time would. The signed-in user is already loaded for every request, so
comparing their date with today costs nothing; only the first request of the day writes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import or_, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.i18n import from_stockholm, to_stockholm
from hub.extensions import db

# The Stockholm date last asked for, with the UTC moments it begins and ends at.
_day: tuple[datetime, datetime, date] | None = None


def today(now: datetime | None = None) -> date:
    """The Stockholm date: a member who signs in at 00:30 was seen that day, not the one before.
    Every signed-in request asks; the zone's conversion is made once a day (the day's bounds
    kept), not once a request."""
    global _day
    now = now or utcnow()
    kept = _day  # one read: another thread may replace it meanwhile
    if kept is not None and kept[0] <= now < kept[1]:
        return kept[2]
    day = to_stockholm(now).date()
    # Midnight exists on every Stockholm day: summer time changes at 02:00 and 03:00.
    begins = from_stockholm(datetime.combine(day, time()))
    ends = from_stockholm(datetime.combine(day + timedelta(days=1), time()))
    _day = (begins, ends, day)
    return day


def mark_seen(user: User, now: datetime | None = None) -> None:
    """Set the date within the caller's transaction (login does this; the caller commits)."""
    user.last_seen_on = today(now)


def note_request() -> None:
    """Before each request: record the signed-in member's first visit of the day."""
    if request.endpoint == "static":
        return
    user = current_user._get_current_object()  # one look-up through the proxy, not three
    if not user.is_authenticated:
        return
    day = today()
    if user.last_seen_on == day:
        return
    record_visit(user.id, day)


def record_visit(user_id: int, day: date) -> bool:
    """Write the date in a short transaction of its own; False when it was already written.

    The read transaction is ended first, so that on SQLite the UPDATE begins a fresh one and
    waits for the write lock instead of failing on a stale snapshot. Two requests at once both
    try; the condition lets one of them write.
    """
    db.session.commit()
    result = db.session.connection().execute(
        update(User.__table__)
        .where(User.id == user_id)
        .where(or_(User.last_seen_on.is_(None), User.last_seen_on < day))
        .values(last_seen_on=day)
    )
    db.session.commit()
    return result.rowcount == 1
