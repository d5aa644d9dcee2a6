"""Flask's signed session cookie, each cookie's signature checked once per process.

Every request opens the session: itsdangerous derives the signing key, computes an HMAC over the
cookie and decodes it, a tenth of a signed-in static page's CPU. A member sends the same cookie
with request after request until the session changes, so the payload of a cookie whose
signature was found good is kept (per secret key and cookie), and a later request with the same
cookie only decodes it again (a fresh dict each time) and checks its age as itsdangerous does.
A changed, forged or expired cookie is never kept; the session expires at the same second.

A session of plain values (the signed-in member's: strings, a flag) is kept decoded as well and
each request given a copy of it; and the session cookie is found in the request's Cookie header
once per header (werkzeug parses every cookie of it into a dict on each request, for this
one look-up alone): 4 % of a signed-in static page's instructions went into these two.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login.utils import _create_identifier
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

MAX_KEPT = 10_000  # cookies; ~300 bytes each. Emptied when full: a miss only costs a check.


# Values a session dict may hold that no request can change in place: such a dict is copied
# with ``dict()``; anything else (a list of flashes, a nested dict) is decoded anew per request.
PLAIN = (str, int, float, bool, type(None))


def plain(data: dict) -> bool:
    return all(type(value) in PLAIN for value in data.values())


@lru_cache(maxsize=4096)
def cookie_in(header: str, name: str) -> str | None:
    """The cookie ``name`` in a Cookie header, as ``request.cookies.get(name)`` finds it (a
    member sends the same header with request after request)."""
    return parse_cookie(header).get(name)


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` with the verified cookies kept (see the module)."""

    def __init__(self) -> None:
        # By key and cookie: the payload, when it was signed, and the decoded data when plain.
        self._kept: dict[tuple, tuple[str, int, dict | None]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = cookie_in(request.environ.get("HTTP_COOKIE", ""), self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._kept.get(key)
        if kept is not None:
            payload, signed_at, data = kept
            age = int(time.time()) - signed_at  # as itsdangerous's TimestampSigner counts it
            if 0 <= age <= max_age:
                fresh = dict(data) if data is not None else self.serializer.loads(payload)
                return self.session_class(fresh)
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
        payload = self.serializer.dumps(data)
        self._kept[key] = (payload, int(signed.timestamp()), dict(data) if plain(data) else None)
        return self.session_class(data)


# Flask-Login's identifier of the browser (a SHA-512 of the address and the agent) is made of
# these values of the environ (its ``_create_identifier`` reads them through ``request.headers``).
IDENTIFIED_BY = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR", "HTTP_USER_AGENT")


def session_identifier() -> str:
    """Flask-Login's ``_create_identifier``, kept per address and agent: "basic" session
    protection asks for it on every signed-in request (headers read through proxies, a SHA-512),
    and a member sends the same address and agent with request after request."""
    environ = request.environ
    return _identifier(*(environ.get(name) for name in IDENTIFIED_BY))


@lru_cache(maxsize=MAX_KEPT)
def _identifier(_forwarded: str | None, _address: str | None, _agent: str | None) -> str:
    # Made from this request, whose values of IDENTIFIED_BY are the arguments: the key.
    return _create_identifier()


def install(app: Flask) -> None:
    app.session_interface = KeptCookieSessionInterface()
