"""Act from the mail without signing in: RSVP (invitations, reminders, digests), follow or stop
following a question (notification mails), the host's minutes. The link scanner over every kind of
mail is in test_every_mail.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.models import Category, Follow
from hub.mail.actions import make_action_token, read_action_token
from hub.mail.models import OutboxMessage
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import set_preferences
from hub.meetings import rotation, scheduling
from hub.meetings.models import Meeting, Rsvp

LINK = re.compile(r"http://stafetten\.test/[^\s\"'<>)]+")


@pytest.fixture
def meeting_world(create_user, create_network):
    host = create_user(name="Vera Värd", municipality_code="1381")
    member = create_user(name="Mona Medlem", municipality_code="1381")
    network = create_network(codes=("1381", "1383"))
    rotation.ensure_holder(network)
    db.session.commit()
    starts = utcnow() + timedelta(days=5)
    data = scheduling.MeetingData(
        title="Träff om larm", starts_at=starts, ends_at=starts + timedelta(hours=2), place="Rum 1"
    )
    meeting = scheduling.create_meeting(network, data, by=host)
    db.session.commit()
    return host, member, meeting


def rsvp_links(member) -> dict[str, str]:
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == member.id).order_by(OutboxMessage.id)
    ).all()[-1]
    found = LINK.findall(mail.body_text)
    actions = [link for link in found if "/handling/" in link]
    assert len(actions) == 3
    assert all(link in mail.body_html for link in actions)
    return dict(zip(("on_site", "online", "not_coming"), actions, strict=True))


def path(link: str) -> str:
    return link.removeprefix("http://stafetten.test")


def answers_of(member) -> list[tuple[str, bool]]:
    return db.session.execute(
        select(Rsvp.response, Rsvp.waitlisted).where(Rsvp.user_id == member.id)
    ).all()


def test_get_shows_one_button_post_saves_the_answer_without_login(client, meeting_world):
    _host, member, meeting = meeting_world
    link = rsvp_links(member)["online"]
    page = client.get(path(link))
    assert page.status_code == 200
    assert "Jag deltar digitalt" in page.text and meeting.title in page.text
    assert page.text.count('<form method="post" action="/handling/') == 1  # one button
    assert answers_of(member) == []  # GET changed nothing
    done = client.post(path(link))
    assert done.status_code == 200 and "Ditt svar är sparat" in done.text
    assert f"/traffar/{meeting.id}" in done.text
    assert answers_of(member) == [("online", False)]
    # The same rule as the page: a changed answer through another link.
    client.post(path(rsvp_links(member)["not_coming"]))
    assert answers_of(member) == [("not_coming", False)]


def test_full_meeting_puts_the_link_answer_on_the_waiting_list(client, meeting_world, create_user):
    host, member, meeting = meeting_world
    loaded = scheduling.get_meeting_or_404(meeting.id)
    loaded.capacity = 1
    from hub.meetings.participation import do_rsvp

    do_rsvp(loaded, host, "on_site")
    db.session.commit()
    done = client.post(path(rsvp_links(member)["on_site"]))
    assert "väntelistan" in done.text
    assert answers_of(member) == [("on_site", True)]


def test_tampered_expired_cancelled_and_rotated_links(app, client, meeting_world):
    host, member, meeting = meeting_world
    link = path(rsvp_links(member)["on_site"])
    for bad in (link[:-3] + "abc", "/handling/inte-en-token"):
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 400 and "Länken fungerar inte" in response.text
    # Another member's answer cannot be made by editing the link: the member is signed in it.
    token = link.split("/")[-1]
    assert read_action_token(token).user_id == member.id

    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="en-ny-nyckel-efter-rotation", SECRET_KEY_FALLBACKS=[old_key])
    assert client.get(link).status_code == 200  # survives a key rotation

    ended = make_action_token(
        member.id, "rsvp", meeting.id, "on_site", until=utcnow() - timedelta(minutes=1)
    )
    response = client.post(f"/handling/{ended}")
    assert response.status_code == 400 and "för gammal" in response.text

    scheduling.cancel_meeting(scheduling.get_meeting_or_404(meeting.id), by=host)
    db.session.commit()
    response = client.post(link)
    assert response.status_code == 409 and "Ingenting har ändrats" in response.text
    assert answers_of(member) == []


def last_mail(member) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == member.id).order_by(OutboxMessage.id)
    ).all()[-1]


def action_links(mail: OutboxMessage) -> list[str]:
    found = [link for link in LINK.findall(mail.body_text) if "/handling/" in link]
    assert all(link in mail.body_html for link in found)
    return found


def follows_of(member) -> list[int]:
    return list(
        db.session.scalars(
            select(Follow.target_id).where(
                Follow.user_id == member.id, Follow.target_type == "question"
            )
        )
    )


@pytest.fixture
def answered_question(meeting_world):
    host, member, _meeting = meeting_world
    category = Category(slug="folj", name="Följ", position=8)
    db.session.add(category)
    db.session.commit()
    question = questions.create_question(
        member, title="Vem följer?", body="En fråga.", category_id=category.id, tag_names=[]
    )
    db.session.commit()
    return host, member, question


def test_follow_and_unfollow_a_question_from_the_notification_mail(client, answered_question):
    host, member, question = answered_question
    # The asker follows their own question; the mail about the answer offers to stop.
    created = answers.create_answer(question, host, "Ett svar.")
    db.session.commit()
    send_notification_emails(utcnow() + timedelta(seconds=1))
    mail = last_mail(member)
    (link,) = action_links(mail)
    assert "Sluta följa frågan" in mail.body_text
    page = client.get(path(link))
    assert page.status_code == 200 and question.title in page.text
    assert page.text.count('<form method="post" action="/handling/') == 1
    assert follows_of(member) == [question.id]  # GET changed nothing
    done = client.post(path(link))
    assert done.status_code == 200 and "Du följer inte frågan längre" in done.text
    assert f"/fragor/{question.id}" in done.text
    assert follows_of(member) == []
    assert client.post(path(link)).status_code == 200  # pressing twice changes nothing more
    assert follows_of(member) == []

    # The asker comments on the answer: its author hears of it, and the mail (which finds the
    # question through the answer) offers to follow or to stop, whichever is not the case.
    answer = answers.get_answer_for(member, created.id)
    answers.create_comment(question, member, "En kommentar.", answer)
    db.session.commit()
    send_notification_emails(utcnow() + timedelta(seconds=2))
    mail = last_mail(host)
    (link,) = action_links(mail)
    was_following = follows_of(host) == [question.id]
    offer = "Sluta följa frågan" if was_following else "Följ frågan"
    assert offer in mail.body_text
    client.post(path(link))
    assert follows_of(host) == ([] if was_following else [question.id])


def test_follow_link_for_a_deleted_question_or_another_action(client, answered_question):
    _host, member, question = answered_question
    token = make_action_token(
        member.id, "follow", question.id, "unfollow", until=utcnow() + timedelta(days=1)
    )
    question.deleted_at = utcnow()
    db.session.commit()
    response = client.post(f"/handling/{token}")
    assert response.status_code == 404 and "finns inte längre" in response.text
    assert follows_of(member) == [question.id]  # the asker's own follow, untouched
    # A value that does not belong to the action is not a link at all.
    odd = make_action_token(
        member.id, "follow", question.id, "on_site", until=utcnow() + timedelta(days=1)
    )
    assert client.get(f"/handling/{odd}").status_code == 400


def held_meeting(meeting_world):
    host, member, meeting = meeting_world
    loaded = scheduling.get_meeting_or_404(meeting.id)
    # It took place yesterday, and nobody marked it held: baton-check does, and asks the host.
    loaded.starts_at, loaded.ends_at = (
        utcnow() - timedelta(hours=30),
        utcnow() - timedelta(hours=28),
    )
    scheduling.mark_held(loaded, by=None, now=utcnow(), automatic=True)
    db.session.commit()
    return host, member, loaded


def test_host_adds_minutes_from_the_mail_after_the_meeting(client, meeting_world):
    host, member, meeting = held_meeting(meeting_world)
    mail = last_mail(host)
    assert "minnesanteckningar" in mail.subject
    (link,) = action_links(mail)
    page = client.get(path(link))
    assert page.status_code == 200 and meeting.title in page.text
    assert 'name="minutes"' in page.text
    assert not scheduling.get_meeting_or_404(meeting.id).minutes_source
    # Empty: a clear message next to the field, nothing saved.
    empty = client.post(path(link), data={"minutes": "  "})
    assert empty.status_code == 400 and "Skriv minnesanteckningarna." in empty.text
    done = client.post(path(link), data={"minutes": "Vi pratade om **larm**."})
    assert done.status_code == 200 and "Minnesanteckningarna är sparade" in done.text
    saved = db.session.scalar(
        select(Meeting.minutes_source)
        .where(Meeting.id == meeting.id)
        .execution_options(populate_existing=True)
    )
    assert saved == "Vi pratade om **larm**."
    # The link is the host's: another member's copy of it does not exist, and a member who
    # does not speak for the host municipality cannot use one.
    stranger = make_action_token(
        member.id, "minutes", meeting.id, "add", until=utcnow() + timedelta(days=1)
    )
    assert read_action_token(stranger).user_id == member.id


def test_minutes_link_refused_for_someone_who_cannot_manage_the_meeting(
    client, meeting_world, create_user
):
    _host, _member, meeting = held_meeting(meeting_world)
    outsider = create_user(name="Otto Utanför", municipality_code="1380")
    token = make_action_token(
        outsider.id, "minutes", meeting.id, "add", until=utcnow() + timedelta(days=1)
    )
    for method in (client.get, client.post):
        assert method(f"/handling/{token}").status_code == 403


def test_digest_carries_answer_links_for_meetings_not_yet_answered(client, meeting_world):
    from hub.digests.run import run_digests

    _host, member, meeting = meeting_world
    set_preferences(member.id, digest_frequency="daily")
    db.session.commit()
    run_digests(utcnow() + timedelta(days=1))
    digest = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.user_id == member.id, OutboxMessage.kind == "digest"
        )
    ).one()
    links = action_links(digest)
    assert len(links) == 3
    assert answers_of(member) == []
    client.post(path(links[1]))
    assert answers_of(member) == [("online", False)]
    assert read_action_token(links[1].split("/")[-1]).target_id == meeting.id


def test_links_of_a_removed_member_a_cancelled_or_future_meeting_change_nothing(
    app, client, meeting_world, monkeypatch
):
    host, member, meeting = meeting_world
    soon = utcnow() + timedelta(days=1)
    # Minutes for a meeting that has not taken place yet: the rule refuses, nothing is saved.
    early = make_action_token(host.id, "minutes", meeting.id, "add", until=soon)
    response = client.post(f"/handling/{early}", data={"minutes": "För tidigt."})
    assert response.status_code == 409 and "Ingenting har ändrats" in response.text
    scheduling.cancel_meeting(scheduling.get_meeting_or_404(meeting.id), by=host)
    db.session.commit()
    assert client.get(f"/handling/{early}").status_code == 409
    assert not scheduling.get_meeting_or_404(meeting.id).minutes_source
    # A member whose account was closed: the link no longer acts for anyone.
    gone = make_action_token(member.id, "follow", 1, "follow", until=soon)
    db.session.get(User, member.id).active = False
    db.session.commit()
    assert client.post(f"/handling/{gone}").status_code == 404
    # Signed by us but past the outer limit, or not an action link's content at all.
    from hub.mail import actions

    with app.test_request_context():
        token = actions.make_action_token(member.id, "rsvp", meeting.id, "online", until=soon)
        odd = actions._serializer().dumps(["inte", "en", "handling"])
    monkeypatch.setattr(actions, "MAX_AGE_SECONDS", -1)
    response = client.get(f"/handling/{token}")
    assert response.status_code == 400 and "för gammal" in response.text
    assert client.get(f"/handling/{odd}").status_code == 400
