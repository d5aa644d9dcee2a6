"""When digests are due, in Stockholm time: daily at 07:00, weekly on Monday at 07:00.

A period runs from one send time to the next, as wall-clock times in Stockholm, so a week across
a change to or from summer time is 167 or 169 hours long and the digest still comes at 07:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hub.core.i18n import from_stockholm, to_stockholm

SEND_TIME = time(7, 0)


@dataclass(frozen=True)
class Period:
    frequency: str  # "daily" or "weekly"
    key: str  # the unique key with the member: "daily:2026-03-30", "weekly:2026-W14"
    starts_at: datetime  # UTC, the previous send time
    ends_at: datetime  # UTC, this period's send time


def _send_moment(day: date) -> datetime:
    return from_stockholm(datetime.combine(day, SEND_TIME))


def _period(frequency: str, send_day: date) -> Period:
    step = timedelta(days=1 if frequency == "daily" else 7)
    if frequency == "daily":
        key = f"daily:{send_day.isoformat()}"
    else:
        year, week, _ = send_day.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    return Period(frequency, key, _send_moment(send_day - step), _send_moment(send_day))


def current_period(frequency: str, now: datetime) -> Period:
    """The latest period whose send time has come at ``now`` (what a run at ``now`` sends)."""
    local = to_stockholm(now)
    day = local.date()
    if frequency == "daily":
        send_day = day if local.time() >= SEND_TIME else day - timedelta(days=1)
    elif frequency == "weekly":
        send_day = day - timedelta(days=day.weekday())
        if send_day == day and local.time() < SEND_TIME:
            send_day -= timedelta(days=7)
    else:
        raise ValueError(frequency)
    return _period(frequency, send_day)


def next_period(frequency: str, now: datetime) -> Period:
    """The period still running at ``now``: what the member's next digest will hold."""
    current = current_period(frequency, now)
    step = timedelta(days=1 if frequency == "daily" else 7)
    return _period(frequency, to_stockholm(current.ends_at).date() + step)
