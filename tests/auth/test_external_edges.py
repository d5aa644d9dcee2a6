"""The corners of signing in with the municipality's account: malformed claims and sessions,
links that do not fit, a provider without a sign-out address, several SAML providers."""

from __future__ import annotations

import pytest

from hub.auth import identities, oidc, saml, tokens
from hub.auth.identities import ProviderIdentity, SignInRefused
from tests.auth.providers import LAHOLM_TENANT, signed_in
from tests.conftest import csrf_token


def identity(**fields) -> ProviderIdentity:
    values = {
        "protocol": "oidc",
        "issuer": "https://idp.laholm.se",
        "subject": "s-1",
        "municipality_code": "1381",
        "name": "Anna",
        "email": "anna@laholm.se",
        "username": None,
        "mfa": False,
    }
    values.update(fields)
    return ProviderIdentity.from_claims(**values)


def test_claims_are_tidied_and_odd_addresses_dropped():
    assert identity(email="inte en adress").email is None
    assert identity(email=["a@b.se"]).email is None
    tidy = identity(name="  Anna \x00 Berg ", email="Anna@Laholm.SE")
    assert (tidy.name, tidy.email, tidy.label) == ("Anna Berg", "anna@laholm.se", "Anna@Laholm.SE")
    assert identity(email=None, name=None, username=None).label == "s-1"


@pytest.mark.parametrize(
    "data", [None, "x", {"t": "x"}, {"t": 0, "protocol": "oidc"}, {"t": 10**12, "bogus": 1}]
)
def test_a_pending_identity_must_be_whole_and_fresh(app, data):
    assert ProviderIdentity.from_session(data) is None


def test_a_fresh_pending_identity_comes_back(app):
    original = identity()
    assert ProviderIdentity.from_session(original.as_session()) == original


def test_expected_issuer_needs_a_plain_tenant_id():
    template = {"issuer": "https://login.example/{tenantid}/v2.0"}
    assert oidc.expected_issuer(template, {"tid": "abc"}) == "https://login.example/abc/v2.0"
    assert oidc.expected_issuer(template, {}) is None
    assert oidc.expected_issuer(template, {"tid": "a/../b"}) is None
    assert oidc.expected_issuer({}, {"tid": "abc"}) is None


def test_a_new_member_needs_an_address(app):
    with pytest.raises(ValueError):
        identities.do_create_member(identity(email=None))


def test_mailed_links_that_do_not_fit(app, create_user):
    user = create_user()
    good = {"u": user.id, "f": identities.link_fingerprint(user)}
    cases = [
        ({"u": "x"}, tokens.TokenInvalid),
        ({**good, "i": "not a dict"}, tokens.TokenInvalid),
        ({**good, "i": {"bogus": 1}}, tokens.TokenInvalid),
        ({**good, "f": "old", "i": {}}, tokens.TokenGone),
    ]
    for payload, error in cases:
        token = tokens.make_token(tokens.LINK_IDENTITY, payload)
        with pytest.raises(error):
            identities.link_request_for(token)


def test_mail_requests_are_rate_limited(app, create_user, outbox):
    user = create_user(email="rate@laholm.se")
    for _ in range(4):
        identities.request_link_by_mail(user.email, identity())
    assert len(outbox("account_link_identity")) == 2


def test_linking_the_same_identity_twice_is_one_link(app, create_user):
    user = create_user()
    first = identities.do_link(user, identity())
    assert identities.do_link(user, identity()) is first


def test_first_time_forms_keep_what_was_typed(client, flow, entra):
    entra.add_person("anna", name="Anna", email="anna@laholm.se", tenant=LAHOLM_TENANT)
    flow.sign_in("anna")
    token = csrf_token(client.get("/logga-in/kommun/forsta-gangen").text)
    response = client.post(
        "/logga-in/kommun/forsta-gangen/losenord",
        data={"csrf_token": token, "losenord-email": "fel-adress"},
    )
    assert response.status_code == 400 and 'value="fel-adress"' in response.text
    response = client.post(
        "/logga-in/kommun/forsta-gangen/mejl", data={"csrf_token": token, "mejl-email": "x y"}
    )
    assert response.status_code == 400 and 'value="x y"' in response.text


def test_too_many_password_tries_while_linking(app, client, flow, entra, create_user):
    app.config["LOGIN_IP_LIMITS"] = ((2, 60),)
    create_user(email="p@laholm.se")
    entra.add_person("p", name="P", tenant=LAHOLM_TENANT)
    flow.sign_in("p")
    statuses = []
    for _ in range(3):
        token = csrf_token(client.get("/logga-in/kommun/forsta-gangen").text)
        data = {"csrf_token": token, "losenord-email": "p@laholm.se", "losenord-password": "fel"}
        statuses.append(
            client.post("/logga-in/kommun/forsta-gangen/losenord", data=data).status_code
        )
    assert statuses[-1] == 429


def test_a_provider_without_a_sign_out_address(app, client, flow, entra, create_user, monkeypatch):
    from tests.auth.test_oidc import link_existing

    user = create_user(email="q@laholm.se")
    link_existing(flow, entra, user, username="q", name="Q")
    flow.sign_in("q")
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    client_ = oidc.client()
    monkeypatch.delitem(client_.server_metadata, "end_session_endpoint")
    assert client.get("/utloggad").headers["Location"] == "/"


def test_an_answer_without_an_id_token(app, monkeypatch):
    monkeypatch.setattr(oidc, "client", lambda: FakeClient({}))
    with app.test_request_context(), pytest.raises(SignInRefused) as refused:
        oidc.finish()
    assert refused.value.reason == "invalid"


class FakeClient:
    """Stands in for a provider whose token answer lacks what the hub needs (a provider that
    breaks the protocol cannot be made from the real one without patching it)."""

    client_id = "c"

    def __init__(self, token: dict) -> None:
        self.token = token

    def load_server_metadata(self) -> dict:
        return {"issuer": "https://idp.example"}

    def authorize_access_token(self, **_kwargs) -> dict:
        return self.token


def test_a_token_without_a_usable_subject(app, monkeypatch):
    from hub.auth.models import SignInTenant, TenantKind
    from hub.extensions import db

    db.session.add(
        SignInTenant(kind=TenantKind.ISSUER, key="https://idp.example", municipality_code="1381")
    )
    db.session.flush()
    claims = {"iss": "https://idp.example", "sub": ""}
    with pytest.raises(SignInRefused):
        oidc.identity_from({"issuer": "https://idp.example"}, claims)
    # A provider with one issuer that also sends Entra's tid: the tenant mapping counts too.
    db.session.add(SignInTenant(kind=TenantKind.ENTRA, key=LAHOLM_TENANT, municipality_code="1380"))
    db.session.flush()
    found = oidc.identity_from(
        {"issuer": "https://other.example"},
        {"iss": "https://other.example", "sub": "x", "tid": LAHOLM_TENANT.upper()},
    )
    assert found.municipality_code == "1380"


def test_saml_handover_tokens_that_do_not_fit(app):
    with app.test_request_context(), pytest.raises(SignInRefused):
        saml.read_handover("not-a-token", "nonce")


def test_several_saml_providers_are_chosen_by_municipality(app, client, saml_idp, tmp_path):
    from hub.auth.models import SignInTenant, TenantKind
    from hub.extensions import db
    from tests.auth.saml_idp import SamlIdp

    other = SamlIdp(tmp_path).start()
    try:
        app.config["SAML_IDP_METADATA"] = f"{saml_idp.metadata_path},{other.metadata_path}"
        app.extensions.pop("hub_saml", None)
        db.session.add(
            SignInTenant(kind=TenantKind.SAML, key=other.entity_id, municipality_code="1380")
        )
        db.session.commit()
        page = client.get("/logga-in").text
        assert '<select id="saml-idp" name="idp">' in page
        assert "Halmstad" in page and "Kungsbacka" in page
        response = client.post(
            "/logga-in/saml", data={"csrf_token": csrf_token(page), "idp": other.entity_id}
        )
        assert response.headers["Location"].startswith(other.base)
    finally:
        other.stop()
    assert not signed_in(client)
