"""The network's health page in a real browser: SVG charts and tables checked by axe and the
Nu HTML checker, and the CSV beside them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page

COORDINATOR = "samordnare@demo.stafetten.se"


def test_the_coordinator_reads_the_networks_health(page: Page, sign_in) -> None:
    sign_in(COORDINATOR)
    page.goto("/natverk/halland")
    page.get_by_role("link", name="Så mår nätverket (för samordnare)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Så mår")
    expect(page.get_by_role("heading", name="Kommunerna")).to_be_visible()
    expect(page.get_by_role("row", name="Laholm").first).to_be_visible()
    assert page.locator("svg.chart").count() > 0
    check_page(page, "network health")

    csv = page.request.get(
        page.get_by_role("link", name="Ladda ner siffrorna som kalkylblad").get_attribute("href")
    )
    assert csv.status == 200 and "Håller stafettpinnen" in csv.text()

    page.goto("/natverk/halland")
    page.get_by_role("link", name="Meddelanden från samordnarna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meddelanden från samordnarna")
    page.get_by_role("button", name="Skicka meddelandet").click()  # empty: nothing is sent
    expect(page.get_by_role("alert")).to_contain_text("Skriv ett meddelande.")
    check_page(page, "announcement errors")


def test_a_member_may_not_see_the_health_page(page: Page, sign_in) -> None:
    sign_in()
    response = page.goto("/natverk/halland/halsa")
    assert response is not None and response.status == 403
