"""Sending to Microsoft 365 without a password: HUB_MAIL_AUTH=xoauth2 against a real token
endpoint and a real SMTP server that accepts only that endpoint's live tokens."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from hub.core.db import utcnow
from hub.extensions import db
from hub.mail import oauth
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.outbox import queue_email
from hub.mail.sender import send_batch
from tests.mail.helpers import RecordingHandler, free_port
from tests.mail.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    token_endpoint,
    xoauth2_smtp_server,
)


@pytest.fixture
def endpoint(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP on loopback in tests
    oauth._cache.clear()
    with token_endpoint() as found:
        yield found
    oauth._cache.clear()


@pytest.fixture
def smtp(app, endpoint):
    with xoauth2_smtp_server(endpoint) as (handler, port):
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_TIMEOUT=5,
            MAIL_AUTH="xoauth2",
            MAIL_USERNAME=MAILBOX,
            MAIL_PASSWORD=None,
            MAIL_OAUTH_TOKEN_URL=endpoint.url,
            MAIL_OAUTH_CLIENT_ID=CLIENT_ID,
            MAIL_OAUTH_CLIENT_SECRET=CLIENT_SECRET,
        )
        yield handler


def queue(user, text: str = "Karin svarade") -> OutboxMessage:
    row = queue_email(
        "notification",
        user.email,
        kind="notification_answers",
        user_id=user.id,
        name=user.name,
        text=text,
        url="/fragor/1",
    )
    db.session.commit()
    return row


def status(row) -> OutboxMessage:
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .execution_options(populate_existing=True)
    )


def test_token_is_fetched_once_and_reused_until_it_expires(smtp, endpoint, create_user):
    user = create_user()
    queue(user, "ett")
    assert send_batch(utcnow(), 10).sent == 1
    queue(user, "två")
    assert send_batch(utcnow(), 10).sent == 1
    assert endpoint.requests == 1  # the second batch logged in with the cached token
    assert [accepted for _token, accepted in smtp.logins] == [True, True]
    assert len(smtp.messages) == 2


def test_an_expired_token_is_renewed(smtp, endpoint, create_user, monkeypatch):
    monkeypatch.setattr(oauth, "EXPIRY_MARGIN_SECONDS", 0)
    endpoint.lifetime = 1
    user = create_user()
    queue(user, "ett")
    assert send_batch(utcnow(), 10).sent == 1
    time.sleep(1.2)  # the token expires during the test
    queue(user, "två")
    assert send_batch(utcnow(), 10).sent == 1
    assert endpoint.requests == 2
    first, second = (token for token, _accepted in smtp.logins)
    assert first != second


def test_a_535_renews_the_token_before_counting_a_failure(smtp, endpoint, create_user):
    user = create_user()
    queue(user, "ett")
    send_batch(utcnow(), 10)
    endpoint.revoked.update(endpoint.issued)  # the cached token is no longer accepted
    row = queue(user, "två")
    assert send_batch(utcnow(), 10).sent == 1
    assert [accepted for _token, accepted in smtp.logins] == [True, False, True]
    assert status(row).status == OutboxStatus.SENT and status(row).attempts == 1


def test_a_535_that_will_not_go_away_retries_later_then_fails_with_the_reason(
    app, smtp, endpoint, create_user, monkeypatch
):
    app.config["MAIL_USERNAME"] = "fel.brevlada@kommun.example"  # no permission for this mailbox
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    user = create_user()
    row = queue(user)
    now = utcnow()
    result = send_batch(now, 10)
    assert result.sent == 0 and result.retried == 1
    found = status(row)
    assert found.status == OutboxStatus.PENDING and "535" in found.last_error
    later = found.next_attempt_at
    send_batch(later, 10)
    found = status(row)
    assert found.status == OutboxStatus.FAILED and "535" in found.last_error
    assert smtp.messages == []  # never sent, never lost: the row says why


@pytest.mark.parametrize("problem", ["down", "garbage"])
def test_token_endpoint_down_or_answering_garbage_keeps_the_mail(
    app, smtp, endpoint, create_user, problem
):
    url = (
        f"http://127.0.0.1:{free_port()}/token"
        if problem == "down"
        else endpoint.url.replace("/token", "/garbage")
    )
    app.config["MAIL_OAUTH_TOKEN_URL"] = url
    user = create_user()
    row = queue(user)
    result = send_batch(utcnow(), 10)
    assert result.sent == 0
    found = status(row)
    assert found.status == OutboxStatus.PENDING and found.attempts == 1
    assert found.last_error.startswith("Ingen OAuth-token")
    # Once the endpoint answers again the message goes out, once.
    app.config["MAIL_OAUTH_TOKEN_URL"] = endpoint.url
    assert send_batch(found.next_attempt_at, 10).sent == 1
    assert len(smtp.messages) == 1


def test_wrong_client_secret_is_a_token_error(app, smtp, create_user):
    app.config["MAIL_OAUTH_CLIENT_SECRET"] = "fel"
    user = create_user()
    row = queue(user)
    send_batch(utcnow(), 10)
    assert "invalid_client" in status(row).last_error


@pytest.mark.parametrize(("method", "logins"), [("password", [("konto", "hemligt")]), ("none", [])])
def test_password_and_no_login(app, create_user, method, logins):
    """``password`` logs in with user name and password; ``none`` (a connector) never logs in."""
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_AUTH=method,
            MAIL_USERNAME="konto",
            MAIL_PASSWORD="hemligt",
        )
        queue(create_user())
        assert send_batch(utcnow(), 10).sent == 1
    finally:
        controller.stop()
    assert seen == logins


def test_unknown_mail_auth_refuses_to_start(app):
    from hub import create_app
    from tests.conftest import make_config

    with pytest.raises(RuntimeError, match="HUB_MAIL_AUTH"):
        create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], MAIL_AUTH="ntlm"))


def self_signed_certificate(directory) -> tuple[str, bytes, str]:
    """A key file, its certificate (PEM) and the certificate's x5t, as uploaded to Entra."""
    import base64
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stafetten-smtp")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / "smtp-app.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    sha1 = certificate.fingerprint(hashes.SHA1())  # noqa: S303  (x5t is defined as SHA-1)
    thumbprint = base64.urlsafe_b64encode(sha1).rstrip(b"=").decode()
    return str(key_path), certificate.public_bytes(serialization.Encoding.PEM), thumbprint


def test_certificate_credential_signs_a_client_assertion(app, create_user, tmp_path, monkeypatch):
    """Entra's certificate credential: no secret at all; the JWT the sender signs with its key
    is checked by the endpoint against the certificate and its thumbprint."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    oauth._cache.clear()
    key_path, certificate_pem, thumbprint = self_signed_certificate(tmp_path)
    with (
        token_endpoint(certificate=(certificate_pem, thumbprint)) as endpoint,
        xoauth2_smtp_server(endpoint) as (handler, port),
    ):
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_TIMEOUT=5,
            MAIL_AUTH="xoauth2",
            MAIL_USERNAME=MAILBOX,
            MAIL_PASSWORD=None,
            MAIL_OAUTH_TOKEN_URL=endpoint.url,
            MAIL_OAUTH_CLIENT_ID=CLIENT_ID,
            MAIL_OAUTH_CLIENT_SECRET=None,
            MAIL_OAUTH_CERTIFICATE_KEY=key_path,
            MAIL_OAUTH_CERTIFICATE_THUMBPRINT=thumbprint,
        )
        user = create_user()
        queue(user, "ett")
        assert send_batch(utcnow(), 10).sent == 1
        assert endpoint.requests == 1 and len(handler.messages) == 1
        assert [accepted for _token, accepted in handler.logins] == [True]

        # A certificate Entra does not know (wrong thumbprint): no token, the mail waits.
        oauth._cache.clear()
        app.config["MAIL_OAUTH_CERTIFICATE_THUMBPRINT"] = "bm90LXRoZS1jZXJ0aWZpY2F0ZQ"
        row = queue(user, "två")
        assert send_batch(utcnow(), 10).sent == 0
        found = status(row)
        assert found.status == OutboxStatus.PENDING and "invalid_client" in found.last_error
        # And a client that tries the secret instead is refused: only the certificate counts.
        app.config.update(MAIL_OAUTH_CERTIFICATE_KEY=None, MAIL_OAUTH_CLIENT_SECRET=CLIENT_SECRET)
        assert send_batch(found.next_attempt_at, 10).sent == 0
        assert "invalid_client" in status(row).last_error
        app.config.update(
            MAIL_OAUTH_CERTIFICATE_KEY=key_path, MAIL_OAUTH_CERTIFICATE_THUMBPRINT=thumbprint
        )
        assert send_batch(status(row).next_attempt_at, 10).sent == 1
        assert len(handler.messages) == 2
    oauth._cache.clear()
