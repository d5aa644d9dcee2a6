"""Reference data (regions, municipalities, units, role types, care areas) and directory tables."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table, Text, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hub.core.db import UTCDateTime, utcnow
from hub.core.models import Tag, user_expertise
from hub.extensions import db


class Region(db.Model):
    """A Swedish county (län), keyed by its two-digit SCB code."""

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    municipalities: Mapped[list[Municipality]] = relationship(back_populates="region", lazy="raise")


class Municipality(db.Model):
    """A municipality (kommun), keyed by its four-digit SCB code, e.g. 1381 Laholm."""

    scb_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)

    region: Mapped[Region] = relationship(back_populates="municipalities", lazy="raise")
    units: Mapped[list[Unit]] = relationship(back_populates="municipality", lazy="raise")
    email_domains: Mapped[list[EmailDomain]] = relationship(
        back_populates="municipality", lazy="raise", cascade="all, delete-orphan"
    )


class Unit(db.Model):
    """A part of a municipality, such as one of Stockholm's stadsdelsområden."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    municipality: Mapped[Municipality] = relationship(back_populates="units", lazy="raise")


class EmailDomain(db.Model):
    """A work email domain that lets people of a municipality sign up by themselves."""

    domain: Mapped[str] = mapped_column(String(120), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)

    municipality: Mapped[Municipality] = relationship(back_populates="email_domains", lazy="raise")


class RoleType(db.Model):
    """The kind of role, whatever the municipality calls it."""

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class CareArea(db.Model):
    """Äldreomsorg, funktionshinder, socialpsykiatri."""

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class Visibility(enum.StrEnum):
    """Who may see one of a person's contact fields, as the person chose."""

    MEMBERS = "members"  # everyone signed in
    COORDINATORS = "coordinators"  # coordinators and admins
    NOBODY = "nobody"  # only the person


profile_care_area = Table(
    "profile_care_area",
    db.metadata,
    # Keyed by user (like ``user_expertise``), so a member's data export finds it by itself.
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "care_area_slug",
        ForeignKey("care_area.slug", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Profile(db.Model):
    """What a person tells the network about themselves, and who may see their contact details.

    One row per user at most; a user without one is shown with defaults (visible, no details).
    """

    __table_args__ = (
        # The few hidden from the directory, by user: lists test "not hidden" against them from
        # this index alone (``privacy.listed_by_exclusion``; migration 0041).
        Index(
            "ix_profile_hidden_user",
            "user_id",
            sqlite_where=text("hidden_from_directory = 1"),
            postgresql_where=text("hidden_from_directory"),
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    workplace: Mapped[str] = mapped_column(String(160), default="")
    # Markdown as written, and the sanitised HTML rendered once at save time.
    presentation_source: Mapped[str] = mapped_column(Text, default="")
    presentation_html: Mapped[str] = mapped_column(Text, default="")
    work_phone: Mapped[str] = mapped_column(String(40), default="")
    email_visibility: Mapped[str] = mapped_column(String(20), default=Visibility.MEMBERS)
    phone_visibility: Mapped[str] = mapped_column(String(20), default=Visibility.MEMBERS)
    hidden_from_directory: Mapped[bool] = mapped_column(default=False, index=True)
    # 0 means no photo; bumped on every new photo so browsers fetch it again.
    photo_version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship(
        "User", backref=backref("profile", uselist=False, lazy="raise"), lazy="raise"
    )
    care_areas: Mapped[list[CareArea]] = relationship(
        secondary=profile_care_area,
        primaryjoin=lambda: Profile.user_id == profile_care_area.c.user_id,
        secondaryjoin=lambda: CareArea.slug == profile_care_area.c.care_area_slug,
        foreign_keys=[profile_care_area.c.user_id, profile_care_area.c.care_area_slug],
        lazy="raise",
        order_by=CareArea.position,
    )
    # Expertise lives in the shared ``user_expertise`` table, keyed by user id.
    expertise: Mapped[list[Tag]] = relationship(
        secondary=user_expertise,
        primaryjoin=lambda: Profile.user_id == user_expertise.c.user_id,
        secondaryjoin=lambda: Tag.id == user_expertise.c.tag_id,
        foreign_keys=[user_expertise.c.user_id, user_expertise.c.tag_id],
        lazy="raise",
        order_by=Tag.name,
    )

    @property
    def has_photo(self) -> bool:
        return self.photo_version > 0


class ProfilePhoto(db.Model):
    """A re-encoded profile photo; kept apart so that loading profiles never loads the bytes."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("profile.user_id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MunicipalityChange(db.Model):
    """A member's request to belong to another municipality, waiting for someone who may vouch
    for that municipality (its networks' coordinators, or an admin) to approve it.

    While it waits the member belongs to no municipality: the old rights end at once, the new
    ones start on approval. ``from_code`` is given back if the request is withdrawn or refused.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), unique=True, index=True
    )
    from_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.scb_code"))
    to_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="raise")
    from_municipality: Mapped[Municipality | None] = relationship(
        foreign_keys=[from_code], lazy="raise"
    )
    to_municipality: Mapped[Municipality] = relationship(foreign_keys=[to_code], lazy="raise")
