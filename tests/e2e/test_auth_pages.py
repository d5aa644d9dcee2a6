"""The auth pages in a browser: sign-up, confirmation, two-factor sign-in, invitations, reset."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.extensions import db
from hub.mail.models import OutboxMessage
from tests.e2e.checks import check_page

NEW_EMAIL = "e2e.karin@omsorg.kungsbacka.se"
NEW_PASSWORD = "en lång mening om kaffe"


def mailed_link(live_app, kind: str, to: str) -> str:
    with live_app.app_context():
        message = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.to_address == to)
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None, f"no {kind} mail to {to}"
        return re.search(r"https?://\S+", message.body_text).group(0).split("/", 3)[3]


def test_sign_up_confirm_and_two_factor(page: Page, sign_in, live_app) -> None:
    page.goto("/registrera")
    check_page(page, "sign up")
    page.get_by_label("Namn").fill("Karin Testsson")
    page.get_by_label("E-postadress på jobbet").fill("karin@gmail.com")
    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_text("Din kommun kan inte skapa konton själv").first).to_be_visible()
    check_page(page, "sign up unknown domain")

    page.get_by_label("E-postadress på jobbet").fill(NEW_EMAIL)
    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi har skickat ett mejl")
    check_page(page, "sign up sent")

    sign_in(email=NEW_EMAIL, password=NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta din e-postadress först")
    check_page(page, "login unconfirmed")

    page.goto("/" + mailed_link(live_app, "confirm_email", NEW_EMAIL))
    check_page(page, "confirm email")
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen, Karin!")  # signed in

    page.goto("/installningar/konto")
    check_page(page, "account settings")
    page.get_by_role("link", name="Slå på tvåstegsverifiering").click()
    check_page(page, "two-factor setup")
    secret = page.locator("code.secret").first.inner_text()
    page.get_by_label("Kod från appen").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Slå på").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina reservkoder")
    check_page(page, "recovery codes")
    code = page.locator(".recovery-codes code").first.inner_text()

    page.get_by_role("button", name="Logga ut").click()
    sign_in(email=NEW_EMAIL, password=NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv in koden")
    check_page(page, "login code")
    page.get_by_label("Kod").fill(code)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_invitations_page(page: Page, sign_in, live_app) -> None:
    sign_in(email="samordnare@demo.stafetten.se")
    page.goto("/inbjudningar")
    check_page(page, "invitations")
    page.get_by_label("E-postadresser").fill("e2e.ny@laholm.se\ninte-en-adress")
    page.get_by_role("button", name="Skicka inbjudningar").click()
    expect(page.get_by_text("går inte att använda").first).to_be_visible()
    expect(page.get_by_role("cell", name="e2e.ny@laholm.se", exact=True)).to_be_visible()
    check_page(page, "invitations with errors")

    page.get_by_role("button", name="Logga ut").click()
    page.goto("/" + mailed_link(live_app, "invitation", "e2e.ny@laholm.se"))
    check_page(page, "accept invitation")
    page.get_by_label("Namn").fill("Ny Inbjuden")
    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen, Ny!")  # first steps


def test_forgot_password_and_broken_link(page: Page) -> None:
    page.goto("/glomt-losenord")
    check_page(page, "forgot password")
    page.get_by_label("E-postadress", exact=True).fill("e2e.ingen@laholm.se")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi har skickat ett mejl")
    response = page.goto("/aterstall/trasig-lank")
    assert response is not None and response.status == 404
    check_page(page, "broken reset link")
