"""Act from the mail without signing in (RSVP links), and the link scanner: every link in every
kind of mail the hub sends is opened with GET, as Safe Links does, and nothing in the database
changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.auth import accounts
from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.models import Category
from hub.mail.actions import make_action_token, read_action_token
from hub.mail.models import OutboxMessage
from hub.mail.notifications import send_notification_emails
from hub.mail.preferences import set_preferences
from hub.meetings import reminders, rotation, scheduling
from hub.meetings.models import Rsvp
from hub.site.reports import mail_waiting_reports, submit_report

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


def table_snapshot() -> dict[str, list]:
    """Every row of every table, to compare before and after the scanner."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        snapshot[table.name] = sorted(map(repr, rows))
    return snapshot


def test_link_scanner_opens_every_link_in_every_kind_of_mail_and_nothing_changes(
    app, client, meeting_world, create_user
):
    host, member, meeting = meeting_world
    create_user(role="admin", name="Ada Admin")  # the accessibility report goes to admins
    # Meetings: invitation (above), update, reminder, cancellation; the baton.
    loaded = scheduling.get_meeting_or_404(meeting.id)
    moved = scheduling.MeetingData(
        title="Träff om larm", starts_at=loaded.starts_at + timedelta(hours=1),
        ends_at=loaded.ends_at + timedelta(hours=1), place="Rum 2",
    )  # fmt: skip
    scheduling.update_meeting(loaded, moved, by=host)
    from hub.meetings.participation import do_rsvp

    do_rsvp(loaded, member, "on_site")
    db.session.commit()
    reminders.run_meeting_reminders(loaded.starts_at - timedelta(days=1))
    scheduling.cancel_meeting(scheduling.get_meeting_or_404(meeting.id), by=host)
    db.session.commit()
    from hub.meetings.models import Network

    network = db.session.get(Network, meeting.network_id)
    holding = rotation.current_holding(network)
    step1, step2 = reminders.baton_due(network, holding.passed_at)
    reminders.run_baton_check(step1)
    reminders.run_baton_check(step2)
    # The forum: a notification mail with the post's text, and a digest.
    category = Category(slug="skanner", name="Skanner", position=9)
    db.session.add(category)
    db.session.commit()
    question = questions.create_question(
        member, title="Länkar i mejl?", body="Öppnar Safe Links allt?", category_id=category.id,
        tag_names=[],
    )  # fmt: skip
    answers.create_answer(question, host, "Ja, varenda länk.")
    db.session.commit()
    send_notification_emails(utcnow() + timedelta(seconds=1))
    from hub.digests.run import run_digests

    set_preferences(member.id, digest_frequency="daily")
    db.session.commit()
    run_digests(utcnow() + timedelta(days=1))
    # Account mail.
    with app.test_request_context():
        accounts.send_confirmation(create_user(confirmed=False))
        accounts.request_password_reset(member.email)
        accounts.request_email_change(member, "ny@laholm.se")
        accounts.send_security_notice(member, "password_changed")
        accounts.do_change_email(host, "ny.vard@laholm.se")
        accounts.do_sign_up(
            email=member.email, name="X", password="ett-långt-lösenord-9", municipality_code="1381"
        )
    submit_report("Knappen syns inte", None, "/", "127.0.0.1")
    db.session.commit()
    mail_waiting_reports()
    db.session.commit()

    mails = db.session.scalars(select(OutboxMessage)).all()
    kinds = {m.kind for m in mails}
    assert {"meeting", "baton", "digest", "confirm_email", "password_reset"} <= kinds
    links = sorted({link for m in mails for link in LINK.findall(m.body_text + m.body_html)})
    assert any("/handling/" in link for link in links)
    assert any("/avregistrera/" in link for link in links)
    before = table_snapshot()
    for link in links:
        response = client.get(path(link.rstrip(".,")))
        assert response.status_code < 500, link
    assert table_snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(User)) >= 4
