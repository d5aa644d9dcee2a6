"""Two-factor sign-in: TOTP (RFC 6238, any authenticator app) and single-use recovery codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, select

from hub.auth.models import RecoveryCode, User
from hub.core import db as core_db
from hub.extensions import db

ISSUER = "Stafetten"
RECOVERY_CODE_COUNT = 10
# Letters and digits that cannot be mistaken for each other when read off paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


log = logging.getLogger(__name__)


def new_secret() -> str:
    return pyotp.random_base32()


# --- the secret at rest: encrypted, so a copy of the database alone cannot make codes ---------


def _secret_box() -> MultiFernet:
    """Keys derived from HUB_SECRET_KEY, then its fallbacks: after a key rotation, secrets
    encrypted under an old key still open (and new ones use the current key)."""
    config = current_app.config
    keys = [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_derive_key(key)) for key in keys])


def _derive_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"stafetten totp secret")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def seal_secret(secret: str) -> str:
    return _secret_box().encrypt(secret.encode()).decode()


def open_secret(sealed: str) -> str | None:
    """The secret, or None when no key opens it (HUB_SECRET_KEY changed without keeping the old
    one as a fallback): the account then signs in with a recovery code and sets up anew."""
    try:
        return _secret_box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        log.warning("A two-factor secret could not be decrypted with the configured keys.")
        return None


# A secret being set up waits in the session cookie until the first code confirms it: sealed,
# so the cookie (signed, but readable by anyone who sees it) does not show it, and bound to the
# account and to an hour.
PENDING_SECRET_SECONDS = 3600


def seal_pending_secret(user: User, secret: str) -> str:
    return _secret_box().encrypt(f"{user.id}:{secret}".encode()).decode()


def open_pending_secret(user: User, sealed: object) -> str | None:
    """The secret being set up, or None (nothing, tampered with, another account's, too old)."""
    if not isinstance(sealed, str):
        return None
    try:
        plain = _secret_box().decrypt(sealed.encode(), ttl=PENDING_SECRET_SECONDS).decode()
    except InvalidToken:
        return None
    owner, _, secret = plain.partition(":")
    return secret if owner == str(user.id) else None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def needs_two_factor_setup(user: User) -> bool:
    """Coordinators and admins must turn it on when the installation requires it."""
    return (
        bool(current_app.config.get("REQUIRE_2FA_FOR_STAFF"))
        and user.is_staff
        and not user.two_factor_enabled
    )


def _matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to (one step of clock drift allowed either way)."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):  # "²" is a digit too
        return None
    totp = pyotp.TOTP(secret)
    now = core_db.utcnow()
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(user: User, code: str) -> bool:
    """A code is accepted once: a step at or before the last one used is refused."""
    secret = open_secret(user.totp_secret) if user.totp_secret is not None else None
    if secret is None:
        return False
    step = _matching_step(secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash_code(code: str) -> str:
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def make_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes; returns the new ones (shown once, kept hashed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    if len(code) > 40:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = core_db.utcnow()
    return True


def remaining_recovery_codes(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def verify_second_factor(user: User, code: str) -> bool:
    """An authenticator code or one of the recovery codes."""
    return verify_totp(user, code) or use_recovery_code(user, code)


def enable_two_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Turn it on if ``code`` proves the app has ``secret``; returns the recovery codes."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = seal_secret(secret)
    user.totp_last_step = step
    return make_recovery_codes(user)


def disable_two_factor(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
