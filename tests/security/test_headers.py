"""Security headers, session cookies and the production configuration."""

from __future__ import annotations

import re

import pytest

from config import ProductionConfig
from hub import create_app
from hub.core.security import check_csrf
from tests.conftest import csrf_token


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def production_config(database_url: str, **overrides) -> type[ProductionConfig]:
    fields = {
        "SECRET_KEY": "a-long-production-test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": "stafetten.test",
        "BASE_URL": "https://stafetten.test",
        "MAIL_ORGANIZER": "Stafettens samordnare <natverket@stafetten.test>",
        **overrides,
    }
    return type("TestProductionConfig", (ProductionConfig,), fields)


def test_csp_allows_scripts_only_by_nonce(client):
    response = client.get("/logga-in")
    csp = directives(response)
    script_src = csp["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonces = [source for source in script_src if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    # Every script tag on the page carries this request's nonce; no inline handlers.
    nonce = nonces[0][len("'nonce-") : -1]
    for tag in re.findall(r"<script\b[^>]*>", response.text):
        assert f'nonce="{nonce}"' in tag
    assert not re.search(r"\son[a-z]+=", response.text)


def test_nonce_changes_with_every_response(client):
    first = directives(client.get("/logga-in"))["script-src"]
    second = directives(client.get("/logga-in"))["script-src"]
    assert first != second


def test_other_security_headers(client):
    headers = client.get("/logga-in").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}
    assert headers["X-Frame-Options"] == "DENY"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/logga-in").headers


def test_hsts_and_secure_cookies_in_production(database_url):
    app = create_app(production_config(database_url))
    client = app.test_client()
    response = client.get("/logga-in", base_url="https://stafetten.test")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(database_url):
    with pytest.raises(RuntimeError, match="HUB_SECRET_KEY"):
        create_app(production_config(database_url, SECRET_KEY=None))


def test_production_refuses_to_start_without_a_base_url(database_url):
    # Links and Message-IDs in every mail would point at 127.0.0.1.
    with pytest.raises(RuntimeError, match="HUB_BASE_URL"):
        create_app(production_config(database_url, BASE_URL=None))


@pytest.mark.parametrize(
    ("organizer", "sender"),
    [(None, "Stafetten <noreply@stafetten.test>"), ("no-reply@stafetten.test", "x@y.se")],
)
def test_production_refuses_a_no_reply_organizer(database_url, organizer, sender):
    with pytest.raises(RuntimeError, match="HUB_MAIL_ORGANIZER"):
        create_app(
            production_config(database_url, MAIL_ORGANIZER=organizer, MAIL_DEFAULT_SENDER=sender)
        )


def test_session_cookie_is_httponly_and_lax(client):
    cookie = client.get("/logga-in").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


def session_cookie(client) -> str:
    cookie = client.get_cookie("session", domain="stafetten.test")
    assert cookie is not None
    return cookie.value


def test_session_is_rotated_on_login(client, create_user, login):
    client.get("/logga-in")
    before = session_cookie(client)
    login(create_user())
    assert session_cookie(client) != before


def test_replayed_session_cookie_after_logout_gets_nothing(app, client, create_user, login):
    login(create_user())
    assert client.get("/katalog").status_code == 200
    stolen = session_cookie(client)
    token = csrf_token(client.get("/installningar").text)
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("session", stolen, domain="stafetten.test")
    response = attacker.get("/katalog")
    assert response.status_code == 302
    assert "/logga-in" in response.headers["Location"]


def test_signed_in_responses_are_never_stored(app, client, create_user, login):
    """Finding 7: pages, JSON and downloads for a signed-in member carry no-store; so the
    browser keeps nothing after sign-out on a shared computer."""
    assert "no-store" not in client.get("/logga-in").headers.get("Cache-Control", "")
    user = create_user()
    login(user)
    for path in ("/", "/fragor", "/installningar/mina-uppgifter.json", f"/katalog/{user.id}.vcf"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "private, no-store", path
    static = client.get("/static/favicon.svg")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_csrf_is_checked_before_any_other_hook_and_only_on_writes(app, client, create_user, login):
    """The hub's own hook (``security.check_csrf``) in the place of Flask-WTF's: first, a POST
    without the token refused, with it let through; a GET never checked. Flask-WTF's context
    processor is gone too (its ``csrf_token`` hid the hub's)."""
    hooks = app.before_request_funcs[None]
    assert hooks[0] is check_csrf
    assert not [hook for hook in hooks if hook.__module__ == "flask_wtf.csrf"]
    processors = app.template_context_processors[None]
    assert not [found for found in processors if found.__module__ == "flask_wtf.csrf"]
    login(create_user())
    assert client.get("/installningar").status_code == 200
    assert client.post("/logga-ut").status_code == 400
    token = csrf_token(client.get("/installningar").text)
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302


@pytest.mark.parametrize("adds", ["before_request", "context_processor"])
def test_a_flask_wtf_that_adds_other_hooks_stops_the_app(monkeypatch, adds):
    """``install_csrf`` takes the one hook and the one context processor Flask-WTF's
    ``init_app`` adds; should a new version add more, the app does not start half-protected."""
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    from hub.core.security import install_csrf

    plain = CSRFProtect.init_app

    def adds_two(self, app) -> None:
        plain(self, app)
        getattr(app, adds)(dict)

    app = Flask("csrf_check")
    app.before_request(lambda: None)  # someone's hook before: kept as it is
    install_csrf(app)
    assert app.before_request_funcs[None][1] is check_csrf
    monkeypatch.setattr(CSRFProtect, "init_app", adds_two)
    with pytest.raises(RuntimeError, match="expected one"):
        install_csrf(Flask("csrf_changed"))
