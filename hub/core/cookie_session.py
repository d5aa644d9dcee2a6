"""Flask's signed session cookie, each cookie's signature checked once per process.

Every request opens the session: itsdangerous derives the signing key, computes an HMAC over the
cookie and decodes it, a tenth of a signed-in static page's CPU. A member sends the same cookie
with request after request until the session changes, so the payload of a cookie whose
signature was found good is kept (per secret key and cookie), and a later request with the same
cookie only decodes it again (a fresh dict each time) and checks its age as itsdangerous does.
A changed, forged or expired cookie is never kept; the session expires at the same second.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_KEPT = 10_000  # cookies; ~300 bytes each. Emptied when full: a miss only costs a check.


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` with the verified cookies kept (see the module)."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[str, int]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._kept.get(key)
        if kept is not None:
            payload, signed_at = kept
            age = int(time.time()) - signed_at  # as itsdangerous's TimestampSigner counts it
            if 0 <= age <= max_age:
                return self.session_class(self.serializer.loads(payload))
            self._kept.pop(key, None)
            return self.session_class()
        try:
            data, signed = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()
        self._kept[key] = (self.serializer.dumps(data), int(signed.timestamp()))
        return self.session_class(data)


def install(app: Flask) -> None:
    app.session_interface = KeptCookieSessionInterface()
