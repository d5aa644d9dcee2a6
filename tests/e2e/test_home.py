"""The start page says what to do now (#21): the demo ambassador's Laholm holds the Halland
network's baton with nothing booked, so the first card offers to book the meeting or hand the
baton over, with a confirmation that names who receives it. At a phone's and a desktop's width;
the state is given back at the end (the meeting cancelled, the baton back in Laholm)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page

COORDINATOR = "samordnare@demo.stafetten.se"
HALLAND = "Digitaliseringsnätverket Halland"  # other tests may add networks Laholm leads too


def baton_card(page: Page):
    return page.locator(".task-baton", has_text=HALLAND)


def checked(page: Page, name: str) -> None:
    check_page(page, name)  # tap targets at 390 px included


@pytest.mark.parametrize("width", [390, 1280])
def test_book_the_meeting_from_the_task_card(page: Page, sign_in, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in()
    card = baton_card(page)
    expect(card.get_by_role("heading")).to_have_text("Ni har stafettpinnen")
    expect(card).to_contain_text(f"Laholms kommun bjuder in {HALLAND}")
    checked(page, f"start with tasks {width}")

    card.get_by_role("link", name="Boka nästa träff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boka nästa träff")
    page.get_by_role("button", name="Boka träffen").click()
    expect(page.locator(".error-summary")).to_be_focused()  # not 2,000 px below on a phone
    page.get_by_label("Rubrik").fill("Vårträff i Laholm")
    page.get_by_label("Datum").fill(f"{datetime.now(UTC).year + 1}-04-15")
    page.get_by_label("Börjar klockan").fill("09:30")
    page.get_by_label("Slutar klockan").fill("12:00")
    page.get_by_label("Plats", exact=True).fill("Laholms stadshus")
    page.get_by_role("button", name="Boka träffen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vårträff i Laholm")

    page.goto("/")
    expect(baton_card(page)).to_have_count(0)  # booked: nothing left to do
    expect(page.get_by_text("Nästa träff: Vårträff i Laholm")).to_be_visible()

    page.get_by_role("link", name=re.compile("^Visa träffen Vårträff i Laholm")).click()
    page.get_by_role("link", name="Ställ in träffen").click()
    page.get_by_role("button", name="Ställ in träffen").click()
    page.goto("/")
    expect(baton_card(page)).to_have_count(1)


@pytest.mark.parametrize("width", [390, 1280])
def test_hand_over_the_baton_with_a_named_confirmation(page: Page, sign_in, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in()
    baton_card(page).get_by_role("link", name="Vi kan inte – lämna över").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lämna stafettpinnen till Halmstads kommun?"
    )
    checked(page, f"hand over {width}")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Ja, lämna till Halmstads kommun").click()
    assert posted.value.status == 400
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_text("Skriv en kort anledning.").first).to_be_visible()
    checked(page, f"hand over errors {width}")

    page.get_by_label("Varför lämnar ni över stafettpinnen?").fill("Personalbrist i vår.")
    page.get_by_role("button", name="Ja, lämna till Halmstads kommun").click()
    expect(page.get_by_text("Stafettpinnen är hos Halmstads kommun nu.")).to_be_visible()
    page.goto("/")
    expect(baton_card(page)).to_have_count(0)
    expect(page.get_by_text("Halmstads kommun har stafettpinnen.")).to_be_visible()

    # The coordinator gives it back, through the same named confirmation.
    sign_in(email=COORDINATOR)
    page.goto("/natverk/halland")
    page.get_by_label("Till kommun").select_option(label="Laholms kommun")
    page.get_by_role("button", name="Lämna över …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lämna stafettpinnen till Laholms kommun?"
    )
    page.get_by_label("Varför lämnar ni över stafettpinnen?").fill("Laholm tar den igen.")
    page.get_by_role("button", name="Ja, lämna till Laholms kommun").click()
    expect(page.get_by_text("Stafettpinnen är hos Laholms kommun nu.")).to_be_visible()
