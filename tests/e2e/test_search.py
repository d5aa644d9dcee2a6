"""Search from the header, the results page and its odd-query page, checked like every page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page


def test_search_from_the_header(page: Page, sign_in) -> None:
    sign_in()
    page.get_by_label("Sök i Stafetten").fill("möte")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sök")
    expect(page.get_by_label("Sök efter")).to_have_value("möte")
    check_page(page, "search")

    page.goto("/sok?q=%22*-%00&besvarad=nej")
    expect(page.get_by_text("inga ord som går att söka på")).to_be_visible()
    check_page(page, "search odd query")
