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
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.mail.helpers import RecordingHandler, free_port

CLIENT_ID = "stafetten-app"
CLIENT_SECRET = "ett-hemligt-klientlosenord"
MAILBOX = "natverket@kommun.example"
# The certificate credential: the client signs a JWT (RFC 7523) with its private key, as
# Entra ID allows instead of a secret; the endpoint knows only the certificate.
ASSERTION = JWTBearerClientAssertion.CLIENT_AUTH_METHOD


class Client(ClientMixin):
    def __init__(self, certificate_pem: bytes | None = None) -> None:
        self.certificate_pem = certificate_pem

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
        allowed = ASSERTION if self.certificate_pem else "client_secret_post"
        return method == allowed and endpoint == "token"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", ASSERTION]  # noqa: RUF012  (Authlib's API)


class CertificateAssertion(JWTBearerClientAssertion):
    """Checks the client's signed JWT as Entra does: audience the token URL, signed with the
    key of the registered certificate, whose thumbprint the JWT names in ``x5t``."""

    def __init__(self, endpoint: TokenEndpoint) -> None:
        super().__init__(leeway=10)
        self.endpoint = endpoint
        self.used_jti: set[str] = set()

    def get_audiences(self) -> list[str]:
        return [self.endpoint.url]

    def extract_assertion(self, assertion: str):
        headers, claims = super().extract_assertion(assertion)
        if headers.get("x5t") != self.endpoint.thumbprint:
            raise InvalidClientError(description="Unknown certificate thumbprint (x5t)")
        return headers, claims

    def resolve_client_public_key(self, client: Client) -> RSAKey:
        certificate = x509.load_pem_x509_certificate(client.certificate_pem)
        return RSAKey.import_key(
            certificate.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def validate_jti(self, claims, jti: str) -> bool:
        if jti in self.used_jti:
            return False
        self.used_jti.add(jti)
        return True


class TokenEndpoint:
    """Issues tokens that live ``lifetime`` seconds; remembers them so the SMTP server can check."""

    def __init__(self, lifetime: int = 3600, certificate: tuple[bytes, str] | None = None) -> None:
        """``certificate``: (PEM, x5t thumbprint) of the client's registered certificate; then
        the client must authenticate with a JWT signed by its key, not with the secret."""
        self.lifetime = lifetime
        self.certificate_pem, self.thumbprint = certificate or (None, None)
        self.issued: dict[str, float] = {}  # token → expiry (time.time())
        self.revoked: set[str] = set()
        self.requests = 0
        app = Flask("token-endpoint")
        server = AuthorizationServer(app, query_client=self.query_client, save_token=self.save)
        server.register_grant(ClientCredentials)
        server.register_client_auth_method(ASSERTION, CertificateAssertion(self))
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
        return Client(self.certificate_pem) if client_id == CLIENT_ID else None

    def save(self, token: dict, request) -> None:
        self.issued[token["access_token"]] = time.time() + token["expires_in"]

    def is_valid(self, token: str) -> bool:
        expires = self.issued.get(token)
        return expires is not None and expires > time.time() and token not in self.revoked


@contextlib.contextmanager
def token_endpoint(
    lifetime: int = 3600, certificate: tuple[bytes, str] | None = None
) -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(lifetime, certificate)
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
