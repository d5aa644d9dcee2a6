"""Ask a question, answer it as a colleague, accept the answer, find it by another word form;
and the ask form by keyboard only."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_keyboard, check_page

TO_TOP = """() => {
    const root = document.documentElement;
    root.tabIndex = -1;
    root.focus();
    root.removeAttribute('tabindex');
}"""
TITLE = "Hur laddar ni surfplattan på natten?"


def sign_out(page: Page) -> None:
    # Cookies away rather than "Logga ut", which would end the account's other sessions too.
    page.context.clear_cookies()


def test_ask_answer_accept_and_find_by_another_word_form(page: Page, sign_in) -> None:
    sign_in()
    page.goto("/fragor")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "questions")

    page.goto("/fragor/ny")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ställ en fråga")
    check_page(page, "ask")
    page.get_by_label("Rubrik").fill("Kort")
    page.get_by_role("button", name="Publicera frågan").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    expect(page.get_by_label("Rubrik")).to_have_value("Kort")
    check_page(page, "ask errors")

    page.get_by_label("Rubrik").fill(TITLE)
    page.get_by_label("Din fråga").fill(
        "Surfplattan på boendet är tom på morgonen fast den stod i laddaren. Hur gör ni?"
    )
    page.get_by_label("Ämnesord").fill("surfplatta")
    page.get_by_role("button", name="Publicera frågan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    question_url = page.url
    check_page(page, "question asked")
    sign_out(page)

    sign_in(email="samordnare@demo.stafetten.se")
    page.goto(question_url)
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    check_page(page, "answer errors")
    page.get_by_label("Ditt svar").fill("Vi sätter laddaren på en timer som slår på klockan två.")
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_text("Vi sätter laddaren på en timer")).to_be_visible()
    check_page(page, "question answered")
    sign_out(page)

    sign_in()
    page.goto(question_url)
    page.get_by_role("button", name="Markera som lösning").click()
    expect(page.get_by_role("button", name="Lösningen")).to_have_attribute("aria-pressed", "true")
    check_page(page, "question accepted")

    page.goto(f"/fragor/{question_id(question_url)}/redigera")
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigera frågan")
    check_page(page, "edit question")
    page.get_by_label("Din fråga").fill("Kort")
    page.get_by_role("button", name="Spara ändringen").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    check_page(page, "edit question errors")
    page.get_by_label("Din fråga").fill(
        "Surfplattan på boendet är tom på morgonen fast den stod i laddaren hela natten."
    )
    page.get_by_role("button", name="Spara ändringen").click()
    page.get_by_role("link", name=re.compile("^redigerad")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidigare versioner")
    check_page(page, "question revisions")

    page.get_by_label("Sök i Stafetten").fill("surfplattor")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check_page(page, "search other word form")


def question_id(url: str) -> str:
    match = re.search(r"/fragor/(\d+)", url)
    assert match, url
    return match.group(1)


def tab_to(page: Page, element_id: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_ask_a_question_by_keyboard_only(page: Page, sign_in) -> None:
    sign_in()
    page.goto("/fragor/ny")
    stops = " | ".join(check_keyboard(page))
    order = [stops.find(f"#{name}") for name in ("title", "category", "body", "tags")]
    order.append(stops.find("button Publicera frågan"))
    assert -1 not in order and order == sorted(order), f"tab order: {stops}"

    page.evaluate(TO_TOP)
    tab_to(page, "title")
    page.keyboard.type("Vem byter batterier i trygghetslarmen?")
    tab_to(page, "category")
    page.keyboard.press("ArrowDown")
    tab_to(page, "body")
    page.keyboard.type("Hos oss är det oklart vem som byter batterierna. Hur gör ni?")
    tab_to(page, "tags")
    page.keyboard.type("trygghetslarm")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Publicera frågan", f"after the tags comes {focused!r}"
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vem byter batterier i trygghetslarmen?"
    )
    expect(page).to_have_url(re.compile(r"/fragor/\d+"))
