"""Sign-in with the municipality's own account over OpenID Connect (Authlib's Flask client).

One provider is configured (``HUB_OIDC_*``): for Microsoft Entra the multi-tenant
``organizations`` authority, or any standard provider. Authlib runs the code flow with PKCE, a
nonce and state kept in the session; this module decides what the returned ID token is worth.
The issuer is checked per tenant: for Entra it must be the tenant's own issuer, built from the
token's ``tid`` and the metadata's ``{tenantid}`` template, never taken from the token alone.

Authlib, joserfc and requests are imported on first use, not with the app: an installation
without OpenID Connect does not pay for them in every web worker.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.wrappers import Response

from hub.auth.identities import ProviderIdentity, SignInRefused
from hub.auth.models import SignInTenant, TenantKind

log = logging.getLogger(__name__)

NAME = "kommun"
TENANT_PLACEHOLDER = "{tenantid}"
# Clocks at the provider and here may differ a little; a token older than this is refused.
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_METADATA_URL") and config.get("OIDC_CLIENT_ID"))


def client():
    """The Authlib client of this app, made on first use (the settings are read then)."""
    oauth = current_app.extensions.get("hub_oidc")
    if oauth is None:
        from authlib.integrations.flask_client import OAuth

        config = current_app.config
        oauth = OAuth(current_app._get_current_object())
        oauth.register(
            NAME,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config.get("OIDC_CLIENT_SECRET"),
            server_metadata_url=config["OIDC_METADATA_URL"],
            client_kwargs={
                "scope": config.get("OIDC_SCOPE") or "openid profile email",
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT_SECONDS,
            },
        )
        current_app.extensions["hub_oidc"] = oauth
    return getattr(oauth, NAME)


def provider_origins() -> list[str]:
    """Where the sign-in goes: the metadata's host and, once known, the authorization
    endpoint's (read without fetching anything, so a provider that is down costs nothing)."""
    urls = [current_app.config["OIDC_METADATA_URL"]]
    oauth = current_app.extensions.get("hub_oidc")
    if oauth is not None:
        urls.append(getattr(oauth, NAME).server_metadata.get("authorization_endpoint", ""))
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
            origins.append(origin)
    return origins


def authorize_redirect(redirect_uri: str) -> Response:
    """To the provider; ``select_account`` so that a shared computer's last user is not reused."""
    import requests

    try:
        return client().authorize_redirect(redirect_uri, prompt="select_account")
    except (requests.RequestException, ValueError) as error:
        raise SignInRefused("down", f"metadata: {error!r}") from error


def expected_issuer(metadata: dict, claims: dict) -> str | None:
    """The issuer a token must carry: the tenant's own when the provider serves many."""
    template = metadata.get("issuer")
    if not isinstance(template, str):
        return None
    if TENANT_PLACEHOLDER not in template:
        return template
    tenant = claims.get("tid")
    if not isinstance(tenant, str) or not tenant or "/" in tenant:
        return None
    return template.replace(TENANT_PLACEHOLDER, tenant)


def finish() -> ProviderIdentity:
    """Exchange the code in the current request and validate the ID token, or SignInRefused
    (an error answer from the provider, a state that is not this session's, a bad token)."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    app_client = client()
    try:
        metadata = app_client.load_server_metadata()
        token = app_client.authorize_access_token(
            claims_options=claims_options(metadata, app_client.client_id),
            leeway=LEEWAY_SECONDS,
        )
    except requests.RequestException as error:
        raise SignInRefused("down", repr(error)) from error
    except (AuthlibBaseError, JoseError, ValueError) as error:
        raise SignInRefused("invalid", repr(error)) from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("invalid", "no ID token in the answer")
    return identity_from(metadata, dict(claims))


def claims_options(metadata: dict, client_id: str) -> dict:
    return {
        "iss": {
            "essential": True,
            "validate": lambda claims, value: value == expected_issuer(metadata, claims),
        },
        "aud": {"essential": True, "values": [client_id]},
        "sub": {"essential": True},
    }


def identity_from(metadata: dict, claims: dict) -> ProviderIdentity:
    issuer = claims["iss"]
    tenant = find_tenant(metadata, claims)
    if tenant is None:
        raise SignInRefused("unmapped", f"no municipality for {issuer} tid={claims.get('tid')}")
    # Entra's ``oid`` is the person in the tenant; ``sub`` differs per app registration.
    subject = claims.get("oid") if tenant.kind == TenantKind.ENTRA else None
    subject = subject or claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused("invalid", "no usable subject")
    amr = claims.get("amr")
    email = claims.get("email") if claims.get("email_verified") is not False else None
    return ProviderIdentity.from_claims(
        protocol="oidc",
        issuer=issuer,
        subject=subject,
        municipality_code=tenant.municipality_code,
        name=claims.get("name"),
        email=email,
        username=claims.get("preferred_username"),
        mfa=isinstance(amr, list) and "mfa" in amr,
    )


def find_tenant(metadata: dict, claims: dict) -> SignInTenant | None:
    tenant_id = claims.get("tid")
    if TENANT_PLACEHOLDER in str(metadata.get("issuer")):
        return tenant_row(TenantKind.ENTRA, str(tenant_id).lower())
    row = tenant_row(TenantKind.ISSUER, claims["iss"])
    if row is None and isinstance(tenant_id, str):
        row = tenant_row(TenantKind.ENTRA, tenant_id.lower())
    return row


def tenant_row(kind: str, key: str) -> SignInTenant | None:
    from hub.extensions import db

    return db.session.scalar(
        select(SignInTenant).where(SignInTenant.kind == kind, SignInTenant.key == key)
    )


def logout_url(post_logout_redirect_uri: str) -> str | None:
    """The provider's sign-out address (RP-initiated logout), when it has one and answers."""
    if not enabled():
        return None
    import requests

    try:
        return (
            client()
            .create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri,
                client_id=current_app.config["OIDC_CLIENT_ID"],
            )
            .get("url")
        )
    except (requests.RequestException, RuntimeError, ValueError) as error:
        log.warning("No sign-out address from the provider: %r", error)
        return None
