"""Password hashing with argon2id, and the rules a new password must follow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"],
        memory_cost=config["PASSWORD_HASH_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 12
MAX_LENGTH = 1024


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _core(text: str) -> str:
    """Lower case without digits, spaces and punctuation: "Sommar2024!" → "sommar"."""
    return "".join(ch for ch in text.lower() if ch.isalpha())


def check_password_policy(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Swedish reasons why a new password is refused; empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [_("Lösenordet måste ha minst %(n)s tecken.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Lösenordet får ha högst %(n)s tecken.", n=MAX_LENGTH)]
    lowered = password.lower()
    core = _core(password)
    if lowered in common_passwords() or (len(core) >= 4 and core in common_passwords()):
        return [_("Lösenordet är för vanligt och lätt att gissa. Välj ett annat.")]
    if len(set(lowered)) <= 3:
        return [_("Lösenordet är för lätt att gissa. Blanda fler olika tecken.")]
    if _resembles_personal(core, lowered, email, name):
        return [_("Lösenordet får inte vara din e-postadress eller ditt namn.")]
    return []


def _resembles_personal(core: str, lowered: str, email: str, name: str) -> bool:
    """The address or name, perhaps with digits and signs around, e.g. "KarinLundberg2024!"."""
    local, _, domain = email.strip().lower().partition("@")
    if lowered in {email.strip().lower(), local} - {""}:
        return True
    tokens = {_core(part) for part in [*name.split(), *local.split("."), *domain.split(".")]}
    tokens = sorted((t for t in tokens if len(t) >= 3), key=len, reverse=True)
    rest = core
    for token in tokens:
        rest = rest.replace(token, "")
    return bool(tokens) and len(core) >= 3 and len(rest) < 4
