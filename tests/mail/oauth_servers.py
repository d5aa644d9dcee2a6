"""A real OAuth 2.0 token endpoint (Authlib's authorization server) and an SMTP server (aiosmtpd)
that implements AUTH XOAUTH2 and accepts only live tokens from that endpoint, as Exchange Online
does with Entra ID's tokens."""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from flask import Flask
from werkzeug.serving import make_server

from tests.mail.helpers import RecordingHandler, free_port

CLIENT_ID = "stafetten-app"
CLIENT_SECRET = "ett-hemligt-klientlosenord"
MAILBOX = "natverket@kommun.example"


class Client(ClientMixin):
    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post" and endpoint == "token"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]  # noqa: RUF012  (Authlib's API)


class TokenEndpoint:
    """Issues tokens that live ``lifetime`` seconds; remembers them so the SMTP server can check."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.issued: dict[str, float] = {}  # token → expiry (time.time())
        self.revoked: set[str] = set()
        self.requests = 0
        app = Flask("token-endpoint")
        server = AuthorizationServer(app, query_client=self.query_client, save_token=self.save)
        server.register_grant(ClientCredentials)
        server.register_token_generator(
            "client_credentials",
            lambda client, grant_type, user=None, scope=None, expires_in=None, include_refresh_token=True: {  # noqa: E501
                "token_type": "Bearer",
                "access_token": secrets.token_urlsafe(32),
                "expires_in": self.lifetime,
                "scope": scope,
            },
        )

        @app.post("/token")
        def token():
            self.requests += 1
            return server.create_token_response()

        @app.post("/garbage")
        def garbage():
            return "<html>Det här är ingen token</html>", 200

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/token"

    def query_client(self, client_id: str) -> Client | None:
        return Client() if client_id == CLIENT_ID else None

    def save(self, token: dict, request) -> None:
        self.issued[token["access_token"]] = time.time() + token["expires_in"]

    def is_valid(self, token: str) -> bool:
        expires = self.issued.get(token)
        return expires is not None and expires > time.time() and token not in self.revoked


@contextlib.contextmanager
def token_endpoint(lifetime: int = 3600) -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(lifetime)
    server = make_server("127.0.0.1", endpoint.port, endpoint.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class XOAuth2Handler(RecordingHandler):
    """Accepts mail only after AUTH XOAUTH2 with a live token for the mailbox."""

    def __init__(self, endpoint: TokenEndpoint) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.logins: list[tuple[str, bool]] = []  # (token, accepted)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # aiosmtpd's auth_required would warn about AUTH without TLS; refuse here instead.
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def auth_XOAUTH2(self, server, args: list[str]) -> AuthResult:
        blob = args[1] if len(args) > 1 else ""
        text = base64.b64decode(blob).decode(errors="replace")
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        accepted = fields.get("user") == MAILBOX and self.endpoint.is_valid(token)
        with self.lock:
            self.logins.append((token, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=fields.get("user"))
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )


@contextlib.contextmanager
def xoauth2_smtp_server(endpoint: TokenEndpoint) -> Iterator[tuple[XOAuth2Handler, int]]:
    handler = XOAuth2Handler(endpoint)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,  # loopback only; Exchange itself requires STARTTLS
        auth_exclude_mechanism=["LOGIN", "PLAIN"],
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
