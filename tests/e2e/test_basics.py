"""The pages that exist from the start: start page, login, settings, logout, error pages.

A new flow is a few lines: go somewhere, act, then ``check_page(page, "name")`` runs axe, saves
the page for vnu and takes screenshots at phone and desktop widths."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_keyboard, check_page


def test_start_page_sign_in_settings_sign_out(page: Page, sign_in) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till Stafetten")
    check_page(page, "start")

    page.get_by_role("link", name="Logga in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/logga-in$"))
    check_page(page, "login")

    sign_in()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    check_page(page, "start signed in")

    page.get_by_role("link", name="Inställningar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inställningar")
    check_page(page, "settings")

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    expect(page.get_by_role("link", name="Logga in", exact=True)).to_be_visible()
    check_page(page, "signed out")

    page.goto("/installningar")  # signed out: back to the login page, with a message
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))


def test_wrong_password_shows_the_error_next_to_the_field(page: Page, sign_in) -> None:
    sign_in(password="inte-rätt-lösenord")
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    password = page.get_by_label("Lösenord")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("E-postadress")).to_have_value("ambassador@demo.stafetten.se")
    check_page(page, "login wrong password")


def test_empty_login_form_shows_errors(page: Page) -> None:
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Skriv din e-postadress.").first).to_be_visible()
    check_page(page, "login empty")


def test_missing_page_is_a_swedish_404(page: Page) -> None:
    response = page.goto("/finns-inte")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    check_page(page, "not found")


def test_placeholder_pages(page: Page) -> None:
    for path, name in [("/tillganglighet", "accessibility"), ("/personuppgifter", "privacy")]:
        page.goto(path)
        check_page(page, name)


def test_login_form_by_keyboard_only(page: Page) -> None:
    page.goto("/logga-in")
    stops = check_keyboard(page)
    labels = " | ".join(stops)
    for expected in ("input#email", "input#password", "input#remember", "button Logga in"):
        assert expected in labels, f"{expected} is not reached by Tab: {labels}"
    assert stops[0].startswith("a "), "the first stop is the skip link"
