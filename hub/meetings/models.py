"""Networks, their member municipalities in rotation order, and coordinators."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.directory.models import Municipality
from hub.extensions import db

network_coordinator = Table(
    "network_coordinator",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Network(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # How often the network means to meet, in months; the baton reminders count from it.
    rhythm_months: Mapped[int] = mapped_column(default=3)

    members: Mapped[list[NetworkMunicipality]] = relationship(
        back_populates="network",
        lazy="raise",
        order_by="NetworkMunicipality.position",
        cascade="all, delete-orphan",
    )
    coordinators: Mapped[list[User]] = relationship(secondary=network_coordinator, lazy="raise")


class NetworkMunicipality(db.Model):
    """A municipality's place in a network's rotation order."""

    __table_args__ = (UniqueConstraint("network_id", "municipality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.scb_code"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # A municipality that leaves keeps its history but is skipped in the rotation.
    active: Mapped[bool] = mapped_column(default=True)

    network: Mapped[Network] = relationship(back_populates="members", lazy="raise")
    municipality: Mapped[Municipality] = relationship(lazy="raise")
