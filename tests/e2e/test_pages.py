"""Every other main page, as a member, a coordinator and an admin, in its normal state and,
where it has a form, its form-error state; and the error pages."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.meetings.models import Network
from tests.e2e.checks import check_page


def visit(page: Page, path: str, name: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response.status}"
    check_page(page, name)


def submit_with_errors(page: Page, button: str, name: str) -> None:
    """Submit a form that is wrong as it stands: the page comes back with 400 and the errors."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    assert posted.value.status == 400, f"{name}: {posted.value.status}"
    expect(page.get_by_role("alert").first).to_contain_text("Något behöver rättas")
    check_page(page, name)


def ids(live_app: Flask) -> tuple[int, int]:
    with live_app.app_context():
        member = db.session.scalar(select(User.id).where(User.email.like("ambassador@%")))
        network = db.session.scalar(select(Network.id).where(Network.slug == "halland"))
    return member, network


def test_member_pages(page: Page, sign_in, live_app: Flask) -> None:
    member_id, _network_id = ids(live_app)
    sign_in()
    visit(page, "/katalog", "directory")
    visit(page, "/katalog?kommun=9999&sida=x", "directory odd filter")
    visit(page, f"/katalog/{member_id}", "person")
    visit(page, "/kommun/1381", "municipality")
    visit(page, "/notiser", "notifications")

    visit(page, "/installningar/profil", "profile")
    page.get_by_label("Namn", exact=True).fill("")
    submit_with_errors(page, "Spara profilen", "profile errors")

    visit(page, "/installningar/mina-uppgifter", "my data")
    submit_with_errors(page, "Ta bort mitt konto", "my data errors")

    visit(page, "/tillganglighet", "accessibility signed in")
    submit_with_errors(page, "Skicka rapporten", "accessibility errors")

    visit(page, "/moderering", "moderation forbidden", status=403)
    visit(page, "/admin", "admin forbidden", status=403)


def test_coordinator_moderation(page: Page, sign_in) -> None:
    sign_in(email="samordnare@demo.stafetten.se")
    visit(page, "/moderering", "moderation")


def test_admin_pages(page: Page, sign_in, live_app: Flask) -> None:
    member_id, network_id = ids(live_app)
    sign_in(email="admin@demo.stafetten.se")
    visit(page, "/admin", "admin")
    visit(page, "/admin/kategorier", "admin categories")
    visit(page, "/admin/kategorier/ny", "admin category new")
    submit_with_errors(page, "Spara", "admin category errors")
    visit(page, "/admin/kommuner", "admin municipalities")
    visit(page, "/admin/kommuner/1381", "admin municipality")
    visit(page, "/admin/kommuner/ny", "admin municipality new")
    submit_with_errors(page, "Lägg till", "admin municipality errors")
    visit(page, "/admin/lan/ny", "admin region new")
    submit_with_errors(page, "Lägg till", "admin region errors")
    visit(page, "/admin/konton", "admin accounts")
    visit(page, f"/admin/konton/{member_id}", "admin account")
    visit(page, f"/admin/konton/{member_id}/radera", "admin delete account")
    visit(page, "/admin/natverk", "admin networks")
    visit(page, f"/admin/natverk/{network_id}", "admin network")
    visit(page, "/admin/natverk/ny", "admin network new")
    submit_with_errors(page, "Skapa", "admin network errors")


def test_error_pages(page: Page, sign_in) -> None:
    visit(page, "/traffar/ny", "login required")  # signed out: the login page
    visit(page, "/logga-ut", "method not allowed", status=405)
    sign_in()
    visit(page, "/fragor/999999", "question not found", status=404)


def test_a_change_of_municipality_waits_for_a_coordinator(page: Page, sign_in) -> None:
    """The demo ambassador asks to move to Varberg; the Halland coordinator sees the request
    and refuses it, which gives Laholm back (so the demo data is as before)."""
    sign_in()
    page.goto("/installningar/profil")
    page.get_by_label("Kommun", exact=True).select_option(label="Varberg")
    page.get_by_role("button", name="Spara profilen").click()
    expect(page.get_by_text("väntar på att en samordnare").first).to_be_visible()
    check_page(page, "profile with a change waiting")
    sign_in(email="samordnare@demo.stafetten.se")
    visit(page, "/katalog/kommunbyten", "municipality changes")
    page.get_by_role("button", name="Neka").first.click()
    expect(page.get_by_text("Bytet av kommun är nekat.")).to_be_visible()
    check_page(page, "municipality changes, none waiting")
