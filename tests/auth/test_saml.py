"""Signing in with the municipality's own account over SAML 2.0, against a real pysaml2
identity provider on loopback that signs with xmlsec1 (tests/auth/saml_idp.py)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from hub.auth.models import ExternalIdentity, User
from hub.extensions import db
from tests.auth.providers import SamlFlow, signed_in
from tests.conftest import csrf_token

MAIL = "urn:oid:0.9.2342.19200300.100.1.3"


def identities() -> list[tuple[int, str, str]]:
    rows = db.session.scalars(select(ExternalIdentity).order_by(ExternalIdentity.id))
    return [(row.user_id, row.issuer, row.subject) for row in rows]


def test_metadata_at_a_stable_address(client, saml_idp):
    response = client.get("/saml/metadata")
    assert response.status_code == 200
    assert response.mimetype == "application/samlmetadata+xml"
    assert 'entityID="http://stafetten.test/saml/metadata"' in response.text
    assert 'WantAssertionsSigned="true"' in response.text
    assert "http://stafetten.test/saml/acs" in response.text


def test_a_new_member_signs_in_over_saml(client, saml_idp):
    saml_idp.add_person(
        "ulla",
        subject="ulla-123",
        attributes={"mail": ["ulla@kungsbacka.se"], "displayName": ["Ulla Saml"]},
    )
    response = SamlFlow(client, saml_idp).sign_in("ulla")
    assert response.headers["Location"] == "/logga-in/kommun/forsta-gangen"
    assert "Ulla Saml" in client.get("/logga-in/kommun/forsta-gangen").text
    token = csrf_token(client.get("/logga-in/kommun/forsta-gangen").text)
    assert (
        client.post("/logga-in/kommun/forsta-gangen/ny", data={"csrf_token": token}).status_code
        == 302
    )
    user = db.session.scalar(select(User).where(User.email == "ulla@kungsbacka.se"))
    assert (user.name, user.municipality_code) == ("Ulla Saml", "1384")
    assert identities() == [(user.id, saml_idp.entity_id, "ulla-123")]
    assert signed_in(client)

    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    response = SamlFlow(client, saml_idp).sign_in("ulla", next_url="/fragor")
    assert response.headers["Location"] == "/fragor"
    assert signed_in(client)


def ulla(idp, **fields) -> None:
    idp.add_person(
        "ulla",
        subject="ulla-123",
        attributes={"mail": ["ulla@kungsbacka.se"], "displayName": ["Ulla Saml"]},
        **fields,
    )


@pytest.mark.parametrize("tamper", ["unsigned", "forged", "audience", "sha1"])
def test_unsigned_resigned_or_misaddressed_assertions_are_refused(client, saml_idp, tamper, caplog):
    ulla(saml_idp)
    saml_idp.tamper[tamper] = True
    response = SamlFlow(client, saml_idp).sign_in("ulla")
    assert response.status_code == 400
    assert "Inloggningen med kommunens konto gick inte igenom" in response.text
    assert "refused (invalid): SAML response" in caplog.text
    assert not signed_in(client)
    assert client.get("/logga-in/kommun/forsta-gangen").status_code == 302


def test_a_changed_assertion_is_refused(client, saml_idp):
    ulla(saml_idp)
    flow = SamlFlow(client, saml_idp)
    fields = flow.to_idp("ulla")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "ulla-123" in xml
    fields["SAMLResponse"] = base64.b64encode(xml.replace("ulla-123", "admin-1").encode()).decode()
    response = flow.post_back(fields)
    assert response.status_code == 400
    assert not signed_in(client)


def test_a_response_that_is_not_xml_is_refused(client, saml_idp):
    ulla(saml_idp)
    flow = SamlFlow(client, saml_idp)
    fields = flow.to_idp("ulla")
    for junk in ("inte base64!", base64.b64encode(b"<inte xml").decode()):
        assert flow.post_back({**fields, "SAMLResponse": junk}).status_code == 400
    assert not signed_in(client)


@pytest.mark.parametrize("relay", ["https://elak.example/", "/fragor", ""])
def test_relay_state_is_never_a_place_to_go(client, saml_idp, relay):
    ulla(saml_idp)
    flow = SamlFlow(client, saml_idp)
    fields = flow.to_idp("ulla")
    response = flow.post_back({**fields, "RelayState": relay})
    assert response.status_code == 400
    assert not signed_in(client)


def test_next_off_site_goes_to_the_start_page(client, saml_idp, create_user):
    ulla(saml_idp)
    flow = SamlFlow(client, saml_idp)
    flow.sign_in("ulla")
    token = csrf_token(client.get("/logga-in/kommun/forsta-gangen").text)
    client.post("/logga-in/kommun/forsta-gangen/ny", data={"csrf_token": token})
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    response = flow.sign_in("ulla", next_url="https://elak.example/")
    assert response.headers["Location"] == "/"


def test_a_replayed_response_signs_nobody_in(app, client, saml_idp):
    ulla(saml_idp)
    flow = SamlFlow(client, saml_idp)
    fields = flow.to_idp("ulla")
    assert flow.post_back(fields).status_code == 302
    # Again in this browser: its sign-in is used up.
    assert flow.post_back(fields).status_code == 400
    # In another browser, which did not start this sign-in.
    other = app.test_client()
    assert SamlFlow(other, saml_idp).post_back(fields).status_code == 400
    assert not signed_in(other)


def test_an_unmapped_identity_provider(client, saml_idp):
    from hub.auth.models import SignInTenant

    db.session.execute(SignInTenant.__table__.delete())
    db.session.commit()
    ulla(saml_idp)
    response = SamlFlow(client, saml_idp).sign_in("ulla")
    assert response.status_code == 403
    assert "Be en samordnare i din kommun" in response.text


def test_mfa_at_the_identity_provider_skips_the_hubs_code(client, saml_idp, create_user):
    import pyotp

    from hub.auth import twofactor
    from hub.auth.identities import ProviderIdentity, do_link
    from hub.auth.models import Role

    staff = create_user(role=Role.COORDINATOR, email="staff@kungsbacka.se")
    staff.totp_secret = twofactor.seal_secret(pyotp.random_base32())
    for username, subject, mfa in (("med", "s-mfa", True), ("utan", "s-pwd", False)):
        saml_idp.add_person(username, subject=subject, attributes={}, mfa=mfa)
        do_link(
            staff,
            ProviderIdentity.from_claims(
                protocol="saml",
                issuer=saml_idp.entity_id,
                subject=subject,
                municipality_code="1384",
                name=None,
                email=None,
                username=None,
                mfa=False,
            ),
        )
    db.session.commit()
    response = SamlFlow(client, saml_idp).sign_in("med")
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    response = SamlFlow(client, saml_idp).sign_in("utan")
    assert response.headers["Location"] == "/logga-in/kod"
    assert not signed_in(client)


def test_without_a_mail_attribute_the_address_is_asked_for(client, saml_idp):
    saml_idp.add_person("vera", subject="vera-9", attributes={"displayName": ["Vera"]})
    SamlFlow(client, saml_idp).sign_in("vera")
    assert (
        "Kommunen berättade inte din e-postadress"
        in client.get("/logga-in/kommun/forsta-gangen").text
    )


def test_saml_is_off_until_configured(app, client):
    app.config["SAML_IDP_METADATA"] = None
    assert client.get("/saml/metadata").status_code == 404
    assert client.post("/saml/acs").status_code == 404
    assert client.get("/logga-in/saml/klar?t=x").status_code == 404
    token = csrf_token(client.get("/logga-in").text)
    assert client.post("/logga-in/saml", data={"csrf_token": token}).status_code == 404
    assert "(SAML)" not in client.get("/logga-in").text


def test_the_login_page_offers_saml_and_refuses_an_unknown_provider(client, saml_idp):
    page = client.get("/logga-in").text
    assert "Logga in med kommunens konto (SAML)" in page
    response = client.post(
        "/logga-in/saml", data={"csrf_token": csrf_token(page), "idp": "https://annan.example"}
    )
    assert response.status_code == 400
