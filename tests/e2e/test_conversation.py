"""A conversation with faces (#21): ask with a similar question open in a new tab (the draft
stays), format with the toolbar, mention a colleague (a link to her page), answer (an empty one
puts focus on the error summary), the helpful toggle, report from the ⋯ menu, and delete only
after a confirmation. At a phone's and a desktop's width, every tap target measured."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.checks import check_page

COORDINATOR = "samordnare@demo.stafetten.se"
SIMILAR = "Hur får vi de boende att vilja använda surfplattan"  # a demo question with answers


def checked(page: Page, name: str) -> None:
    check_page(page, name)  # tap targets at 390 px included


def open_menu(menu: Locator) -> None:
    """Open a ⋯ menu (``<details>``) by its summary, as a thumb would. The page has loaded
    first: until then the browser may still scroll to the address's #answer and move the
    summary away from where the click lands (seen once at 390 px on a loaded machine)."""
    menu.page.wait_for_load_state()
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")


@pytest.mark.parametrize("width", [390, 1280])
def test_ask_answer_helpful_report_and_delete(page: Page, sign_in, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    title = f"Hur får vi surfplattan att räcka hela natten på boendet ({width})?"
    sign_in()
    page.goto("/fragor/ny")
    page.get_by_label("Rubrik").fill(SIMILAR)
    similar = page.locator("#similar-questions a").first
    expect(similar).to_have_attribute("target", "_blank")
    expect(page.locator("#similar-questions li").first).to_contain_text("svar")
    expect(page.locator("#similar-questions li").first).to_contain_text("öppnas i ny flik")
    with page.context.expect_page() as opened:
        similar.click()
    opened.value.wait_for_load_state()
    assert re.search(r"/fragor/\d+", opened.value.url)
    opened.value.close()
    expect(page.get_by_label("Rubrik")).to_have_value(SIMILAR)  # the draft is still here
    checked(page, f"ask with similar {width}")

    page.get_by_label("Rubrik").fill(title)
    body = page.get_by_label("Din fråga")
    body.fill("Surfplattan är tom på morgonen. ")
    page.get_by_role("toolbar", name="Formatering").get_by_role("button", name="Fet").click()
    body.press("End")
    body.type(" Vet @Maria Svensson något?")
    assert "**fet text**" in body.input_value()
    page.get_by_label("Ämnesord").fill("surfplatta")
    page.get_by_role("button", name="Publicera frågan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    question_url = page.url
    mention = page.locator(".post-body a.mention")
    expect(mention).to_have_text("@Maria Svensson")
    expect(mention).to_have_attribute("href", re.compile(r"/katalog/\d+$"))
    expect(page.locator(".post-body strong")).to_have_text("fet text")
    checked(page, f"question with a face {width}")

    sign_in(email=COORDINATOR)
    page.goto(question_url)
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.locator(".error-summary")).to_be_focused()  # in view, not 2,000 px down
    checked(page, f"empty answer {width}")
    page.get_by_label("Ditt svar").fill("Vi ställer laddaren på en timer som slår på klockan två.")
    page.get_by_role("button", name="Skicka svaret").click()
    answer = page.locator("article.answer", has_text="timer som slår på")
    expect(answer.locator(".post-author")).to_have_text(re.compile(r"\S"))

    sign_in()
    page.goto(question_url)
    answer = page.locator("article.answer", has_text="timer som slår på")
    helpful = answer.get_by_role("button", name="Hjälpte mig")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(helpful.locator(".count")).to_have_count(0)  # no "0 tycker att svaret hjälpte"
    helpful.click()
    helpful = page.locator("article.answer", has_text="timer som slår på").get_by_role(
        "button", name="Hjälpte mig"
    )
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful.locator(".count")).to_have_text("1")
    checked(page, f"helpful pressed {width}")
    helpful.click()
    answer = page.locator("article.answer", has_text="timer som slår på")
    expect(answer.get_by_role("button", name="Hjälpte mig")).to_have_attribute(
        "aria-pressed", "false"
    )

    open_menu(answer.locator(".more-menu"))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        answer.get_by_role("button", name="Anmäl").click()
    assert posted.value.status == 400
    expect(page.locator(".more-menu[open] .error")).to_be_visible()
    checked(page, f"report errors {width}")

    open_menu(page.locator("#fraga .more-menu"))
    page.locator("#fraga .more-menu").get_by_role("link", name="Ta bort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ta bort frågan?")
    checked(page, f"confirm delete {width}")
    page.get_by_role("link", name="Nej, behåll").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    open_menu(page.locator("#fraga .more-menu"))
    page.locator("#fraga .more-menu").get_by_role("link", name="Ta bort").click()
    page.get_by_role("button", name="Ja, ta bort").click()
    expect(page.get_by_text("Frågan är borttagen.")).to_be_visible()
    assert page.goto(question_url).status == 404
