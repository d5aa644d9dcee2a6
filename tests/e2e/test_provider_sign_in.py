"""Signing in with the municipality's own account in Debian's Chromium, through a real OpenID
Connect provider's login page on loopback (tests/auth/oidc_provider.py): the first sign-in makes
a new member, signing out offers the provider's sign-out. The hub's pages are checked with axe
and the Nu checker; the provider's page is the provider's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from hub.auth.models import ExternalIdentity, SignInTenant, TenantKind, User
from hub.extensions import db
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.e2e.checks import check_page
from tests.e2e.conftest import PageGuard

TENANT = "44444444-4444-4444-8444-444444444444"
EMAIL = "e2e.sara.kommunkonto@laholm.se"


@pytest.fixture
def provider(live_app) -> Iterator[Provider]:
    """A provider for Laholm's tenant, configured in the live hub for this test only (other
    tests' login page has no provider button)."""
    provider = Provider(multi_tenant=True).start()
    live_app.config.update(
        OIDC_METADATA_URL=provider.metadata_url,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    with live_app.app_context():
        db.session.add(SignInTenant(kind=TenantKind.ENTRA, key=TENANT, municipality_code="1381"))
        db.session.commit()
    try:
        yield provider
    finally:
        live_app.config.update(OIDC_METADATA_URL=None, OIDC_CLIENT_ID=None)
        live_app.extensions.pop("hub_oidc", None)
        with live_app.app_context():
            db.session.execute(delete(SignInTenant).where(SignInTenant.key == TENANT))
            db.session.commit()
        provider.stop()


@pytest.fixture
def two_origin_page(browser, live_server: str, provider: Provider) -> Iterator[Page]:
    """As the ``page`` fixture, but the provider's origin may load too."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 800}, locale="sv-SE"
    )
    context.set_default_timeout(10_000)
    hub, idp = PageGuard(live_server), PageGuard(provider.base)

    def route(request_route) -> None:
        if request_route.request.url.startswith(provider.base):
            request_route.continue_()
        else:
            hub.route(request_route)

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", hub.console)
    page.on("pageerror", hub.page_error)
    try:
        yield page
    finally:
        context.close()
    hub.assert_clean()
    idp.assert_clean()


def test_first_sign_in_with_the_municipalitys_account(
    two_origin_page: Page, provider: Provider, live_app
) -> None:
    page = two_origin_page
    provider.add_person("sara", name="Sara Kommunkonto", email=EMAIL, tenant=TENANT, amr=["mfa"])

    page.goto("/logga-in")
    check_page(page, "login with the municipality's account")
    page.get_by_role("button", name="Logga in med kommunens konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommunens inloggning")
    assert page.url.startswith(provider.base)
    assert provider.authorize_requests[-1]["prompt"] == "select_account"
    page.get_by_label("Användarnamn").fill("sara")
    page.get_by_label("Lösenord").fill("hemligt")
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Första gången med kommunens konto")
    check_page(page, "provider first sign-in")
    page.get_by_role("button", name="Skapa mitt konto").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()

    page.goto("/installningar/konto")
    expect(page.get_by_text(EMAIL).first).to_be_visible()
    check_page(page, "account with a linked municipality account")
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        assert user.municipality_code == "1381"
        identity = db.session.scalar(
            select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
        )
        assert identity.issuer == provider.issuer_for(TENANT)

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad från Stafetten")
    check_page(page, "signed out, provider sign-out offered")
    page.get_by_role("link", name="Logga ut från kommunens konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad")
    assert page.url.startswith(f"{provider.base}/logout?")
