"""A real SAML 2.0 identity provider for the tests: pysaml2's ``Server`` on a loopback port,
signing with a key made for the test run (through Debian's ``xmlsec1``).

``tamper``: ``unsigned`` (no signature on the assertion), ``forged`` (signed by another key
under the same entity id), ``audience`` (for another service provider), ``sha1`` (signed with
SHA-1). People are added with their NameID, attributes and whether they used two factors.
"""

from __future__ import annotations

import datetime
import html
import re
import shutil
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256
from werkzeug.serving import make_server


def make_key_and_cert(directory: Path, name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


class SamlIdp:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.keys = make_key_and_cert(directory, "idp")
        self.forger_keys = make_key_and_cert(directory, "forger")
        self.people: dict[str, dict] = {}
        self.tamper: dict = {}
        self.app = self.make_app()
        self.server_config: IdPConfig | None = None

    def start(self) -> SamlIdp:
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.http.server_port}"
        self.entity_id = f"{self.base}/idp"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()
        self.metadata_path = self.directory / "idp-metadata.xml"
        self.metadata_path.write_bytes(
            create_metadata_string(None, config=self.config(self.keys, None), valid=24)
        )
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.thread.join(timeout=10)
        self.http.server_close()

    def reset(self, sp_metadata: str) -> None:
        """Trust the hub's service provider metadata; forget people and tampering."""
        self.people.clear()
        self.tamper.clear()
        path = self.directory / "sp-metadata.xml"
        path.write_text(sp_metadata)
        self.sp_metadata_path = str(path)

    def add_person(self, username: str, *, subject: str, attributes: dict, mfa: bool = False):
        self.people[username] = {"subject": subject, "attributes": attributes, "mfa": mfa}

    def config(self, keys: tuple[str, str], sp_metadata: str | None) -> IdPConfig:
        return IdPConfig().load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": keys[0],
                "cert_file": keys[1],
                "metadata": {"local": [sp_metadata]} if sp_metadata else {},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {"default": {"lifetime": {"minutes": 5}}},
                    }
                },
            }
        )

    def server(self) -> Server:
        keys = self.forger_keys if self.tamper.get("forged") else self.keys
        return Server(config=self.config(keys, self.sp_metadata_path))

    def make_app(self) -> Flask:
        app = Flask("test_saml_idp")

        @app.get("/sso")
        def sso():
            return login_page("")

        @app.post("/sso")
        def sso_login():
            person = self.people.get(request.form.get("username", ""))
            if person is None:
                return login_page("Fel användarnamn.")
            return self.answer(person)

        def login_page(error: str) -> str:
            action = html.escape(request.full_path)
            return (
                '<!doctype html><html lang="sv"><head><title>Kommunens inloggning (SAML)</title>'
                f"</head><body><h1>Kommunens inloggning</h1><p>{error}</p>"
                f'<form method="post" action="{action}">'
                '<label for="username">Användarnamn</label><input id="username" name="username">'
                '<button type="submit">Logga in</button></form></body></html>'
            )

        return app

    def answer(self, person: dict) -> str:
        server = self.server()
        saml_request = request.args["SAMLRequest"]
        authn_request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        args = server.response_args(authn_request.message, [BINDING_HTTP_POST])
        if self.tamper.get("audience"):
            args["sp_entity_id"] = "https://annan-tjanst.example/saml"
        authn_class = (
            "https://refeds.org/profile/mfa"
            if person["mfa"]
            else "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        )
        response = server.create_authn_response(
            person["attributes"],
            userid=person["subject"],
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["subject"]),
            authn={"class_ref": authn_class, "authn_auth": self.entity_id},
            sign_assertion=not self.tamper.get("unsigned"),
            sign_response=False,
            sign_alg=SIG_RSA_SHA1 if self.tamper.get("sha1") else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if self.tamper.get("sha1") else DIGEST_SHA256,
            **args,
        )
        http_args = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            args["destination"],
            request.args.get("RelayState", ""),
            response=True,
        )
        return http_args["data"]


def posted_fields(page: str) -> dict[str, str]:
    """The hidden fields of the identity provider's auto-posting form."""
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
