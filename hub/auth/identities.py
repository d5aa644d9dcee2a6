"""Accounts at the municipalities' identity providers, linked to hub accounts.

The one owner of ``ExternalIdentity``. An identity is the pair (issuer, subject), never the
e-mail claim: a first sign-in links to an existing account only after its owner proves it (the
password once, or a link mailed to the account's address); otherwise a new member is made in
the municipality the tenant is mapped to. Functions flush; the view commits.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth import accounts, tokens
from hub.auth.models import ExternalIdentity, User
from hub.core import db as core_db
from hub.core.db import delete_owned
from hub.core.rules import Conflict
from hub.extensions import db
from hub.mail.outbox import queue_email

log = logging.getLogger(__name__)

# How long the first-sign-in page may wait for the person to link or create an account (the
# mailed link must be followed within it too).
PENDING_SECONDS = 60 * 60
LABEL_LENGTH = 254


class SignInRefused(Exception):
    """The provider's answer signs nobody in. ``reason``: "invalid", "unmapped", "inactive"
    (the linked account is turned off) or "down"."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProviderIdentity:
    """What a validated sign-in at a provider says, small enough for the session."""

    protocol: str
    issuer: str
    subject: str
    municipality_code: str
    name: str
    email: str | None
    label: str
    mfa: bool

    @classmethod
    def from_claims(
        cls,
        *,
        protocol: str,
        issuer: str,
        subject: str,
        municipality_code: str,
        name: object,
        email: object,
        username: object,
        mfa: bool,
    ) -> ProviderIdentity:
        """Only well-formed strings are kept: the rest of a token is not trusted to be tidy."""
        email = clean(email, 254)
        if email is not None and ("@" not in email or any(c.isspace() for c in email)):
            email = None
        username = clean(username, LABEL_LENGTH)
        return cls(
            protocol=protocol,
            issuer=issuer,
            subject=subject,
            municipality_code=municipality_code,
            name=clean(name, 120) or "",
            email=accounts.normalise_email(email) if email else None,
            label=email or username or clean(name, LABEL_LENGTH) or subject[:LABEL_LENGTH],
            mfa=mfa,
        )

    def as_session(self) -> dict:
        return {**asdict(self), "t": int(core_db.utcnow().timestamp())}

    @classmethod
    def from_session(cls, data: object) -> ProviderIdentity | None:
        """The pending identity, or None when missing, malformed or too old."""
        if not isinstance(data, dict) or not isinstance(data.get("t"), int):
            return None
        if core_db.utcnow().timestamp() - data["t"] > PENDING_SECONDS:
            return None
        fields = {k: v for k, v in data.items() if k != "t"}
        try:
            return cls(**fields)
        except TypeError:
            return None


def clean(value: object, length: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.replace("\x00", "").split())
    return value[:length] or None


# --- finding and linking ---------------------------------------------------------------------


def find_identity(issuer: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )


def user_for(identity: ProviderIdentity) -> User | None:
    """The account the identity is linked to (None: a first sign-in); notes the use."""
    row = find_identity(identity.issuer, identity.subject)
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if not user.active:
        raise SignInRefused("inactive", f"user {user.id} is deactivated")
    row.last_used_at = core_db.utcnow()
    return user


class AlreadyLinked(Conflict):
    """The identity belongs to another account already."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Kommunens konto är redan kopplat till ett annat konto i Stafetten. Logga in med "
                "kommunens konto, så kommer du till det kontot."
            )
        )


def do_link(user: User, identity: ProviderIdentity) -> ExternalIdentity:
    """Link ``identity`` to ``user`` (whose owner has proved it); tells the owner by mail."""
    row = find_identity(identity.issuer, identity.subject)
    if row is not None:
        if row.user_id != user.id:
            raise AlreadyLinked
        return row
    row = ExternalIdentity(
        user_id=user.id,
        protocol=identity.protocol,
        issuer=identity.issuer,
        subject=identity.subject,
        label=identity.label,
        last_used_at=core_db.utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    queue_email(
        "identity_linked",
        user.email,
        kind="account_identity_linked",
        user_id=user.id,
        name=user.name,
        label=identity.label,
        settings_url=accounts.absolute_url("auth.account"),
    )
    log.info(
        "Linked %s identity %s of %s to user %s",
        identity.protocol,
        row.id,
        identity.issuer,
        user.id,
    )
    return row


class EmailInUse(Conflict):
    """An account has this address: its owner must link it instead (never by the claim alone)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Det finns redan ett konto med den adressen. Koppla ihop det med lösenordet "
                "eller med ett mejl här ovanför."
            ),
            field="email",
        )


def do_create_member(identity: ProviderIdentity, email: str | None = None) -> User:
    """A new member in the tenant's municipality, named from the claims.

    The address is confirmed when it came from the provider; a typed one gets a confirmation
    mail. No password: the member signs in through the provider (or sets one by a reset)."""
    address = identity.email or email
    if not address:
        raise ValueError("an address is needed")
    if accounts.find_user_by_email(address) is not None:
        raise EmailInUse
    user = accounts.create_account(
        email=address,
        name=identity.name or identity.label,
        password=secrets.token_urlsafe(32),
        municipality_code=identity.municipality_code,
        confirmed=identity.email is not None,
    )
    if identity.email is None:
        accounts.send_confirmation(user)
    do_link(user, identity)
    return user


def identities_of(user: User) -> list[ExternalIdentity]:
    return list(
        db.session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user.id)
            .order_by(ExternalIdentity.created_at, ExternalIdentity.id)
        )
    )


def do_remove(user: User, identity_id: int) -> ExternalIdentity | None:
    """Unlink one of ``user``'s identities; None when it is not theirs."""
    return delete_owned(ExternalIdentity, identity_id, lambda row: row.user_id == user.id)


# --- proving ownership by mail -----------------------------------------------------------------


def link_fingerprint(user: User) -> str:
    return tokens.fingerprint(user.id, user.email, user.session_version)


def request_link_by_mail(address: str, identity: ProviderIdentity) -> None:
    """Mail a link to the account at ``address`` that links ``identity`` to it when its owner
    presses the button. Silent when there is no such account, so nothing tells a stranger
    whether an address has one."""
    if not accounts.mail_allowed("link", address):
        return
    user = accounts.find_user_by_email(address)
    if user is None or not user.active:
        return
    token = tokens.make_token(
        tokens.LINK_IDENTITY,
        {"u": user.id, "f": link_fingerprint(user), "i": asdict(identity)},
    )
    queue_email(
        "link_identity",
        user.email,
        kind="account_link_identity",
        user_id=user.id,
        name=user.name,
        label=identity.label,
        link_url=accounts.absolute_url("auth.link_by_mail", token=token),
    )


def link_request_for(token: str) -> tuple[User, ProviderIdentity]:
    payload = tokens.read_token(tokens.LINK_IDENTITY, token)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active or not isinstance(payload.get("i"), dict):
        raise tokens.TokenInvalid
    if payload.get("f") != link_fingerprint(user):
        raise tokens.TokenGone
    try:
        return user, ProviderIdentity(**payload["i"])
    except TypeError as error:
        raise tokens.TokenInvalid from error
