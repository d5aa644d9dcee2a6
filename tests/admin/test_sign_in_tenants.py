"""Which tenants or identity providers sign people in as members of a municipality."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import SignInTenant
from hub.extensions import db

TENANT = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


def tenants() -> list[tuple[str, str, str]]:
    rows = db.session.scalars(select(SignInTenant).order_by(SignInTenant.id))
    return [(t.kind, t.key, t.municipality_code) for t in rows]


def add(post, code: str, kind: str, key: str):
    return post(
        f"/admin/kommuner/{code}/inloggning", **{"inloggning-kind": kind, "inloggning-key": key}
    )


def test_an_admin_maps_tenants_and_issuers_beside_the_email_domains(client, admin, post):
    assert add(post, "1381", "entra", f" {TENANT} ").status_code == 302
    assert add(post, "1381", "issuer", "https://idp.laholm.se/").status_code == 302
    assert add(post, "1381", "saml", "urn:laholm:adfs").status_code == 302
    assert tenants() == [
        ("entra", TENANT.lower(), "1381"),
        ("issuer", "https://idp.laholm.se/", "1381"),
        ("saml", "urn:laholm:adfs", "1381"),
    ]
    page = client.get("/admin/kommuner/1381").text
    assert "Inloggning med kommunens konto" in page
    assert TENANT.lower() in page and "urn:laholm:adfs" in page


def test_a_tenant_belongs_to_one_municipality(admin, post):
    add(post, "1381", "entra", TENANT)
    response = add(post, "1380", "entra", TENANT.lower())
    assert response.status_code == 400
    assert "Den hör redan till kommun nummer 1381." in response.text
    assert tenants() == [("entra", TENANT.lower(), "1381")]


def test_bad_keys_get_a_message_at_the_field_and_keep_the_text(admin, post):
    cases = [
        ("entra", "laholm.se", "Skriv klientorganisationens id som det står i Entra"),
        ("issuer", "http://idp.laholm.se", "Skriv utfärdarens adress, som börjar med https://"),
        ("issuer", "https://", "Skriv utfärdarens adress"),
        ("issuer", "https://idp.laholm.se/ x", "Skriv utfärdarens adress"),
        ("saml", "urn:laholm adfs", "Skriv identitetsleverantörens entity ID"),
        ("ldap", "x", "Välj ett slags inloggning i listan."),
        ("entra", "", "Skriv id:t eller adressen."),
    ]
    for kind, key, message in cases:
        response = add(post, "1381", kind, key)
        assert response.status_code == 400, (kind, key)
        assert message in response.text, (kind, key)
        if key:
            assert key.strip() in response.text
    assert tenants() == []


def test_plain_http_issuers_only_on_loopback(admin, post):
    assert add(post, "1381", "issuer", "http://127.0.0.1:8080/tenant").status_code == 302
    assert tenants() == [("issuer", "http://127.0.0.1:8080/tenant", "1381")]


def test_removing_a_tenant(admin, post):
    add(post, "1381", "entra", TENANT)
    tenant_id = db.session.scalar(select(SignInTenant.id))
    assert post(f"/admin/kommuner/1380/inloggning/{tenant_id}/ta-bort").status_code == 404
    response = post(f"/admin/kommuner/1381/inloggning/{tenant_id}/ta-bort")
    assert response.status_code == 302
    assert tenants() == []
    assert post(f"/admin/kommuner/1381/inloggning/{tenant_id}/ta-bort").status_code == 404
