"""A real OpenID Connect provider for the tests, built from Authlib's server components and run
on a loopback port: the authorization code flow with PKCE (S256 required) and nonce, a login
page, RS256-signed ID tokens, discovery, JWKS and an end-session endpoint.

``multi_tenant=True`` behaves as Microsoft Entra's ``organizations`` authority: the metadata's
issuer is ``…/{tenantid}/v2.0``, and a token carries its person's tenant in ``tid`` (and
``iss``) and the person's ``oid``. ``tamper`` makes the next tokens misbehave, for the
bad-input tests: extra or changed claims, ``drop_nonce``, ``foreign_key`` (signed by a key the
JWKS does not hold).
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "stafetten-test-client"
CLIENT_SECRET = "stafetten-test-secret"


@dataclass
class Person:
    username: str
    password: str
    name: str
    email: str | None = None
    tenant: str | None = None
    sub: str = field(default_factory=lambda: secrets.token_hex(8))
    oid: str = field(default_factory=lambda: secrets.token_hex(8))
    amr: list[str] | None = None


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri.endswith("/logga-in/kommun/klar")

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    person: Person
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> list[str] | None:
        return self.person.amr


class Provider:
    def __init__(self, *, multi_tenant: bool = False) -> None:
        self.multi_tenant = multi_tenant
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.people: dict[str, Person] = {}
        self.codes: dict[str, Code] = {}
        self.authorize_requests: list[dict] = []
        self.tamper: dict = {}
        self.clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET)}
        self.app = self.make_app()
        self.server = None
        self.base = ""

    # --- running -------------------------------------------------------------------------------

    def start(self) -> Provider:
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()

    def reset(self) -> None:
        self.people.clear()
        self.codes.clear()
        self.authorize_requests.clear()
        self.tamper.clear()

    @property
    def metadata_url(self) -> str:
        if self.multi_tenant:
            return f"{self.base}/organizations/v2.0/.well-known/openid-configuration"
        return f"{self.base}/.well-known/openid-configuration"

    def issuer_for(self, tenant: str | None) -> str:
        return f"{self.base}/{tenant}/v2.0" if self.multi_tenant else self.base

    def add_person(self, username: str, **fields) -> Person:
        person = Person(username=username, password=fields.pop("password", "hemligt"), **fields)
        self.people[username] = person
        return person

    # --- the server ----------------------------------------------------------------------------

    def make_app(self) -> Flask:
        app = Flask("test_oidc_provider")
        app.config["SECRET_KEY"] = "provider-only"
        server = AuthorizationServer(
            app, query_client=self.clients.get, save_token=lambda token, request: None
        )
        server.register_grant(self.code_grant(), [CodeChallenge(required=True), self.openid_code()])

        @app.get("/.well-known/openid-configuration")
        @app.get("/organizations/v2.0/.well-known/openid-configuration")
        def metadata():
            return jsonify(
                issuer=self.issuer_for("{tenantid}"),
                authorization_endpoint=f"{self.base}/authorize",
                token_endpoint=f"{self.base}/token",
                jwks_uri=f"{self.base}/jwks",
                end_session_endpoint=f"{self.base}/logout",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if request.method == "GET":
                self.authorize_requests.append(request.args.to_dict())
                server.get_consent_grant(end_user=None)  # a bad request fails here
                return login_page("")
            person = self.people.get(request.form.get("username", ""))
            if person is None or person.password != request.form.get("password"):
                return login_page("Fel användarnamn eller lösenord."), 200
            grant = server.get_consent_grant(end_user=person)
            return server.create_authorization_response(grant_user=person, grant=grant)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.get("/logout")
        def logout():
            return "<!doctype html><title>Utloggad</title><h1>Du är utloggad</h1>"

        def login_page(error: str) -> str:
            action = html.escape(request.full_path)
            return (
                '<!doctype html><html lang="sv"><head><title>Kommunens inloggning</title></head>'
                f"<body><h1>Kommunens inloggning</h1><p>{error}</p>"
                f'<form method="post" action="{action}">'
                '<label for="username">Användarnamn</label>'
                '<input id="username" name="username">'
                '<label for="password">Lösenord</label>'
                '<input id="password" name="password" type="password">'
                '<button type="submit">Logga in</button></form></body></html>'
            )

        return app

    def code_grant(self):
        provider = self

        class Grant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    person=request.user,
                    auth_time=int(time.time()),
                )

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                return item if item and item.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.person

        return Grant

    def openid_code(self) -> OpenIDCode:
        provider = self

        class Extension(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return False

            def resolve_client_private_key(self, client):
                return provider.foreign_key if provider.tamper.get("foreign_key") else provider.key

            def get_client_claims(self, client):
                return {"aud": [client.get_client_id()]}

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.tamper.get("drop_nonce"):
                    claims.pop("nonce", None)
                return claims

            def generate_user_info(self, user: Person, scope: str) -> dict:
                claims = {"iss": provider.issuer_for(user.tenant), "sub": user.sub}
                claims.update(name=user.name, preferred_username=user.username)
                if user.email:
                    claims["email"] = user.email
                if provider.multi_tenant:
                    claims.update(tid=user.tenant, oid=user.oid)
                claims.update(provider.tamper.get("claims", {}))
                return claims

        return Extension(require_nonce=True)
