"""Helpers for the auth tests: read mail from the outbox, post forms with their CSRF token,
and move the clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.core import db as core_db
from hub.extensions import db
from hub.mail.models import OutboxMessage
from tests.conftest import csrf_token


@pytest.fixture
def outbox(app):
    def messages(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        if to:
            query = query.where(OutboxMessage.to_address == to)
        return list(db.session.scalars(query))

    return messages


def link_in(message: OutboxMessage, path: str) -> str:
    """The path of the first link in the mail that starts with ``path``."""
    match = re.search(
        r"http://stafetten\.test(" + re.escape(path) + r"[^\s\"<]*)", message.body_text
    )
    assert match, f"no {path} link in: {message.body_text}"
    assert match.group(1) in message.body_html
    return match.group(1)


def page_text(html: str) -> str:
    """The page without what changes on every request (CSRF tokens, CSP nonces)."""
    html = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]*"', "csrf", html)
    return re.sub(r'nonce="[^"]*"', "nonce", html)


@pytest.fixture
def post_form(client):
    """GET the page for its CSRF token, then POST ``data`` to it (or to ``action``)."""

    def post(url: str, data: dict, *, action: str | None = None, the_client=None, **kwargs):
        c = the_client or client
        token = csrf_token(c.get(url).text)
        return c.post(action or url, data={**data, "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def clock(monkeypatch):
    """``clock.advance(hours=25)`` moves every ``utcnow()`` caller forward."""

    class Clock:
        offset = timedelta()

        def advance(self, **delta) -> None:
            self.offset += timedelta(**delta)

    clock = Clock()
    real = core_db.utcnow

    def fake_utcnow():
        return real() + clock.offset

    monkeypatch.setattr(core_db, "utcnow", fake_utcnow)
    for module in (
        "hub.auth.accounts",
        "hub.auth.invitations",
        "hub.core.ratelimit",
        "hub.auth.views",
        "hub.auth.invitation_views",
    ):
        monkeypatch.setattr(f"{module}.utcnow", fake_utcnow, raising=False)
    return clock


# Real OpenID Connect providers on loopback, for the sign-in with the municipality's account.
from tests.auth.providers import (  # noqa: E402, F401
    entra,
    entra_provider,
    flow,
    plain_provider,
    saml_idp,
    saml_idp_server,
)
