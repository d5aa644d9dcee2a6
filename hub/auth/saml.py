"""Sign-in with the municipality's own account over SAML 2.0 (pysaml2 as service provider), for
municipalities without Entra (ADFS and other identity providers).

Assertions must be signed by the identity provider's key from its metadata (checked by
Debian's ``xmlsec1``), addressed to this hub, in time, and in answer to a request this hub made.
The identity provider posts its answer from another site, so the session cookie (SameSite=Lax)
does not come along: the request id travels in a signed RelayState, and the validated identity
goes on in a short-lived signed token to a GET here, where the session shows that this browser
started the sign-in. RelayState is never a place to go to.

pysaml2 (with xmlschema and elementpath) is imported on first use, not with the app: most
installations never turn SAML on, and it would cost every web worker about 20 MB.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import shutil
from dataclasses import asdict
from typing import TYPE_CHECKING

from defusedxml import ElementTree
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.auth.identities import ProviderIdentity, SignInRefused
from hub.auth.models import TenantKind

if TYPE_CHECKING:
    from saml2.config import SPConfig

log = logging.getLogger(__name__)

RELAY_SECONDS = 15 * 60  # from the hub's button to the identity provider's answer
HANDOVER_SECONDS = 120  # from the answer to the GET that signs in
MFA_CONTEXTS = {
    "https://refeds.org/profile/mfa",
    "http://schemas.microsoft.com/claims/multipleauthn",
}
EMAIL_ATTRIBUTES = (
    "mail",
    "email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)
# SHA-1 signatures can be forged with money: refused, whatever pysaml2 would accept.
# (pysaml2's SIG_RSA_SHA1 and DIGEST_SHA1, written out so the module loads without it.)
WEAK_ALGORITHMS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#sha1",
}
NAME_ATTRIBUTES = (
    "displayName",
    "cn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
)


def enabled() -> bool:
    return bool(current_app.config.get("SAML_IDP_METADATA"))


def entity_id() -> str:
    from hub.auth.accounts import absolute_url

    return current_app.config.get("SAML_ENTITY_ID") or absolute_url("auth.saml_metadata")


def sp_config() -> SPConfig:
    """The service provider's settings, made on first use and kept for the app."""
    config = current_app.extensions.get("hub_saml")
    if config is None:
        import saml2
        from saml2.config import SPConfig
        from saml2.saml import NAMEID_FORMAT_PERSISTENT

        from hub.auth.accounts import absolute_url

        app_config = current_app.config
        settings = {
            "entityid": entity_id(),
            "xmlsec_binary": app_config.get("SAML_XMLSEC_BINARY") or shutil.which("xmlsec1"),
            "metadata": {"local": app_config["SAML_IDP_METADATA"].split(",")},
            "accepted_time_diff": 60,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [
                            (absolute_url("auth.saml_acs"), saml2.BINDING_HTTP_POST)
                        ]
                    },
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "allow_unsolicited": False,
                    "authn_requests_signed": False,
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                }
            },
        }
        if app_config.get("SAML_KEY_FILE") and app_config.get("SAML_CERT_FILE"):
            settings.update(
                key_file=app_config["SAML_KEY_FILE"], cert_file=app_config["SAML_CERT_FILE"]
            )
        config = SPConfig().load(settings)
        current_app.extensions["hub_saml"] = config
    return config


def metadata_xml() -> str:
    from saml2.metadata import create_metadata_string

    return create_metadata_string(None, config=sp_config(), valid=24 * 7).decode()


def identity_providers() -> list[str]:
    return sorted(sp_config().metadata.identity_providers())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"stafetten:saml-{purpose}"
    )


def browser_mark(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()[:32]


def authorize_url(idp: str, browser_nonce: str) -> str:
    """The identity provider's sign-in page with our AuthnRequest (HTTP-Redirect binding)."""
    from saml2.client import Saml2Client

    client = Saml2Client(config=sp_config())
    request_id, info = client.prepare_for_authenticate(entityid=idp, relay_state="")
    relay = _serializer("relay").dumps({"q": request_id, "b": browser_mark(browser_nonce)})
    location = dict(info["headers"])["Location"]
    return location + "&RelayState=" + relay


def read_relay(relay_state: str) -> dict:
    try:
        relay = _serializer("relay").loads(relay_state, max_age=RELAY_SECONDS)
    except BadSignature as error:  # off-site, tampered or too old
        raise SignInRefused("invalid", f"RelayState not ours: {relay_state[:80]!r}") from error
    return relay


def finish(saml_response: str, relay_state: str) -> str:
    """Validate the identity provider's answer; a token for the GET that signs in."""
    import saml2
    from saml2.client import Saml2Client

    relay = read_relay(relay_state)
    check_algorithms(saml_response)
    client = Saml2Client(config=sp_config())
    try:
        response = client.parse_authn_request_response(
            saml_response, saml2.BINDING_HTTP_POST, outstanding={relay["q"]: "/"}
        )
    except Exception as error:  # pysaml2 raises many kinds; every one means "not signed in"
        raise SignInRefused("invalid", f"SAML response refused: {error!r}") from error
    if response is None or response.assertion is None or response.name_id is None:
        raise SignInRefused("invalid", "SAML response without an assertion or NameID")
    identity = identity_from(response)
    return _serializer("handover").dumps({"i": asdict(identity), "b": relay["b"]})


def check_algorithms(saml_response: str) -> None:
    """Refuse an answer signed or digested with SHA-1 (or that is not XML at all)."""
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=True))
    except (binascii.Error, ValueError, ElementTree.ParseError) as error:
        raise SignInRefused("invalid", f"SAMLResponse unreadable: {error!r}") from error
    used = {
        element.get("Algorithm")
        for element in root.iter()
        if str(element.tag).endswith(("}SignatureMethod", "}DigestMethod"))
    }
    if used & WEAK_ALGORITHMS:
        raise SignInRefused("invalid", f"SAML response signed with SHA-1: {sorted(used)}")


def identity_from(response) -> ProviderIdentity:
    from hub.auth.oidc import tenant_row

    issuer = response.issuer()
    tenant = tenant_row(TenantKind.SAML, issuer)
    if tenant is None:
        raise SignInRefused("unmapped", f"no municipality for SAML issuer {issuer}")
    attributes = response.get_identity()
    classes = {info[0] for info in response.authn_info()}
    return ProviderIdentity.from_claims(
        protocol="saml",
        issuer=issuer,
        subject=response.name_id.text,
        municipality_code=tenant.municipality_code,
        name=first(attributes, NAME_ATTRIBUTES),
        email=first(attributes, EMAIL_ATTRIBUTES),
        username=None,
        mfa=bool(classes & MFA_CONTEXTS),
    )


def first(attributes: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        values = attributes.get(name)
        if values:
            return values[0]
    return None


def read_handover(token: str, browser_nonce: str | None) -> ProviderIdentity:
    """The identity from ``finish``, only in the browser that started the sign-in."""
    try:
        data = _serializer("handover").loads(token, max_age=HANDOVER_SECONDS)
    except BadSignature as error:
        raise SignInRefused("invalid", "SAML handover token not ours or too old") from error
    if not browser_nonce or data.get("b") != browser_mark(browser_nonce):
        raise SignInRefused("invalid", "SAML answer for another browser, or used already")
    return ProviderIdentity(**data["i"])
