"""Digests are due at 07:00 Stockholm time, also across the changes to and from summer time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.digests.cli import parse_stockholm
from hub.digests.schedule import current_period, next_period


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_after_spring_forward():
    # Summer time starts on Sunday 29 March 2026; Monday 07:00 CEST is 05:00 UTC.
    before = current_period("weekly", utc(2026, 3, 30, 4, 59))
    due = current_period("weekly", utc(2026, 3, 30, 5, 0))
    assert before.key == "weekly:2026-W13"
    assert due.key == "weekly:2026-W14"
    assert due.ends_at == utc(2026, 3, 30, 5, 0)
    assert due.starts_at == utc(2026, 3, 23, 6, 0)  # 07:00 CET the Monday before
    assert due.ends_at - due.starts_at == timedelta(hours=167)


def test_weekly_after_fall_back():
    # Summer time ends on Sunday 25 October 2026; Monday 07:00 CET is 06:00 UTC.
    assert current_period("weekly", utc(2026, 10, 26, 5, 30)).key == "weekly:2026-W43"
    due = current_period("weekly", utc(2026, 10, 26, 6, 0))
    assert due.key == "weekly:2026-W44"
    assert due.starts_at == utc(2026, 10, 19, 5, 0)  # 07:00 CEST
    assert due.ends_at - due.starts_at == timedelta(hours=169)


@pytest.mark.parametrize(
    ("day", "due_utc", "hours"),
    [
        (29, utc(2026, 3, 29, 5, 0), 23),  # the Sunday summer time starts
        (30, utc(2026, 3, 30, 5, 0), 24),
    ],
)
def test_daily_in_march(day, due_utc, hours):
    assert current_period("daily", due_utc - timedelta(minutes=1)).key != f"daily:2026-03-{day}"
    period = current_period("daily", due_utc)
    assert period.key == f"daily:2026-03-{day}"
    assert period.ends_at - period.starts_at == timedelta(hours=hours)


def test_daily_on_the_sunday_summer_time_ends():
    period = current_period("daily", utc(2026, 10, 25, 6, 0))  # 07:00 CET
    assert period.key == "daily:2026-10-25"
    assert period.ends_at - period.starts_at == timedelta(hours=25)
    assert current_period("daily", utc(2026, 10, 25, 5, 59)).key == "daily:2026-10-24"


def test_weekly_later_in_the_week_is_still_mondays_period():
    period = current_period("weekly", utc(2026, 11, 20, 12, 0))  # a Friday
    assert period.key == "weekly:2026-W47"
    assert period.ends_at == utc(2026, 11, 16, 6, 0)


def test_next_period_is_the_one_running():
    now = utc(2026, 11, 18, 12, 0)
    upcoming = next_period("weekly", now)
    assert upcoming.starts_at <= now < upcoming.ends_at
    assert upcoming.key == "weekly:2026-W48"


def test_cli_time_is_stockholm_time():
    assert parse_stockholm("2026-03-30 07:00") == utc(2026, 3, 30, 5, 0)
    assert parse_stockholm("2026-01-05 07:00") == utc(2026, 1, 5, 6, 0)
