"""The "last seen" date: written at most once a day per member, named in /personuppgifter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.auth import last_seen
from hub.core.db import utcnow
from hub.extensions import db


@pytest.fixture
def days_later(monkeypatch):
    """``days_later(n)``: the last-seen rule's clock moves n days ahead."""

    def move(days: int) -> None:
        moved = utcnow() + timedelta(days=days)
        monkeypatch.setattr(last_seen, "utcnow", lambda: moved)

    return move


def user_updates(counter) -> list[str]:
    return [
        s
        for s in counter.statements
        if s.lstrip().upper().replace('"', "").startswith("UPDATE USER")
    ]


def test_login_sets_the_date_and_later_requests_that_day_write_nothing(
    client, create_user, login, count_queries
):
    member = create_user(last_seen_on=None)
    login(member)
    assert member.last_seen_on == last_seen.today()
    with count_queries() as counter:
        for _ in range(3):
            assert client.get("/fragor").status_code == 200
    assert user_updates(counter) == []


def test_the_first_request_of_a_new_day_writes_the_date_once(
    client, create_user, login, count_queries, days_later
):
    member = create_user()
    login(member)
    days_later(1)
    with count_queries() as counter:
        client.get("/fragor")
        client.get("/katalog")
    assert len(user_updates(counter)) == 1
    db.session.refresh(member)
    assert member.last_seen_on == last_seen.today(utcnow() + timedelta(days=1))


def test_a_second_writer_the_same_day_changes_nothing(create_user):
    member = create_user(last_seen_on=None)
    day = last_seen.today()
    assert last_seen.record_visit(member.id, day) is True
    assert last_seen.record_visit(member.id, day) is False
    # A date earlier than the stored one never moves it back.
    assert last_seen.record_visit(member.id, day - timedelta(days=3)) is False
    db.session.refresh(member)
    assert member.last_seen_on == day


def test_anonymous_requests_and_static_files_write_nothing(client, count_queries):
    with count_queries() as counter:
        client.get("/")
        client.get("/static/site.css")
    assert user_updates(counter) == []


def test_the_privacy_page_names_the_date_and_the_export_holds_it(client, create_user, login):
    page = client.get("/personuppgifter").text
    assert "senast var inne" in page and "bara datumet" in page
    member = create_user()
    login(member)
    from hub.privacy.personal_data import export_member

    exported = export_member(member.id)["user"][0]
    assert exported["last_seen_on"] == last_seen.today().isoformat()


@pytest.mark.parametrize(
    "moment",
    [
        "2026-03-28T22:59:59+00:00",  # 23:59:59 in Stockholm, before summer time
        "2026-03-28T23:00:00+00:00",  # midnight: the day summer time begins
        "2026-03-29T21:59:59+00:00",
        "2026-03-29T22:00:00+00:00",
        "2026-10-24T21:59:59+00:00",
        "2026-10-24T22:00:00+00:00",  # midnight: the day summer time ends
        "2026-10-25T22:59:59+00:00",
        "2026-10-25T23:00:00+00:00",
        "2026-12-05T23:30:00+00:00",
    ],
)
def test_today_is_the_stockholm_date_across_the_kept_days_bounds(moment):
    from datetime import datetime

    from hub.core.i18n import to_stockholm

    now = datetime.fromisoformat(moment)
    for step in (timedelta(0), -timedelta(seconds=1), timedelta(seconds=1), timedelta(0)):
        assert last_seen.today(now + step) == to_stockholm(now + step).date()
