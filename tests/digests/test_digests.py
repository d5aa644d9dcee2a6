"""What goes into a digest, when nothing is sent, and that each member gets one per period."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from hub.core.db import utcnow
from hub.digests.models import Digest
from hub.digests.run import run_digests
from hub.digests.schedule import next_period
from hub.extensions import db
from hub.mail.actions import read_action_token
from hub.mail.models import OutboxMessage
from hub.mail.preferences import set_preferences
from hub.meetings.models import Rsvp
from hub.notifications.models import Notification
from tests.digests.conftest import BEFORE_THE_WEEK, IN_THE_WEEK, MONDAY

DUE = MONDAY + timedelta(minutes=5)


def digests_for(user) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.user_id == user.id, OutboxMessage.kind == "digest"
        )
    ).all()


def test_digest_brings_everything_the_member_follows(forum, create_user, create_network):
    member = create_user(name="Anna Ek")
    other = create_user()
    network = create_network(codes=("1383", "1381", "1380"))
    network.baton_holder_code = "1381"
    followed_category, other_category = forum.category("Dokumentation"), forum.category("Annat")
    followed_tag, skill = forum.tag("läkemedelsrobot"), forum.tag("trygghetslarm")
    forum.follow(member, "category", followed_category)
    forum.follow(member, "tag", followed_tag)
    forum.expertise(member, skill)
    forum.question("Ny fråga i kategorin", category=followed_category, author=other)
    forum.question(
        "Ny fråga med taggen", category=other_category, author=other, tags=[followed_tag]
    )
    forum.question("Gammal fråga", category=followed_category, created_at=BEFORE_THE_WEEK)
    forum.question("Min egen fråga", category=followed_category, author=member)
    forum.question("Ointressant fråga", category=other_category, author=other)
    forum.question("Hur kopplar man larmet?", category=other_category, tags=[skill])
    followed = forum.question(
        "Fråga jag följer", category=other_category, created_at=BEFORE_THE_WEEK
    )
    forum.follow(member, "question", followed)
    forum.answer(followed, other)
    forum.answer(followed, other)
    forum.answer(followed, member)  # one's own answer is not news
    db.session.add(
        Notification(
            user_id=member.id,
            kind="follow",
            text="Nytt svar i en fråga du följer",
            url="/fragor/99",
            created_at=IN_THE_WEEK,
        )
    )
    db.session.commit()

    run = run_digests(DUE)

    assert run.sent == 1
    [mail] = digests_for(member)
    text = mail.body_text
    assert mail.subject == "Veckans sammanfattning från Stafetten"
    assert "Hej Anna Ek!" in text
    assert "Ny fråga i kategorin" in text and "Ny fråga med taggen" in text
    assert "Gammal fråga" not in text.split("Nytt i frågor du följer")[0]
    assert "Min egen fråga" not in text and "Ointressant fråga" not in text
    assert "Du kan kanske svara" in text and "Hur kopplar man larmet?" in text
    assert "Fråga jag följer (2 nya svar, från " in text  # and who wrote them
    assert "Nytt svar i en fråga du följer: http://stafetten.test/fragor/99" in text
    assert "Laholm har stafettpinnen; nästa träff är inte bokad än." in text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<h2>Du kan kanske svara</h2>" in mail.body_html
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.emailed_at.is_(None))) == 0  # fmt: skip


def test_upcoming_meetings_with_rsvp_links(forum, create_user, create_network):
    member = create_user()
    network = create_network(codes=("1381", "1380"))
    network.baton_holder_code = "1380"
    coming = forum.meeting(network, starts_at=MONDAY + timedelta(days=3), title="Höstträffen")
    answered = forum.meeting(network, starts_at=MONDAY + timedelta(days=20), title="Vinterträffen")
    db.session.add(Rsvp(meeting_id=answered.id, user_id=member.id, response="on_site"))
    elsewhere = create_network(codes=("0180",))
    forum.meeting(elsewhere, starts_at=MONDAY + timedelta(days=3), host_code="0180", title="Borta")
    db.session.commit()

    run_digests(DUE)

    [mail] = digests_for(member)
    assert "Höstträffen" in mail.body_text and "Vinterträffen" in mail.body_text
    assert "Borta" not in mail.body_text
    # The meeting not yet answered: one signed answer link per choice, in both parts.
    links = re.findall(r'href="(http://stafetten.test/handling/[^"]+)"', mail.body_html)
    assert len(links) == 3 and all(link in mail.body_text for link in links)
    assert {read_action_token(link.rsplit("/", 1)[1], now=MONDAY).target_id for link in links} == {
        coming.id
    }
    assert f"http://stafetten.test/traffar/{coming.id}" in mail.body_text
    assert "Du har anmält dig." in mail.body_html
    assert (
        "Halmstad har stafettpinnen; nästa träff är 19 november 2026 kl. 07:00." in mail.body_text
    )


def test_nothing_new_nothing_sent(forum, create_user, create_network):
    member = create_user()
    network = create_network()
    network.baton_holder_code = "1381"  # the baton alone is not news
    category = forum.category()
    forum.follow(member, "category", category)
    forum.question("Förra veckan", category=category, created_at=BEFORE_THE_WEEK)
    db.session.commit()
    run = run_digests(DUE)
    assert run.sent == 0 and run.empty == 1
    assert digests_for(member) == []
    assert run_digests(DUE).empty == 0  # recorded: not composed again in the same period


def test_two_runs_send_one_digest(forum, create_user):
    member = create_user()
    category = forum.category()
    forum.follow(member, "category", category)
    forum.question("Något nytt", category=category)
    db.session.commit()
    assert run_digests(DUE).sent == 1
    assert run_digests(DUE + timedelta(hours=3)).sent == 0
    assert len(digests_for(member)) == 1
    keys = db.session.scalars(select(Digest.period_key).where(Digest.user_id == member.id)).all()
    assert keys == ["weekly:2026-W47"]


def test_preferences_decide_who_gets_what(forum, create_user):
    weekly, daily, never, inactive = (create_user() for _ in range(4))
    inactive.active = False
    set_preferences(daily.id, digest_frequency="daily")
    set_preferences(never.id, digest_frequency="never")
    category = forum.category()
    for user in (weekly, daily, never, inactive):
        forum.follow(user, "category", category)
    forum.question("Nytt på tisdagen", category=category, created_at=MONDAY + timedelta(days=1))
    db.session.add(
        Notification(
            user_id=weekly.id, kind="answer", text="Svar direkt", url="/fragor/1",
            created_at=MONDAY + timedelta(days=1),
        )
    )  # fmt: skip
    db.session.commit()

    wednesday = MONDAY + timedelta(days=2)
    run_digests(wednesday)
    assert len(digests_for(daily)) == 1 and digests_for(weekly) == []
    next_monday = MONDAY + timedelta(days=7)
    run_digests(next_monday)
    assert len(digests_for(weekly)) == 1
    assert digests_for(never) == [] and digests_for(inactive) == []
    # "answers" is sent at once by default, so it is not repeated in the digest
    assert "Svar direkt" not in digests_for(weekly)[0].body_text


def test_notifications_chosen_for_the_digest(create_user):
    member = create_user()
    set_preferences(member.id, mentions="digest", answers="never")
    for kind, text in (("mention", "Karin nämnde dig"), ("answer", "Ett svar")):
        db.session.add(
            Notification(
                user_id=member.id, kind=kind, text=text, url="/fragor/3", created_at=IN_THE_WEEK
            )
        )
    db.session.commit()
    run_digests(DUE)
    [mail] = digests_for(member)
    assert "Karin nämnde dig" in mail.body_text and "Ett svar" not in mail.body_text


def test_fixed_number_of_queries_per_batch(forum, create_user, count_queries):
    category = forum.category()

    def members_with_news(n: int) -> None:
        for _ in range(n):
            user = create_user()
            forum.follow(user, "category", category)
        forum.question(f"Fråga för {n}", category=category, created_at=MONDAY + timedelta(days=n))
        db.session.commit()

    members_with_news(10)
    with count_queries() as ten:
        assert run_digests(MONDAY + timedelta(days=14)).sent == 10
    members_with_news(100)
    with count_queries() as hundred:
        assert run_digests(MONDAY + timedelta(days=105)).sent == 110
    assert ten.count == hundred.count, (ten.statements, hundred.statements)
    assert hundred.count <= 25


def test_preview_shows_the_next_digest_and_writes_nothing(
    client, forum, create_user, login, count_queries
):
    member = create_user()
    category = forum.category()
    forum.follow(member, "category", category)
    # Within the weekly period now running, whatever the time: an hour ago would fall in the
    # previous period on a Monday between 07:00 and 08:00, when the new one has just begun.
    now = utcnow()
    running = next_period("weekly", now)
    created = running.starts_at + (now - running.starts_at) / 2
    forum.question("Helt färsk fråga", category=category, created_at=created)
    db.session.commit()
    login(member)
    with count_queries() as counter:
        page = client.get("/installningar/e-post/forhandsvisning")
    assert page.status_code == 200
    assert "Helt färsk fråga" in page.text and "Din nästa sammanfattning" in page.text
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                   for s in counter.statements)  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 0


def test_cli_digests_at(app, forum, create_user):
    member = create_user()
    category = forum.category()
    forum.follow(member, "category", category)
    forum.question("Något nytt", category=category)
    db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["hub", "digests", "--at", "2026-11-16 06:59"])
    assert "0 köade" in early.output
    result = runner.invoke(args=["hub", "digests", "--at", "2026-11-16 07:00"])
    assert result.exit_code == 0 and "1 köade" in result.output
    bad = runner.invoke(args=["hub", "digests", "--at", "måndag"])
    assert bad.exit_code != 0 and "ÅÅÅÅ-MM-DD" in bad.output


def test_weekly_digest_comes_at_seven_stockholm_time_after_spring_forward(forum, create_user):
    from datetime import UTC, datetime

    member = create_user()
    category = forum.category()
    forum.follow(member, "category", category)
    forum.question(
        "Fråga på söndagen", category=category, created_at=datetime(2026, 3, 29, 10, tzinfo=UTC)
    )
    db.session.commit()
    run_digests(datetime(2026, 3, 30, 4, 59, tzinfo=UTC))  # 06:59 CEST: last week's period
    assert digests_for(member) == []
    run_digests(datetime(2026, 3, 30, 5, 0, tzinfo=UTC))  # 07:00 CEST
    [mail] = digests_for(member)
    assert "Fråga på söndagen" in mail.body_text
    keys = db.session.scalars(select(Digest.period_key).where(Digest.user_id == member.id)).all()
    assert sorted(keys) == ["weekly:2026-W13", "weekly:2026-W14"]
