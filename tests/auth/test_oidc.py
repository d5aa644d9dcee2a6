"""Signing in with the municipality's own account over OpenID Connect, against real providers
on loopback (tests/auth/oidc_provider.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from hub.auth.models import ExternalIdentity, User
from hub.extensions import db
from tests.auth.providers import (
    HALMSTAD_TENANT,
    LAHOLM_TENANT,
    query_of,
    signed_in,
)
from tests.conftest import csrf_token


def identities() -> list[tuple[int, str, str]]:
    rows = db.session.scalars(select(ExternalIdentity).order_by(ExternalIdentity.id))
    return [(row.user_id, row.issuer, row.subject) for row in rows]


def post_first_time(client, step: str, **data):
    token = csrf_token(client.get("/logga-in/kommun/forsta-gangen").text)
    return client.post(f"/logga-in/kommun/forsta-gangen/{step}", data={"csrf_token": token, **data})


def test_a_new_member_signs_in_with_the_municipalitys_account(client, flow, entra):
    person = entra.add_person(
        "anna", name="Anna Berg", email="Anna.Berg@laholm.se", tenant=LAHOLM_TENANT
    )
    response = flow.sign_in("anna")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in/kommun/forsta-gangen"
    assert not signed_in(client)
    page = client.get("/logga-in/kommun/forsta-gangen").text
    assert "Första gången med kommunens konto" in page and "anna.berg@laholm.se" in page

    response = post_first_time(client, "ny")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anna.berg@laholm.se"))
    assert (user.name, user.municipality_code) == ("Anna Berg", "1381")
    assert user.email_confirmed_at is not None
    # Entra's oid identifies the person, in the tenant's own issuer.
    assert identities() == [(user.id, entra.issuer_for(LAHOLM_TENANT), person.oid)]
    assert signed_in(client)

    # The authorization request: code flow with PKCE (S256) and a nonce, account picker.
    request = entra.authorize_requests[0]
    assert request["response_type"] == "code"
    assert request["prompt"] == "select_account"
    assert request["code_challenge_method"] == "S256" and len(request["code_challenge"]) >= 43
    assert len(request["nonce"]) >= 20 and request["state"]
    assert "openid" in request["scope"].split()


def test_the_next_sign_in_goes_straight_in(app, client, flow, entra):
    entra.add_person("anna", name="Anna Berg", email="anna@laholm.se", tenant=LAHOLM_TENANT)
    flow.sign_in("anna")
    post_first_time(client, "ny")
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/installningar").text)})
    assert not signed_in(client)

    response = flow.sign_in("anna", next_url="/fragor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fragor"
    assert signed_in(client)
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "anna@laholm.se")) == 1
    row = db.session.scalar(select(ExternalIdentity))
    assert row.last_used_at is not None


def test_a_token_without_email_asks_for_the_address_and_confirms_it(client, flow, entra, outbox):
    entra.add_person("bo", name="Bo Ek", tenant=LAHOLM_TENANT)
    flow.sign_in("bo")
    page = client.get("/logga-in/kommun/forsta-gangen").text
    assert "Kommunen berättade inte din e-postadress" in page
    response = post_first_time(client, "ny", **{"ny-email": "inte en adress"})
    assert response.status_code == 400
    assert "Skriv en e-postadress som namn@kommun.se." in response.text
    assert 'value="inte en adress"' in response.text

    response = post_first_time(client, "ny", **{"ny-email": "bo.ek@laholm.se"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "bo.ek@laholm.se"))
    assert user.email_confirmed_at is None  # typed, not from the provider
    assert [m.to_address for m in outbox("confirm_email")] == ["bo.ek@laholm.se"]
    assert signed_in(client)


def test_same_email_in_another_tenant_is_another_identity(client, flow, entra):
    anna = entra.add_person("anna", name="Anna", email="anna@kommun.se", tenant=LAHOLM_TENANT)
    flow.sign_in("anna")
    post_first_time(client, "ny")
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/installningar").text)})
    # Halmstad's tenant: the same address and even the same oid.
    entra.add_person(
        "anna2", name="Anna", email="anna@kommun.se", tenant=HALMSTAD_TENANT, oid=anna.oid
    )

    response = flow.sign_in("anna2")
    assert response.headers["Location"] == "/logga-in/kommun/forsta-gangen"
    assert not signed_in(client)
    page = client.get("/logga-in/kommun/forsta-gangen").text
    assert "Det finns redan ett konto med adressen anna@kommun.se" in page
    response = post_first_time(client, "ny")
    assert response.status_code == 409
    assert "Det finns redan ett konto med den adressen." in response.text
    assert not signed_in(client)
    assert len(identities()) == 1
    assert identities()[0][1] == entra.issuer_for(LAHOLM_TENANT)


def test_an_email_claim_never_links_accounts_by_itself(client, flow, entra, create_user):
    owner = create_user(email="cecilia@laholm.se", name="Cecilia")
    entra.add_person("cecilia", name="Cecilia", email="cecilia@laholm.se", tenant=LAHOLM_TENANT)
    response = flow.sign_in("cecilia")
    assert response.headers["Location"] == "/logga-in/kommun/forsta-gangen"
    assert not signed_in(client)
    assert identities() == []
    assert post_first_time(client, "ny").status_code == 409
    assert identities() == [] and not signed_in(client)

    # The owner proves it once with the password.
    wrong = post_first_time(
        client, "losenord", **{"losenord-email": "cecilia@laholm.se", "losenord-password": "fel"}
    )
    assert wrong.status_code == 400
    assert "E-postadressen eller lösenordet stämmer inte." in wrong.text
    assert identities() == []
    from tests.factories import PASSWORD

    response = post_first_time(
        client, "losenord", **{"losenord-email": "cecilia@laholm.se", "losenord-password": PASSWORD}
    )
    assert response.status_code == 302
    assert [row[0] for row in identities()] == [owner.id]
    assert signed_in(client)


def test_linking_by_a_mailed_link(app, client, flow, entra, create_user, outbox):
    from tests.auth.conftest import link_in

    owner = create_user(email="dan@laholm.se", name="Dan")
    entra.add_person("dan", name="Dan", tenant=LAHOLM_TENANT)
    flow.sign_in("dan")
    response = post_first_time(client, "mejl", **{"mejl-email": "dan@laholm.se"})
    assert response.status_code == 200
    assert "Titta i din e-post" in response.text
    # An address without an account gets the same answer and no mail.
    post_first_time(client, "mejl", **{"mejl-email": "ingen@laholm.se"})
    mails = outbox("account_link_identity")
    assert [m.to_address for m in mails] == ["dan@laholm.se"]
    path = link_in(mails[0], "/logga-in/kommun/koppla/")

    # Another browser (someone sent the mail to an address not theirs): nothing to press.
    other = app.test_client()
    page = other.get(path)
    assert page.status_code == 409 and "Öppna länken på samma dator" in page.text
    assert other.post(path, data={"csrf_token": csrf_token(other.get("/").text)}).status_code == 409
    assert identities() == []

    page = client.get(path)
    assert page.status_code == 200 and identities() == []  # a GET changes nothing
    response = client.post(path, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert [row[0] for row in identities()] == [owner.id]
    assert signed_in(client)
    assert [m.to_address for m in outbox("account_identity_linked")] == ["dan@laholm.se"]

    fresh = app.test_client()
    from tests.auth.providers import Flow

    assert Flow(fresh, entra).sign_in("dan").status_code == 302
    assert signed_in(fresh)


def test_a_broken_or_used_link_does_not_link(client, flow, entra, create_user, outbox):
    from tests.auth.conftest import link_in

    create_user(email="eva@laholm.se")
    entra.add_person("eva", name="Eva", tenant=LAHOLM_TENANT)
    flow.sign_in("eva")
    post_first_time(client, "mejl", **{"mejl-email": "eva@laholm.se"})
    path = link_in(outbox("account_link_identity")[0], "/logga-in/kommun/koppla/")
    assert client.get(path + "x").status_code == 404
    assert identities() == []


@pytest.mark.parametrize(
    "tamper",
    [
        {"claims": {"aud": ["another-client"]}},  # a token for another client id
        {"claims": {"nonce": "not-the-one-we-sent"}},  # a wrong nonce
        {"drop_nonce": True},  # a missing nonce
        {"claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}},  # expired
        {"claims": {"iss": "ISSUER_OF_HALMSTAD"}},  # an issuer that is not the tenant's
        {"claims": {"tid": HALMSTAD_TENANT}},  # a tenant that does not match the issuer
        {"foreign_key": True},  # signed by a key the provider does not publish
    ],
    ids=["audience", "wrong-nonce", "no-nonce", "expired", "issuer", "tenant", "signature"],
)
def test_bad_tokens_get_a_clear_page_a_log_line_and_no_session(client, flow, entra, tamper, caplog):
    entra.add_person("anna", name="Anna", email="anna@laholm.se", tenant=LAHOLM_TENANT)
    if tamper.get("claims", {}).get("iss") == "ISSUER_OF_HALMSTAD":
        tamper = {"claims": {"iss": entra.issuer_for(HALMSTAD_TENANT)}}
    entra.tamper.update(tamper)
    response = flow.sign_in("anna")
    assert response.status_code == 400
    assert "Inloggningen med kommunens konto gick inte igenom" in response.text
    assert "Sign-in with the municipality's account refused (invalid)" in caplog.text
    assert not signed_in(client)
    assert client.get("/logga-in/kommun/forsta-gangen").status_code == 302
    assert identities() == []


def test_an_unmapped_tenant_is_told_who_to_ask(client, flow, entra, caplog):
    from tests.auth.providers import UNMAPPED_TENANT

    entra.add_person("x", name="X", email="x@annan.se", tenant=UNMAPPED_TENANT)
    response = flow.sign_in("x")
    assert response.status_code == 403
    assert "Be en samordnare i din kommun" in response.text
    assert 'href="/ga-med"' in response.text  # or ask to join (#21)
    assert "refused (unmapped)" in caplog.text
    assert not signed_in(client)


def test_a_replayed_code_signs_nobody_in(app, client, flow, entra):
    entra.add_person("anna", name="Anna", email="anna@laholm.se", tenant=LAHOLM_TENANT)
    callback = flow.to_provider("anna")
    assert client.get(callback).status_code == 302
    post_first_time(client, "ny")
    assert signed_in(client)

    # The same answer again, in this browser (its state is spent) ...
    assert client.get(callback).status_code == 400
    # ... and in another one that started a sign-in of its own (the code is spent).
    from tests.auth.providers import Flow

    other = app.test_client()
    own = Flow(other, entra).start()
    state = query_of(own.headers["Location"])["state"]
    code = query_of(callback)["code"]
    response = other.get(f"/logga-in/kommun/klar?code={code}&state={state}")
    assert response.status_code == 400
    assert not signed_in(other)


def test_an_error_answer_from_the_provider(client, flow, entra):
    state = query_of(flow.start().headers["Location"])["state"]
    response = client.get(f"/logga-in/kommun/klar?error=access_denied&state={state}")
    assert response.status_code == 400
    assert not signed_in(client)


def test_next_may_not_point_off_site(client, flow, entra):
    entra.add_person("anna", name="Anna", email="anna@laholm.se", tenant=LAHOLM_TENANT)
    flow.sign_in("anna")
    post_first_time(client, "ny")
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/installningar").text)})
    for target in ("https://elak.example/", "//elak.example/", "/\\elak.example"):
        response = flow.sign_in("anna", next_url=target)
        assert response.headers["Location"] == "/", target


# --- who gets in, and how ------------------------------------------------------------------


def link_existing(flow, entra, user, **person) -> None:
    """Link ``user`` to a new person at Laholm's tenant, as done the first time."""
    from hub.auth.identities import ProviderIdentity, do_link

    found = entra.add_person(person.pop("username", "p"), tenant=LAHOLM_TENANT, **person)
    identity = ProviderIdentity.from_claims(
        protocol="oidc",
        issuer=entra.issuer_for(LAHOLM_TENANT),
        subject=found.oid,
        municipality_code="1381",
        name=found.name,
        email=None,
        username=found.username,
        mfa=False,
    )
    do_link(user, identity)
    db.session.commit()


def staff_with_totp(create_user):
    import pyotp

    from hub.auth import twofactor
    from hub.auth.models import Role

    user = create_user(role=Role.COORDINATOR, email="samordnare@laholm.se")
    secret = pyotp.random_base32()
    user.totp_secret = twofactor.seal_secret(secret)
    db.session.commit()
    return user, secret


def test_provider_mfa_lets_staff_skip_the_hubs_code(client, flow, entra, create_user):
    user, _secret = staff_with_totp(create_user)
    link_existing(flow, entra, user, username="sam", name="Sam", amr=["pwd", "mfa"])
    response = flow.sign_in("sam")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


def test_without_provider_mfa_staff_take_the_code_step(client, flow, entra, create_user):
    import pyotp

    user, secret = staff_with_totp(create_user)
    link_existing(flow, entra, user, username="sam", name="Sam", amr=["pwd"])
    response = flow.sign_in("sam")
    assert response.headers["Location"] == "/logga-in/kod"
    assert not signed_in(client)
    page = client.get("/logga-in/kod")
    code = pyotp.TOTP(secret).now()
    response = client.post(
        "/logga-in/kod", data={"code": code, "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert signed_in(client)
    # Signed in through the provider all the same: signing out offers the provider's sign-out.
    response = client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.headers["Location"] == "/utloggad"


def test_required_two_factor_setup_is_skipped_only_after_provider_mfa(
    app, client, flow, entra, create_user
):
    from hub.auth.models import Role

    app.config["REQUIRE_2FA_FOR_STAFF"] = True
    user = create_user(role=Role.COORDINATOR, email="ny.samordnare@laholm.se")
    link_existing(flow, entra, user, username="mfa", name="Med MFA", amr=["mfa"])
    flow.sign_in("mfa")
    assert client.get("/installningar").status_code == 200

    other = create_user(role=Role.COORDINATOR, email="utan@laholm.se")
    link_existing(flow, entra, other, username="pwd", name="Utan MFA", amr=["pwd"])
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    flow.sign_in("pwd")
    response = client.get("/installningar")
    assert response.status_code == 302
    assert response.headers["Location"] == "/installningar/konto/tvastegsverifiering"


def test_no_remember_cookie_unless_asked(app, client, flow, entra, create_user):
    user = create_user(email="f@laholm.se")
    link_existing(flow, entra, user, username="f", name="F")
    flow.sign_in("f")
    assert client.get_cookie("remember_token", domain="stafetten.test") is None

    from tests.auth.providers import Flow

    other = app.test_client()
    Flow(other, entra).sign_in("f", remember=True)
    assert other.get_cookie("remember_token", domain="stafetten.test") is not None


def test_signing_out_offers_the_providers_sign_out(client, flow, entra, create_user):
    user = create_user(email="g@laholm.se")
    link_existing(flow, entra, user, username="g", name="G")
    flow.sign_in("g")
    response = client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.headers["Location"] == "/utloggad"
    assert not signed_in(client)
    page = client.get("/utloggad")
    assert page.status_code == 200
    assert "Logga ut från kommunens konto" in page.text
    assert f'href="{entra.base}/logout?' in page.text
    link = page.text.split(f'href="{entra.base}/logout?')[1].split('"')[0].replace("&amp;", "&")
    params = query_of("?" + link)
    assert params["client_id"] == "stafetten-test-client"
    assert params["post_logout_redirect_uri"] == "http://stafetten.test/"


def test_a_password_sign_in_signs_out_as_before(app, client, create_user, login):
    app.config.update(OIDC_METADATA_URL=None, OIDC_CLIENT_ID=None)
    user = create_user()
    login(user)
    response = client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.headers["Location"] == "/"
    assert client.get("/utloggad").headers["Location"] == "/"
    assert "Logga in med kommunens konto" not in client.get("/logga-in").text
    assert (
        client.post(
            "/logga-in/kommun", data={"csrf_token": csrf_token(client.get("/logga-in").text)}
        ).status_code
        == 404
    )
    assert client.get("/logga-in/kommun/klar?code=x&state=y").status_code == 404


def test_the_login_page_offers_the_municipalitys_account(client, entra):
    page = client.get("/logga-in?next=/fragor").text
    assert "Logga in med kommunens konto" in page
    assert 'action="/logga-in/kommun?next=/fragor"' in page or "next=%2Ffragor" in page


def test_a_deactivated_account_is_refused(client, flow, entra, create_user):
    user = create_user(email="h@laholm.se")
    link_existing(flow, entra, user, username="h", name="H")
    user.active = False
    db.session.commit()
    response = flow.sign_in("h")
    assert response.status_code == 403
    assert "Ditt konto i Stafetten är avstängt" in response.text
    assert not signed_in(client)


def test_the_first_time_page_waits_an_hour(client, flow, entra, clock):
    entra.add_person("i", name="I", email="i@laholm.se", tenant=LAHOLM_TENANT)
    flow.sign_in("i")
    clock.advance(minutes=61)
    page = client.get("/logga-in/kommun/forsta-gangen")
    assert page.status_code == 302
    assert page.headers["Location"] == "/logga-in"
    assert "Det tog för lång tid" in client.get("/logga-in").text
    for step in ("ny", "losenord", "mejl"):
        response = client.post(
            f"/logga-in/kommun/forsta-gangen/{step}",
            data={"csrf_token": csrf_token(client.get("/logga-in").text)},
        )
        assert response.status_code == 302
    assert identities() == []


def test_an_identity_links_to_one_account_only(app, client, flow, entra, create_user, outbox):
    from tests.auth.conftest import link_in
    from tests.auth.providers import Flow
    from tests.factories import PASSWORD

    first = create_user(email="j1@laholm.se")
    second = create_user(email="j2@laholm.se")
    entra.add_person("j", name="J", tenant=LAHOLM_TENANT)
    # Two browsers sign in as the same person; one asks for a mail to j2 ...
    other = app.test_client()
    Flow(other, entra).sign_in("j")
    post_first_time(other, "mejl", **{"mejl-email": "j2@laholm.se"})
    path = link_in(outbox("account_link_identity")[0], "/logga-in/kommun/koppla/")
    # ... the other links j1 with its password first.
    flow.sign_in("j")
    post_first_time(
        client, "losenord", **{"losenord-email": "j1@laholm.se", "losenord-password": PASSWORD}
    )
    assert [row[0] for row in identities()] == [first.id]
    page = other.get(path)
    response = other.post(path, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 409
    assert "redan kopplat till ett annat konto" in response.text
    assert [row[0] for row in identities()] == [first.id]
    assert second.id not in [row[0] for row in identities()]
    assert not signed_in(other)


def test_members_see_and_remove_their_linked_accounts(client, flow, entra, create_user, login):
    user = create_user(email="k@laholm.se")
    someone = create_user(email="l@laholm.se")
    link_existing(flow, entra, user, username="k", name="K")
    link_existing(flow, entra, someone, username="l", name="L")
    login(user)
    page = client.get("/installningar/konto").text
    assert ("Kommunens konto" in page and ">k<" not in page and "k " in page) or "k" in page
    mine, theirs = db.session.scalars(select(ExternalIdentity).order_by(ExternalIdentity.id)).all()
    token = csrf_token(page)
    assert (
        client.post(
            f"/installningar/konto/kommunkonto/{theirs.id}/ta-bort", data={"csrf_token": token}
        ).status_code
        == 404
    )
    response = client.post(
        f"/installningar/konto/kommunkonto/{mine.id}/ta-bort", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert [row[0] for row in identities()] == [someone.id]
    assert "Inget konto hos kommunen är kopplat" in client.get("/installningar/konto").text


# --- any standard provider, and one that is down ----------------------------------------------


def test_another_provider_is_mapped_by_its_issuer(app, client, plain_provider):
    from hub.auth.models import SignInTenant, TenantKind
    from tests.auth.providers import Flow, use_provider

    plain_provider.reset()
    use_provider(app, plain_provider)
    plain_provider.add_person("m", name="M", email="m@varberg.se")
    response = Flow(client, plain_provider).sign_in("m")
    assert response.status_code == 403  # not mapped yet

    db.session.add(
        SignInTenant(kind=TenantKind.ISSUER, key=plain_provider.base, municipality_code="1383")
    )
    db.session.commit()
    response = Flow(client, plain_provider).sign_in("m")
    assert response.headers["Location"] == "/logga-in/kommun/forsta-gangen"
    post_first_time(client, "ny")
    user = db.session.scalar(select(User).where(User.email == "m@varberg.se"))
    assert user.municipality_code == "1383"
    person = plain_provider.people["m"]
    assert identities() == [(user.id, plain_provider.base, person.sub)]


def test_a_provider_that_is_down(app, client, caplog):
    import socket

    from tests.auth.oidc_provider import Provider
    from tests.auth.providers import Flow, use_provider

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(
        OIDC_METADATA_URL=f"http://127.0.0.1:{closed_port}/.well-known/openid-configuration",
        OIDC_CLIENT_ID="x",
    )
    response = Flow(client, None).start()
    assert response.status_code == 503
    assert "Vi når inte kommunens inloggning just nu" in response.text
    assert "refused (down)" in caplog.text

    # Down between the login page and the answer: the code cannot be exchanged.
    provider = Provider().start()
    try:
        use_provider(app, provider)
        provider.add_person("n", name="N")
        callback = Flow(client, provider).to_provider("n")
    finally:
        provider.stop()
    response = client.get(callback)
    assert response.status_code == 503
    assert not signed_in(client)


def test_an_admin_sees_and_removes_a_members_linked_account(
    client, flow, entra, create_user, login
):
    from hub.auth.models import Role

    member = create_user(email="o@laholm.se")
    link_existing(flow, entra, member, username="o", name="O")
    login(create_user(role=Role.ADMIN, email="admin@laholm.se"))
    page = client.get(f"/admin/konton/{member.id}").text
    assert entra.issuer_for(LAHOLM_TENANT) in page
    row = db.session.scalar(select(ExternalIdentity))
    token = csrf_token(page)
    url = f"/admin/konton/{member.id}/kommunkonto/{row.id}/ta-bort"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert identities() == []
    assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_the_login_page_lets_its_form_go_to_the_provider(client, flow, entra):
    policy = client.get("/logga-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {entra.base};" in policy
    flow.start()  # the metadata is known now: the authorization endpoint's origin counts too
    policy = client.get("/logga-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {entra.base};" in policy
    assert "form-action 'self';" in client.get("/registrera").headers["Content-Security-Policy"]
