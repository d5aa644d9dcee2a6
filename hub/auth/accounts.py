"""Rules for accounts: finding, authenticating, ending sessions."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.auth.models import User
from hub.auth.passwords import hash_password, verify_password
from hub.extensions import db

# Verifying against a real hash when the account does not exist keeps the timing the same,
# so login does not tell whether an address has an account.
_DUMMY_HASH: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        _DUMMY_HASH.setdefault("hash", hash_password("not-a-real-password"))
        verify_password(_DUMMY_HASH["hash"], password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Every cookie of the account, remember-me included, stops working."""
    user.session_version += 1


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version (see ``User.get_id``)."""
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user
