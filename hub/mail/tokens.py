"""Signed unsubscribe tokens.

They are signed with SECRET_KEY and verified with SECRET_KEY and every key in
SECRET_KEY_FALLBACKS (``HUB_SECRET_KEY_FALLBACKS``), so a link in a mail from last year still works
after the key is rotated, as long as the old key stays among the fallbacks for a year.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.core.rules import RuleError

SALT = "stafetten.unsubscribe"
# Mail is kept for years; the link must outlive the one-year promise with a margin.
MAX_AGE_SECONDS = 2 * 366 * 24 * 3600


class InvalidToken(RuleError):
    """The token is tampered with, unreadable or too old."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__(_("Länken fungerar inte"))
        self.expired = expired


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    topic: str


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    # itsdangerous signs with the last key and verifies with all of them.
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=SALT)


def make_unsubscribe_token(user_id: int, topic: str) -> str:
    return _serializer().dumps({"u": user_id, "k": topic})


def read_unsubscribe_token(token: str, max_age: int | None = None) -> Unsubscribe:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS if max_age is None else max_age)
    except SignatureExpired as error:
        raise InvalidToken(expired=True) from error
    except BadSignature as error:
        raise InvalidToken() from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidToken()
    if not isinstance(data.get("k"), str):
        raise InvalidToken()
    return Unsubscribe(user_id=data["u"], topic=data["k"])


def unsubscribe_url(user_id: int, topic: str) -> str:
    """An absolute URL for mail, built from BASE_URL (there is no request when mail is composed)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/avregistrera/{make_unsubscribe_token(user_id, topic)}"
