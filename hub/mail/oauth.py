"""OAuth 2.0 tokens for sending through Microsoft 365 (``HUB_MAIL_AUTH=xoauth2``).

Exchange Online turns off SMTP AUTH with passwords. An app registered in Entra ID gets a token
with the client-credentials grant (a client secret or a certificate) and logs in with
``AUTH XOAUTH2``. The token is kept per process until shortly before it expires; a 535 from the
server throws it away so the next login gets a fresh one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app

MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"  # noqa: S105
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
# A token is not used in its last minute: a long batch must not log in with one about to expire.
EXPIRY_MARGIN_SECONDS = 60


class TokenError(Exception):
    """No token: the endpoint is down, refused us, or answered something that is not a token."""


@dataclass(frozen=True)
class TokenSettings:
    url: str
    client_id: str
    secret: str | None
    certificate_key: str | None  # PEM of the private key whose certificate Entra knows
    certificate_thumbprint: str | None  # base64url SHA-1 of that certificate (JWT header x5t)
    scope: str
    timeout: float


@dataclass
class CachedToken:
    value: str
    expires_at: float  # time.monotonic()


_cache: dict[tuple[str, str, str], CachedToken] = {}
_lock = threading.Lock()


def token_settings() -> TokenSettings:
    config = current_app.config
    url = config.get("MAIL_OAUTH_TOKEN_URL") or MICROSOFT_TOKEN_URL.format(
        tenant=config.get("MAIL_OAUTH_TENANT") or "common"
    )
    key_path = config.get("MAIL_OAUTH_CERTIFICATE_KEY")
    key = None
    if key_path:
        with open(key_path, encoding="ascii") as file:
            key = file.read()
    return TokenSettings(
        url=url,
        client_id=config.get("MAIL_OAUTH_CLIENT_ID") or "",
        secret=config.get("MAIL_OAUTH_CLIENT_SECRET"),
        certificate_key=key,
        certificate_thumbprint=config.get("MAIL_OAUTH_CERTIFICATE_THUMBPRINT"),
        scope=config.get("MAIL_OAUTH_SCOPE") or MICROSOFT_SCOPE,
        timeout=float(config.get("MAIL_TIMEOUT", 30)),
    )


def access_token(settings: TokenSettings | None = None) -> str:
    """A token that is valid for at least another minute, from the cache or fetched now."""
    settings = settings or token_settings()
    key = (settings.url, settings.client_id, settings.scope)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.expires_at > time.monotonic():
            return cached.value
        value, expires_in = fetch_token(settings)
        lifetime = max(expires_in - EXPIRY_MARGIN_SECONDS, 0)
        _cache[key] = CachedToken(value, time.monotonic() + lifetime)
        return value


def forget_token(settings: TokenSettings | None = None) -> None:
    """The server refused the token (535): the next login fetches a new one."""
    settings = settings or token_settings()
    with _lock:
        _cache.pop((settings.url, settings.client_id, settings.scope), None)


def fetch_token(settings: TokenSettings) -> tuple[str, int]:
    """The client-credentials grant; (token, seconds it lives)."""
    # Imported here: only installations sending through Microsoft 365 need Authlib.
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT

    if settings.certificate_key:
        # Entra's certificate credential: a JWT signed with the key, its thumbprint in x5t.
        headers = (
            {"x5t": settings.certificate_thumbprint} if settings.certificate_thumbprint else {}
        )
        auth = PrivateKeyJWT(settings.url, headers=headers, alg="RS256")
        session = OAuth2Session(
            settings.client_id,
            settings.certificate_key,
            scope=settings.scope,
            token_endpoint_auth_method=auth,
        )
    else:
        session = OAuth2Session(
            settings.client_id,
            settings.secret,
            scope=settings.scope,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106  (a method name)
        )
    try:
        with session:
            token = session.fetch_token(
                settings.url, grant_type="client_credentials", timeout=settings.timeout
            )
    except Exception as error:  # requests, Authlib and JSON errors alike: no token this time
        raise TokenError(f"{type(error).__name__}: {error}"[:300]) from error
    value, expires_in = token.get("access_token"), token.get("expires_in")
    if not isinstance(value, str) or not value or not isinstance(expires_in, int | float):
        raise TokenError("Svaret från token-tjänsten saknar access_token eller expires_in")
    return value, int(expires_in)


def xoauth2_response(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64, which smtplib adds)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"
