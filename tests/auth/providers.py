"""Fixtures and helpers for signing in through real OpenID Connect providers on loopback.

Two provider instances stand for two kinds of municipality: ``entra`` serves many tenants as
Microsoft Entra's ``organizations`` authority does (Laholm's and Halmstad's tenants, and one
nobody has mapped), ``plain`` is any standard provider with one fixed issuer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from hub.auth.models import SignInTenant, TenantKind
from hub.extensions import db
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.conftest import csrf_token

LAHOLM_TENANT = "11111111-1111-4111-8111-111111111111"
HALMSTAD_TENANT = "22222222-2222-4222-8222-222222222222"
UNMAPPED_TENANT = "33333333-3333-4333-8333-333333333333"


@pytest.fixture(scope="session")
def entra_provider() -> Iterator[Provider]:
    provider = Provider(multi_tenant=True).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def plain_provider() -> Iterator[Provider]:
    provider = Provider().start()
    yield provider
    provider.stop()


def use_provider(app, provider: Provider, client_id: str = CLIENT_ID) -> None:
    app.config.update(
        OIDC_METADATA_URL=provider.metadata_url,
        OIDC_CLIENT_ID=client_id,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    app.extensions.pop("hub_oidc", None)  # the client is made anew with these settings


@pytest.fixture
def entra(app, entra_provider: Provider) -> Provider:
    """The multi-tenant provider, configured; Laholm's and Halmstad's tenants mapped."""
    entra_provider.reset()
    use_provider(app, entra_provider)
    db.session.add_all(
        [
            SignInTenant(kind=TenantKind.ENTRA, key=LAHOLM_TENANT, municipality_code="1381"),
            SignInTenant(kind=TenantKind.ENTRA, key=HALMSTAD_TENANT, municipality_code="1380"),
        ]
    )
    db.session.commit()
    return entra_provider


class Flow:
    """One trip through the provider, as a browser makes it: the hub's start button, the
    provider's login page, and the redirect back (returned, not yet followed)."""

    def __init__(self, client, provider: Provider) -> None:
        self.client = client
        self.provider = provider
        self.browser = requests.Session()

    def start(self, *, next_url: str | None = None, remember: bool = False):
        token = csrf_token(self.client.get("/logga-in").text)
        data = {"csrf_token": token}
        if remember:
            data["kommun-remember"] = "y"
        url = "/logga-in/kommun" + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data=data)

    def to_provider(self, username: str, password: str = "hemligt", **start) -> str:  # noqa: S107
        """Through the provider's login page; the path of the callback, with code and state."""
        response = self.start(**start)
        assert response.status_code == 302, response.text
        authorize_url = response.headers["Location"]
        page = self.browser.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text
        assert "Kommunens inloggning" in page.text
        answer = self.browser.post(
            authorize_url,
            data={"username": username, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text
        callback = urlsplit(answer.headers["Location"])
        assert callback.netloc == "stafetten.test"
        return f"{callback.path}?{callback.query}"

    def sign_in(self, username: str, **start):
        return self.client.get(self.to_provider(username, **start))


@pytest.fixture
def flow(client, entra: Provider) -> Flow:
    return Flow(client, entra)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def signed_in(client) -> bool:
    return client.get("/installningar").status_code == 200


@pytest.fixture(scope="session")
def saml_idp_server(tmp_path_factory) -> Iterator:
    from tests.auth.saml_idp import SamlIdp

    idp = SamlIdp(tmp_path_factory.mktemp("saml")).start()
    yield idp
    idp.stop()


@pytest.fixture
def saml_idp(app, client, saml_idp_server):
    """The SAML identity provider, trusted by the hub and trusting the hub; mapped to Kungsbacka."""
    app.config["SAML_IDP_METADATA"] = str(saml_idp_server.metadata_path)
    app.extensions.pop("hub_saml", None)
    saml_idp_server.reset(client.get("/saml/metadata").text)
    db.session.add(
        SignInTenant(kind=TenantKind.SAML, key=saml_idp_server.entity_id, municipality_code="1384")
    )
    db.session.commit()
    return saml_idp_server


class SamlFlow:
    """A browser's trip: the hub's button, the identity provider's page, its auto-posting form."""

    def __init__(self, client, idp) -> None:
        self.client = client
        self.idp = idp
        self.browser = requests.Session()

    def start(self, *, next_url: str | None = None, remember: bool = False):
        data = {"csrf_token": csrf_token(self.client.get("/logga-in").text)}
        if remember:
            data["kommun-remember"] = "y"
        return self.client.post(
            "/logga-in/saml" + (f"?next={next_url}" if next_url else ""), data=data
        )

    def to_idp(self, username: str, **start) -> dict[str, str]:
        """The fields the identity provider's page posts to the hub (SAMLResponse, RelayState)."""
        from tests.auth.saml_idp import posted_fields

        response = self.start(**start)
        assert response.status_code == 302, response.text
        url = response.headers["Location"]
        assert url.startswith(self.idp.base)
        assert "Kommunens inloggning" in self.browser.get(url, timeout=10).text
        page = self.browser.post(url, data={"username": username}, timeout=10)
        assert page.status_code == 200, page.text
        fields = posted_fields(page.text)
        assert "SAMLResponse" in fields, page.text
        return fields

    def post_back(self, fields: dict[str, str]):
        """The ACS, then (as a browser follows the 303) the GET that signs in."""
        answer = self.client.post("/saml/acs", data=fields)
        if answer.status_code != 303:
            return answer
        return self.client.get(answer.headers["Location"])

    def sign_in(self, username: str, **start):
        return self.post_back(self.to_idp(username, **start))
