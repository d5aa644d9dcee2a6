"""Reference data (regions, municipalities, units, role types, care areas) and directory tables."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
