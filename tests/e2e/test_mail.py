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


def test_rsvp_from_a_mail_link_without_signing_in(page: Page, live_app: Flask) -> None:
    from hub.mail.actions import make_action_token
    from hub.meetings.models import Meeting, Rsvp

    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ambassador@demo.stafetten.se"))
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.starts_at)
        )
        token = make_action_token(user.id, "rsvp", meeting.id, "online", until=meeting.ends_at)
        user_id, meeting_id = user.id, meeting.id
    page.goto(f"/handling/{token}")
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
