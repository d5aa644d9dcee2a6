"""Which tenants (or identity providers) may sign in with the municipality's own account, and as
members of which municipality: the only writer of ``SignInTenant``. The admin area calls it.

Functions flush, never commit; a broken rule raises ``RuleError`` at its form field.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth.models import SignInTenant, TenantKind
from hub.core.db import delete_owned, flush_unique
from hub.core.rules import RuleError
from hub.directory.models import Municipality
from hub.extensions import db

ENTRA_TENANT_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def normalise_tenant_key(kind: str, key: str) -> str:
    key = key.strip()
    return key.lower() if kind == TenantKind.ENTRA else key


def check_tenant_key(kind: str, key: str) -> None:
    """Entra tenant ids are GUIDs; issuers are https addresses (plain http only on loopback, for
    trying things out); SAML entity ids are anything without spaces."""
    if kind not in set(TenantKind):
        raise RuleError(_("Välj ett slags inloggning i listan."), field="kind")
    if kind == TenantKind.ENTRA:
        if not ENTRA_TENANT_RE.match(key):
            raise RuleError(
                _(
                    "Skriv klientorganisationens id som det står i Entra, "
                    "t.ex. 72f988bf-86f1-41af-91ab-2d7cd011db47."
                ),
                field="key",
            )
    elif kind == TenantKind.ISSUER:
        parts = urlsplit(key)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK_HOSTS
        )
        if not (secure and parts.netloc) or any(c.isspace() for c in key):
            raise RuleError(
                _("Skriv utfärdarens adress, som börjar med https://, utan mellanslag."),
                field="key",
            )
    elif any(c.isspace() for c in key):
        raise RuleError(_("Skriv identitetsleverantörens entity ID, utan mellanslag."), field="key")


def list_sign_in_tenants(municipality: Municipality) -> list[SignInTenant]:
    return list(
        db.session.scalars(
            select(SignInTenant)
            .where(SignInTenant.municipality_code == municipality.scb_code)
            .order_by(SignInTenant.kind, SignInTenant.key)
        )
    )


def add_sign_in_tenant(municipality: Municipality, kind: str, raw_key: str) -> SignInTenant:
    """Let the people of a tenant (or identity provider) sign in as members of ``municipality``."""
    key = normalise_tenant_key(kind, raw_key)
    check_tenant_key(kind, key)
    existing = db.session.scalar(
        select(SignInTenant).where(SignInTenant.kind == kind, SignInTenant.key == key)
    )
    if existing is not None:
        raise RuleError(
            _("Den hör redan till kommun nummer %(code)s.", code=existing.municipality_code),
            field="key",
        )
    tenant = SignInTenant(kind=kind, key=key, municipality_code=municipality.scb_code)
    db.session.add(tenant)
    flush_unique("key", _("Den finns redan."))
    return tenant


def remove_sign_in_tenant(municipality: Municipality, tenant_id: int) -> SignInTenant | None:
    return delete_owned(
        SignInTenant, tenant_id, lambda tenant: tenant.municipality_code == municipality.scb_code
    )
