"""The session cookie's signature is checked once per cookie (``hub.core.cookie_session``): a
kept cookie opens as Flask's own interface opens it, and a forged, expired or re-keyed one never
opens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup

from hub.core import cookie_session
from hub.core.cookie_session import KeptCookieSessionInterface

DATA = {
    "_user_id": "7:3",
    "csrf_token": "abc",
    "signed_in_via": {"via": "oidc", "mfa": True},
    "pair": (1, "två"),
    "raw": b"\x00\xff",
    "at": datetime(2026, 12, 5, 6, 0, tzinfo=UTC),
    "note": Markup("<b>fet</b>"),
    "id": uuid.UUID(int=5),
}


def cookie_for(app, data: dict) -> str:
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)


def opened(app, interface, cookie: str) -> dict:
    name = interface.get_cookie_name(app)
    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}) as context:
        return dict(interface.open_session(app, context.request))


def test_a_kept_cookie_opens_as_flask_opens_it_each_time(app):
    cookie = cookie_for(app, DATA)
    kept = KeptCookieSessionInterface()

    first, second = opened(app, kept, cookie), opened(app, kept, cookie)

    assert first == second == opened(app, SecureCookieSessionInterface(), cookie) == DATA
    first["signed_in_via"]["mfa"] = False  # each request gets a session of its own
    assert opened(app, kept, cookie)["signed_in_via"]["mfa"] is True


def test_a_forged_cookie_does_not_open(app):
    kept = KeptCookieSessionInterface()
    cookie = cookie_for(app, {"_user_id": "1:1"})
    opened(app, kept, cookie)

    payload, _dot, signature = cookie.rpartition(".")
    forged = payload.replace(payload[2], "A" if payload[2] != "A" else "B", 1)
    assert opened(app, kept, f"{forged}.{signature}") == {}
    assert opened(app, kept, cookie + "x") == {}


def test_a_kept_cookie_expires_at_the_same_second(app, monkeypatch):
    kept = KeptCookieSessionInterface()
    cookie = cookie_for(app, {"_user_id": "1:1"})
    assert opened(app, kept, cookie)
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = cookie_session.time.time()

    monkeypatch.setattr(cookie_session.time, "time", lambda: now + lifetime - 5)
    assert opened(app, kept, cookie) == {"_user_id": "1:1"}
    monkeypatch.setattr(cookie_session.time, "time", lambda: now + lifetime + 5)
    assert opened(app, kept, cookie) == {}


@pytest.mark.parametrize("fallback", [False, True])
def test_a_new_secret_key_opens_old_cookies_only_as_a_fallback(app, fallback):
    kept = KeptCookieSessionInterface()
    old_key = app.secret_key
    cookie = cookie_for(app, {"_user_id": "1:1"})
    assert opened(app, kept, cookie)

    app.secret_key = "another key entirely"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key] if fallback else []
    try:
        assert opened(app, kept, cookie) == ({"_user_id": "1:1"} if fallback else {})
    finally:
        app.secret_key = old_key


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, KeptCookieSessionInterface)


def test_a_request_signed_in_twice_with_the_same_cookie(client, login, create_user):
    login(create_user())
    assert client.get("/installningar").status_code == 200
    assert client.get("/installningar").status_code == 200


def test_no_cookie_opens_an_empty_session(app):
    with app.test_request_context("/") as context:
        assert dict(KeptCookieSessionInterface().open_session(app, context.request)) == {}


def test_an_old_cookie_is_not_kept_forever(app, monkeypatch):
    monkeypatch.setattr(cookie_session, "MAX_KEPT", 2)
    kept = KeptCookieSessionInterface()
    for n in range(5):
        opened(app, kept, cookie_for(app, {"n": n}))
    assert len(kept._kept) <= 2


def test_a_plain_session_opens_as_a_copy_of_its_own_each_time(app):
    kept = KeptCookieSessionInterface()
    cookie = cookie_for(app, {"_user_id": "7:3", "_fresh": False, "csrf_token": "abc"})
    opened(app, kept, cookie)
    name = kept.get_cookie_name(app)

    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}) as context:
        first = kept.open_session(app, context.request)
        first["_user_id"] = "8:1"  # a request changes its session
    assert opened(app, kept, cookie) == {"_user_id": "7:3", "_fresh": False, "csrf_token": "abc"}


def test_flashes_waiting_are_decoded_anew_each_time(app):
    kept = KeptCookieSessionInterface()
    cookie = cookie_for(app, {"_user_id": "7:3", "_flashes": [("success", "Sparat.")]})
    opened(app, kept, cookie)
    name = kept.get_cookie_name(app)

    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}) as context:
        kept.open_session(app, context.request)["_flashes"].append(("info", "Mer."))
    assert opened(app, kept, cookie)["_flashes"] == [("success", "Sparat.")]


@pytest.mark.parametrize(
    "header",
    [
        "session={cookie}",
        "theme=dark; session={cookie}; lang=sv",
        'session="{cookie}"',
        "session={cookie}; session=other",
        "theme=dark",
        "",
    ],
)
def test_the_cookie_is_found_as_werkzeug_finds_it(app, header):
    name = KeptCookieSessionInterface().get_cookie_name(app)
    header = header.replace("session=", f"{name}=").format(cookie=cookie_for(app, {"n": 1}))
    with app.test_request_context("/", headers={"Cookie": header} if header else {}) as context:
        environ_header = context.request.environ.get("HTTP_COOKIE", "")
        assert cookie_session.cookie_in(environ_header, name) == context.request.cookies.get(name)


@pytest.mark.parametrize(
    "headers, address",
    [
        ({"User-Agent": "Firefox/120"}, "10.0.0.1"),
        ({"User-Agent": "Firefox/120"}, "10.0.0.2"),
        ({"User-Agent": "Chrome/119"}, "10.0.0.1"),
        ({"User-Agent": "Firefox/120", "X-Forwarded-For": "192.0.2.4, 10.0.0.9"}, "10.0.0.1"),
        ({}, "10.0.0.1"),
    ],
)
def test_the_session_identifier_is_flask_logins_for_each_address_and_agent(app, headers, address):
    from flask_login.utils import _create_identifier

    for _ in range(2):  # made, then kept
        environ = {"REMOTE_ADDR": address}
        with app.test_request_context("/", headers=headers, environ_base=environ):
            assert cookie_session.session_identifier() == _create_identifier()
    assert app.login_manager._session_identifier_generator is cookie_session.session_identifier
