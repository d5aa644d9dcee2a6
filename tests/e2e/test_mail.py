"""Email settings, the digest preview, one-click unsubscribe and the admin's outbox in a browser."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.mail.preferences import get_preferences
from hub.mail.tokens import make_unsubscribe_token
from tests.e2e.checks import check_page


def test_email_settings_and_preview(page: Page, sign_in) -> None:
    sign_in()
    page.goto("/installningar")
    page.get_by_role("link", name="E-post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-post")
    check_page(page, "mail settings")
    page.get_by_role("group", name="Sammanfattning").get_by_label("Varje dag").check()
    page.get_by_role("group", name="Träffar").get_by_label("I sammanfattningen").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Dina e-postinställningar är sparade.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Sammanfattning").get_by_label("Varje dag")
    ).to_be_checked()
    page.get_by_role("link", name="Se hur din nästa sammanfattning ser ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Din nästa sammanfattning")
    check_page(page, "digest preview")


def test_unsubscribe_page_and_one_click(page: Page, live_app: Flask) -> None:
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "samordnare@demo.stafetten.se"))
        user_id = user.id
        token = make_unsubscribe_token(user_id, "digest")
        assert get_preferences(user_id)["digest_frequency"] != "never"
    page.goto(f"/avregistrera/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Avregistrera dig")
    check_page(page, "unsubscribe")
    page.get_by_role("button", name="Avregistrera mig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är avregistrerad")
    check_page(page, "unsubscribed")
    with live_app.app_context():
        assert get_preferences(user_id)["digest_frequency"] == "never"
    response = page.goto(f"/avregistrera/{token}x")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")
    check_page(page, "unsubscribe bad link")


def test_admin_outbox(page: Page, sign_in) -> None:
    sign_in(email="admin@demo.stafetten.se")
    page.goto("/admin/utkorg")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utkorgen")
    expect(page.get_by_role("link", name="Utkorg")).to_have_attribute("aria-current", "page")
    check_page(page, "admin outbox")
    expect(page).to_have_url(re.compile(r"/admin/utkorg$"))


def action_links_in_last_mail(user_id: int) -> list[str]:
    """The action links (/handling/…) in the member's newest mail, as the mail has them."""
    from hub.mail.models import OutboxMessage

    mail = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).one()
    links = re.findall(r"http://[^\s\"<>]+/handling/[^\s\"<>]+", mail.body_text)
    assert links and all(link in mail.body_html for link in links)
    return links


def action_link_in_last_mail(user_id: int) -> str:
    (link,) = action_links_in_last_mail(user_id)
    return link


def test_rsvp_from_a_mail_link_without_signing_in(page: Page, live_app: Flask) -> None:
    """The reminder mail's own "online" link, as the member gets it."""
    from hub.meetings.mailing import Recipient, send_meeting_reminder
    from hub.meetings.models import Meeting, Rsvp
    from hub.meetings.scheduling import get_meeting_or_404

    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ambassador@demo.stafetten.se"))
        meeting_id = db.session.scalar(
            select(Meeting.id).where(Meeting.status == "scheduled").order_by(Meeting.starts_at)
        )
        meeting = get_meeting_or_404(meeting_id)  # with its network, as the mailer has it
        send_meeting_reminder(meeting, Recipient(user.id, user.email, user.name))
        db.session.commit()
        _on_site, online, _not_coming = action_links_in_last_mail(user.id)
        user_id = user.id
    token = online.rsplit("/", 1)[1]
    page.goto(online)
    expect(page.get_by_role("heading", level=1)).to_have_text("Svara på inbjudan")
    check_page(page, "rsvp from mail")
    page.get_by_role("button", name="Spara mitt svar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ditt svar är sparat")
    check_page(page, "rsvp from mail saved")
    with live_app.app_context():
        answer = db.session.scalar(
            select(Rsvp.response).where(Rsvp.user_id == user_id, Rsvp.meeting_id == meeting_id)
        )
        assert answer == "online"
    response = page.goto(f"/handling/{token}x")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")
    check_page(page, "rsvp bad link")


def test_follow_link_from_a_captured_notification_mail(page: Page, live_app: Flask) -> None:
    """An answer to the ambassador's question is mailed; Chromium follows the mail's own link
    (GET shows one button), presses it, and the question is no longer followed."""
    from datetime import timedelta

    from hub.core.db import utcnow
    from hub.forum import answers, questions
    from hub.forum.models import Category, Follow
    from hub.mail.notifications import send_notification_emails

    with live_app.app_context():
        asker = db.session.scalar(select(User).where(User.email == "ambassador@demo.stafetten.se"))
        helper = db.session.scalar(select(User).where(User.email == "samordnare@demo.stafetten.se"))
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        question = questions.create_question(
            asker, title="Laddar ni plattorna på natten?", body="Hur gör ni?",
            category_id=category.id, tag_names=[],
        )  # fmt: skip
        answers.create_answer(question, helper, "Ja, i personalrummet.")
        db.session.commit()
        send_notification_emails(utcnow() + timedelta(seconds=1))
        link = action_link_in_last_mail(asker.id)
        asker_id, question_id = asker.id, question.id

    def following() -> bool:
        with live_app.app_context():
            return bool(db.session.scalar(select(Follow.id).where(
                Follow.user_id == asker_id, Follow.target_type == "question",
                Follow.target_id == question_id,
            )))  # fmt: skip

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sluta följa frågan")
    check_page(page, "follow from mail")
    assert following()  # the GET changed nothing
    page.get_by_role("button", name="Sluta följa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du följer inte frågan längre")
    check_page(page, "follow from mail done")
    assert not following()


def test_host_adds_minutes_from_a_captured_mail(page: Page, live_app: Flask) -> None:
    from hub.meetings import mailing
    from hub.meetings.models import Meeting, Network

    with live_app.app_context():
        coordinator = db.session.scalar(
            select(User).where(User.email == "samordnare@demo.stafetten.se")
        )
        meeting = db.session.scalar(
            select(Meeting)
            .join(Network, Network.id == Meeting.network_id)
            .where(Meeting.status == "held", Network.coordinators.any(User.id == coordinator.id))
            .order_by(Meeting.starts_at.desc())
        )
        mailing.send_minutes_request(meeting, mailing.recipients_by_ids([coordinator.id]))
        db.session.commit()
        link = action_link_in_last_mail(coordinator.id)
        meeting_id = meeting.id
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Minnesanteckningar")
    check_page(page, "minutes from mail")
    box = page.get_by_label("Minnesanteckningar")
    original = box.input_value()  # the demo meeting's minutes, kept
    box.fill("")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Skriv minnesanteckningarna.").first).to_be_visible()
    check_page(page, "minutes from mail empty")
    box.fill(original + "\n\nTillägg från mejlet: nästa träff i Varberg.")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minnesanteckningarna är sparade")
    check_page(page, "minutes from mail saved")
    with live_app.app_context():
        saved = db.session.scalar(select(Meeting.minutes_source).where(Meeting.id == meeting_id))
        assert saved.endswith("Tillägg från mejlet: nästa träff i Varberg.")
