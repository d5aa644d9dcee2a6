"""Joining (#21), as a newcomer meets it on a phone and a desktop: "Gå med" on the signed-out
start page; with an address of a municipality that is not in the hub, a short request (an empty
one shows its errors at the fields) that reaches the region's coordinators and a page that says
what happens next; with a municipal address, sign-up, the confirmation mail's button, and the
member is signed in on the three first steps, which tick themselves off."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.extensions import db
from hub.mail.models import OutboxMessage
from tests.e2e.checks import check_page, check_tap_targets
from tests.e2e.test_auth_pages import mailed_link

COORDINATOR = "samordnare@demo.stafetten.se"
PASSWORD = "en lång mening om kaffe och kakor"


def checked(page: Page, name: str) -> None:
    check_page(page, name)
    check_tap_targets(page, name)


@pytest.mark.parametrize("width", [390, 1280])
def test_ask_to_join_when_the_municipality_is_not_in_the_hub(
    page: Page, live_app: Flask, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    email = f"e2e.lisa.{width}@falkenberg-omsorg.example"
    page.goto("/")
    page.get_by_role("link", name="Gå med").click()
    page.get_by_label("Namn").fill("Lisa Berg")
    page.get_by_label("E-postadress på jobbet").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_text("Din kommun kan inte skapa konton själv").first).to_be_visible()

    page.get_by_role("link", name="Be om att få gå med", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Be om att få gå med")
    checked(page, f"join request {width}")
    page.get_by_label("Namn").fill("Lisa Berg")
    page.get_by_role("button", name="Skicka förfrågan").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#municipality-error")).to_have_text("Skriv vilken kommun du arbetar i.")
    expect(page.get_by_label("Namn")).to_have_value("Lisa Berg")  # kept
    checked(page, f"join request errors {width}")

    page.get_by_label("E-postadress på jobbet").fill(email)
    page.get_by_label("Kommun där du arbetar").fill("Falkenbergs kommun")
    page.get_by_label("Vill du berätta något mer?").fill("Jag är IKT-pedagog på ett boende.")
    page.get_by_role("button", name="Skicka förfrågan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack! Vi har skickat din förfrågan")
    expect(page.get_by_text("Samordnarna för nätverket i Hallands län")).to_be_visible()
    expect(page.get_by_text(f"De hör av sig till {email}")).to_be_visible()
    checked(page, f"join request sent {width}")

    with live_app.app_context():
        sent = db.session.scalars(
            select(OutboxMessage.to_address).where(
                OutboxMessage.kind == "account_join_request",
                OutboxMessage.body_text.contains(email),
            )
        ).all()
    assert COORDINATOR in sent  # the Halland network's coordinator got it through the outbox


@pytest.mark.parametrize("width", [390, 1280])
def test_confirm_and_land_signed_in_on_the_first_steps(
    page: Page, live_app: Flask, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    email = f"e2e.nora.{width}@laholm.se"
    page.goto("/registrera")
    page.get_by_label("Namn").fill("Nora Ek")
    page.get_by_label("E-postadress på jobbet").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi har skickat ett mejl")

    page.goto("/" + mailed_link(live_app, "confirm_email", email))
    page.get_by_role("button", name="Bekräfta").click()
    expect(page).to_have_url(re.compile(r"/valkommen$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen, Nora!")
    # /valkommen needs a signed-in member: the confirmation signed her in, no second login
    steps = page.locator(".welcome-steps > li h2")
    expect(steps).to_have_text(
        ["Fyll i din profil", "Följ det du kan", "Se nätverkets nästa träff"]
    )
    expect(page.locator(".done-mark")).to_have_count(0)
    checked(page, f"first steps {width}")

    page.get_by_role("link", name="Din profil").click()
    page.get_by_label("Arbetsplats").fill("Solgårdens äldreboende")
    page.get_by_role("button", name="Spara profilen").click()
    page.goto("/valkommen")
    expect(page.locator(".welcome-steps > li").first.locator(".done-mark")).to_have_text("Klart")
