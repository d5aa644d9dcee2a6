"""The meeting page for members first (#21): "Kommer du?" as three large buttons that save on
one tap (each a plain POST form, so it works without JavaScript too) with the chosen one
pressed, "Anslut till mötet" instead of the raw link, a map link for the address, "Lägg till i
min kalender", and the host's tools after all that. At a phone's and a desktop's width; the
meeting is booked for the test and cancelled after it, so the start page's baton card is back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.auth.models import User
from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings import scheduling
from hub.meetings.models import Network
from tests.e2e.checks import check_page, check_tap_targets

COORDINATOR = "samordnare@demo.stafetten.se"
ONLINE = "https://teams.example/l/meetup-join/19%3ameeting_vartraff"
PLACE = "Laholms stadshus, Humlegårdsgatan 4, Laholm"
CHOICES = ("Ja, på plats", "Ja, digitalt", "Nej, jag kan inte")


def checked(page: Page, name: str) -> None:
    check_page(page, name)
    check_tap_targets(page, name)


@pytest.fixture
def meeting_id(live_app: Flask) -> Iterator[int]:
    with live_app.app_context():
        network = db.session.scalar(select(Network).where(Network.slug == "halland"))
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
        starts = utcnow().replace(microsecond=0) + timedelta(days=40)
        data = scheduling.MeetingData(
            title="Höstträff i Laholm",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            place=PLACE,
            online_url=ONLINE,
            agenda="- Nyckelfria lås\n- Fika",
        )
        meeting = scheduling.create_meeting(network, data, by=coordinator)
        db.session.commit()
        meeting_id = meeting.id
    yield meeting_id
    with live_app.app_context():
        meeting = scheduling.get_meeting_or_404(meeting_id)
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
        scheduling.cancel_meeting(meeting, by=coordinator)
        db.session.commit()


def choice(page: Page, name: str):
    return page.locator("#kommer-du").get_by_role("button", name=name)


@pytest.mark.parametrize("width", [390, 1280])
def test_rsvp_with_one_tap(page: Page, sign_in, meeting_id: int, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in()  # the demo ambassador, in Laholm, which hosts: she also sees the host's tools
    page.goto(f"/traffar/{meeting_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Höstträff i Laholm")
    for name in CHOICES:
        expect(choice(page, name)).to_have_attribute("aria-pressed", "false")
    join = page.get_by_role("link", name="Anslut till mötet")
    expect(join).to_have_attribute("href", ONLINE)
    expect(page.get_by_text(ONLINE)).to_have_count(0)  # no raw link over four lines
    expect(page.get_by_role("link", name="Visa på kartan")).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=" + quote(PLACE)
    )
    calendar = page.get_by_role("link", name="Lägg till i min kalender")
    assert (
        page.request.get(calendar.get_attribute("href"))
        .headers["content-type"]
        .startswith("text/calendar")
    )
    # The member's one job comes first: before the agenda and before the host's tools.
    order = page.locator("h2").all_inner_texts()
    assert order.index("Kommer du?") < order.index("Dagordning") < order.index("För värden")
    checked(page, f"meeting before answering {width}")

    choice(page, "Ja, digitalt").click()  # one tap saves: no radio button, no "Spara svar"
    expect(page.get_by_text("Tack, ditt svar är sparat.")).to_be_visible()
    expect(choice(page, "Ja, digitalt")).to_have_attribute("aria-pressed", "true")
    expect(choice(page, "Ja, på plats")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#kommer-du")).to_contain_text("Ditt svar: digitalt")
    checked(page, f"meeting answered {width}")

    choice(page, "Nej, jag kan inte").click()
    expect(choice(page, "Nej, jag kan inte")).to_have_attribute("aria-pressed", "true")
    expect(choice(page, "Ja, digitalt")).to_have_attribute("aria-pressed", "false")

    # An empty topic suggestion: the error beside the field, the page still checks clean.
    page.get_by_role("button", name="Föreslå").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, f"meeting errors {width}")


def test_rsvp_works_without_javascript(
    browser, live_server: str, page: Page, sign_in, meeting_id: int
) -> None:
    sign_in()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        context.add_cookies(page.context.cookies())
        plain = context.new_page()
        plain.goto(f"/traffar/{meeting_id}")
        choice(plain, "Ja, på plats").click()
        expect(plain.get_by_text("Tack, ditt svar är sparat.")).to_be_visible()
        expect(choice(plain, "Ja, på plats")).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()
