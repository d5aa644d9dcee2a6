"""Accounts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hub.core.db import UTCDateTime, utcnow
from hub.directory.models import Municipality, RoleType, Unit
from hub.directory.names import normalise_name, surname_key
from hub.extensions import db


class Role(enum.StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


# Bulk inserts bypass the ORM validator below; these keep their keys right too.
def _name_key_default(context) -> str:
    return normalise_name(context.get_current_parameters().get("name"))


def _surname_key_default(context) -> str:
    return surname_key(context.get_current_parameters().get("name"))


class User(UserMixin, db.Model):
    __table_args__ = (
        # The directory's name search is a prefix match; PostgreSQL needs pattern ops for that.
        Index(
            "ix_user_name_key_prefix",
            "name_key",
            postgresql_ops={"name_key": "varchar_pattern_ops"},
        ),
        Index(
            "ix_user_surname_key_prefix",
            "surname_key",
            postgresql_ops={"surname_key": "varchar_pattern_ops"},
        ),
        # The directory lists active people in (name, id) order.
        Index("ix_user_directory_order", "active", "name_key", "id"),
        # ... and a municipality's, from its end of this one (migration 0051).
        Index("ix_user_municipality_directory", "municipality_code", "active", "name_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    # The directory sorts and searches on this: set from ``name`` (see ``_set_name_key``).
    name_key: Mapped[str] = mapped_column(String(120), default=_name_key_default, index=True)
    # ... and this, so that a surname alone finds the person too.
    surname_key: Mapped[str] = mapped_column(String(120), default=_surname_key_default)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, password change and deactivation: every session of the account then ends.
    session_version: Mapped[int] = mapped_column(default=1)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    # The day (Stockholm) the member last used the hub: a date, not a time, and written at most
    # once a day (``hub.auth.last_seen``), for the network's health figures.
    last_seen_on: Mapped[date | None] = mapped_column(Date)
    # Two-factor sign-in: the TOTP secret, encrypted (``twofactor.seal_secret``; None = off),
    # and the last time step used, so that a code seen over someone's shoulder cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column()

    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.scb_code"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    role_type_slug: Mapped[str | None] = mapped_column(ForeignKey("role_type.slug"), index=True)
    # The title the municipality itself uses, e.g. "digitaliseringsombud".
    title: Mapped[str] = mapped_column(String(120), default="")

    municipality: Mapped[Municipality | None] = relationship(lazy="raise")
    unit: Mapped[Unit | None] = relationship(lazy="raise")
    role_type: Mapped[RoleType | None] = relationship(lazy="raise")

    @validates("name")
    def _set_name_key(self, _key: str, name: str) -> str:
        self.name_key = normalise_name(name)
        self.surname_key = surname_key(name)
        return name

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        # The session version travels in the id, so an old cookie stops matching at once.
        return f"{self.id}:{self.session_version}"


class Invitation(db.Model):
    """An invitation link from a coordinator or admin; only a hash of the token is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.scb_code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    invited_by: Mapped[User | None] = relationship(lazy="raise")
    municipality: Mapped[Municipality | None] = relationship(lazy="raise")


class RecoveryCode(db.Model):
    """A single-use code for signing in when the authenticator app is gone (stored hashed)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InvitationReminder(db.Model):
    """A reminder sent for an invitation nobody has used yet (step 1 after 3 days, 2 after 10).

    The unique constraint is what keeps two workers from sending a step twice.
    """

    __table_args__ = (UniqueConstraint("invitation_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TenantKind(enum.StrEnum):
    ENTRA = "entra"  # a Microsoft Entra tenant id (the token's ``tid``)
    ISSUER = "issuer"  # another OpenID Connect provider's issuer
    SAML = "saml"  # a SAML identity provider's entity id


class SignInTenant(db.Model):
    """Which municipality the people of one tenant or identity provider belong to.

    Only mapped tenants may sign in: a token from anywhere else is refused."""

    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Entra tenant ids are kept in lower case; issuers and entity ids exactly as sent.
    key: Mapped[str] = mapped_column(String(255))
    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipality.scb_code", ondelete="CASCADE"), index=True
    )

    municipality: Mapped[Municipality] = relationship(lazy="raise")


class ExternalIdentity(db.Model):
    """An account at a municipality's identity provider linked to a hub account.

    Identified by the validated issuer (per tenant) and the subject (Entra's ``oid``), never by
    the e-mail claim, which the provider may leave out or let people change."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(10))  # "oidc" or "saml"
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # What the member recognises it by (the provider's user name or e-mail when linked); shown only.
    label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")
