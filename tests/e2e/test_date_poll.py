"""The date poll in a real browser: propose, answer on the page and by a mail link, pick a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.extensions import db
from hub.mail.models import OutboxMessage
from hub.meetings import rotation
from hub.meetings.models import Network, NetworkMunicipality
from tests.e2e.checks import check_page

SLUG = "datumnatverket"


def make_network(live_app: Flask) -> None:
    """A network of its own, so that other flows' meetings in Halland do not stand in the way;
    Laholm (the demo ambassador's municipality) holds the baton."""
    with live_app.app_context():
        if db.session.scalar(select(Network).where(Network.slug == SLUG)) is None:
            network = Network(slug=SLUG, name="Datumnätverket", rhythm_months=3)
            network.members = [
                NetworkMunicipality(municipality_code=code, position=i)
                for i, code in enumerate(("1381", "1383"))
            ]
            db.session.add(network)
            db.session.flush()
            rotation.pass_baton(network, reason_kind="coordinator", to_code="1381")
            db.session.commit()
        db.session.remove()


def day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def test_date_poll_flow(page: Page, sign_in, live_app: Flask) -> None:
    make_network(live_app)
    sign_in()
    page.goto(f"/natverk/{SLUG}")
    page.get_by_role("link", name="Föreslå datum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datum för nästa träff")
    check_page(page, "date poll form")

    page.get_by_label("Plats (om ni redan vet)").fill("Laholms bibliotek")
    rows = page.locator("fieldset.poll-row")
    rows.nth(0).get_by_label("Datum").fill(day(-2))  # in the past: refused
    rows.nth(0).get_by_label("Börjar").fill("09:00")
    rows.nth(0).get_by_label("Slutar").fill("12:00")
    rows.nth(1).get_by_label("Datum").fill(day(30))
    rows.nth(1).get_by_label("Börjar").fill("09:00")
    rows.nth(1).get_by_label("Slutar").fill("12:00")
    page.get_by_role("button", name="Skicka datumförslagen").click()
    expect(page.get_by_role("alert")).to_contain_text("redan passerat")
    expect(page.get_by_label("Plats (om ni redan vet)")).to_have_value("Laholms bibliotek")
    check_page(page, "date poll errors")

    rows = page.locator("fieldset.poll-row")
    rows.nth(0).get_by_label("Datum").fill(day(28))
    page.get_by_role("button", name="Skicka datumförslagen").click()
    expect(page.get_by_text("Datumförslagen är skickade till nätverket.")).to_be_visible()
    page.locator("fieldset.poll-option").nth(0).get_by_label("Ja").check()
    page.locator("fieldset.poll-option").nth(1).get_by_label("Kanske").check()
    page.get_by_role("button", name="Spara mina svar").click()
    expect(page.get_by_text("Tack, dina svar är sparade.")).to_be_visible()
    expect(page.get_by_text("Ja: 1, kanske: 0, nej: 0")).to_be_visible()
    check_page(page, "date poll answered")

    with live_app.app_context():
        mail = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.subject.like("Vilka datum passar dig?%"))
            .order_by(OutboxMessage.id.desc())
        ).first()
        link = re.search(r"(/datumsvar/\S+)", mail.body_text).group(1)
        db.session.remove()
    page.goto(link)
    expect(page.get_by_role("button", name=re.compile("Spara mitt svar"))).to_be_visible()
    check_page(page, "date poll link")
    page.get_by_role("button", name=re.compile("Spara mitt svar")).click()
    expect(page.get_by_text(re.compile("Ditt svar är sparat"))).to_be_visible()
    check_page(page, "date poll link answered")

    page.goto(f"/natverk/{SLUG}/datum")
    page.get_by_role("button", name="Boka träffen").click()
    expect(page).to_have_url(re.compile(r"/traffar/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nästa träff i Datumnätverket")
    page.goto(f"/natverk/{SLUG}/stafett")
    expect(page.get_by_text(re.compile("Omröstning om datum"))).to_be_visible()
    check_page(page, "relay timeline with a poll")
