"""Networks, the baton and meetings in a real browser, with axe and the HTML validator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.meetings import scheduling
from hub.meetings.models import Meeting, MeetingStatus
from tests.e2e.checks import check_page

BOOKED_TITLE = "Vinterträff i Laholm"


@pytest.fixture
def cancel_booked(live_app: Flask) -> Iterator[None]:
    """The meeting this test books is cancelled after it: a network has one scheduled meeting at a
    time, so a booking left behind would stop test_meeting_page from booking its own."""
    yield
    with live_app.app_context():
        booked = db.session.scalars(
            select(Meeting.id).where(
                Meeting.title == BOOKED_TITLE, Meeting.status == MeetingStatus.SCHEDULED
            )
        ).all()
        coordinator = db.session.scalar(
            select(User).where(User.email == "samordnare@demo.stafetten.se")
        )
        for meeting_id in booked:
            meeting = scheduling.get_meeting_or_404(meeting_id)
            scheduling.cancel_meeting(meeting, by=coordinator)
        db.session.commit()


@pytest.mark.usefixtures("cancel_booked")
def test_network_baton_and_meetings_pages(page: Page, sign_in) -> None:
    sign_in()
    expect(page.get_by_role("heading", name="Nätverk och stafettpinnen")).to_be_visible()
    check_page(page, "start with networks")

    page.get_by_role("link", name="Nätverk", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nätverk")
    check_page(page, "networks")

    page.get_by_role("link", name="Digitaliseringsnätverket Halland").click()
    expect(page.get_by_text("Håller stafettpinnen", exact=True)).to_be_visible()
    check_page(page, "network halland")

    page.get_by_role("link", name="Se stafettens historia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stafettpinnens väg")
    check_page(page, "baton timeline")

    page.goto("/traffar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Träffar")
    check_page(page, "meetings")

    page.goto("/natverk/halland")
    page.get_by_role("link", name="Boka nästa träff").click()
    page.get_by_label("Rubrik").fill(BOOKED_TITLE)
    page.get_by_label("Datum").fill("2020-01-15")
    page.get_by_label("Börjar klockan").fill("09:30")
    page.get_by_label("Slutar klockan").fill("09:00")
    page.get_by_label("Länk till digitalt möte").fill("javascript:alert(1)")
    page.get_by_role("button", name="Boka träffen").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    expect(page.get_by_label("Rubrik")).to_have_value(BOOKED_TITLE)
    check_page(page, "schedule errors")

    page.get_by_label("Datum").fill(f"{datetime.now(UTC).year + 2}-01-15")  # always ahead
    page.get_by_label("Slutar klockan").fill("12:00")
    page.get_by_label("Länk till digitalt möte").fill("https://teams.example/vinter")
    page.get_by_label("Plats", exact=True).fill("Laholms stadshus")
    page.get_by_role("button", name="Boka träffen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BOOKED_TITLE)
    expect(page).to_have_url(re.compile(r"/traffar/\d+$"))
    page.get_by_role("button", name="Ja, digitalt").click()
    expect(page.get_by_text("Tack, ditt svar är sparat.")).to_be_visible()
    page.get_by_label("Föreslå en fråga eller ett ämne").fill("Nyckelfria lås")
    page.get_by_role("button", name="Föreslå").click()
    expect(page.get_by_text("Tack för förslaget.")).to_be_visible()
    check_page(page, "meeting as host")

    href = page.get_by_role("link", name="Lägg till i min kalender").get_attribute("href")
    ics = page.request.get(href)
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.body())
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and BOOKED_TITLE in str(events[0]["SUMMARY"])
    assert b"BEGIN:VEVENT" in ics.body()

    page.goto("/installningar/kalender")
    page.get_by_role("button", name="Skapa min kalenderlänk").click()
    expect(page.get_by_label("Din kalenderlänk")).to_have_value(re.compile(r"/kalender/.+\.ics$"))
    check_page(page, "calendar settings")
