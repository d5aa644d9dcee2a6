"""Signed, expiring tokens for links in mail (itsdangerous), and random tokens stored hashed.

Each purpose has its own salt, so a token made for one link never opens another. The clock is
``utcnow`` so that tests can move time forward.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from hub.core import db as core_db
from hub.core.rules import NotFound

CONFIRM_EMAIL = "confirm-email"
CHANGE_EMAIL = "change-email"
RESET_PASSWORD = "reset-password"  # noqa: S105  (a salt name, not a password)
LOGIN_LINK = "login-link"
LINK_IDENTITY = "link-identity"

MAX_AGE = {
    CONFIRM_EMAIL: 3 * 24 * 3600,
    CHANGE_EMAIL: 24 * 3600,
    RESET_PASSWORD: 24 * 3600,
    LOGIN_LINK: 15 * 60,
    LINK_IDENTITY: 24 * 3600,
}


class TokenInvalid(NotFound):
    """The link is broken, tampered with or made for something else."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Länken fungerar inte"))


class TokenGone(TokenInvalid):
    """The link was real but has expired or has been used."""

    status = 410

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Länken har redan använts eller gått ut."))


class TokenExpired(TokenGone):
    """The link was real but is too old."""


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(core_db.utcnow().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    config = current_app.config
    # itsdangerous signs with the last key and verifies with all: old keys keep links alive.
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=f"stafetten:{purpose}", signer=_ClockSigner)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict[str, Any]:
    """The payload, or TokenExpired / TokenInvalid."""
    from itsdangerous import SignatureExpired

    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(payload, dict):
        raise TokenInvalid
    return payload


def fingerprint(*parts: object) -> str:
    """A short keyed digest of account state; a token carrying it dies when the state changes."""
    message = "|".join(str(part) for part in parts).encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def new_random_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
