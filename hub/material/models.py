"""Material tables: items, their files, how-to revisions, helpful marks, and meeting agendas."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.db import UTCDateTime, utcnow
from hub.core.models import Tag
from hub.directory.models import CareArea
from hub.extensions import db


class Kind(enum.StrEnum):
    FILM = "film"
    GUIDE = "guide"  # a discussion guide
    DOCUMENT = "document"
    HOWTO = "howto"  # a Markdown page written here
    LINK = "link"


class SourceKind(enum.StrEnum):
    PROJECT = "project"
    MUNICIPALITY = "municipality"
    MEMBER = "member"


class FileRole(enum.StrEnum):
    MAIN = "main"
    CAPTIONS = "captions"
    PREVIEW = "preview"  # a PDF's first page or a film's poster frame, made by the worker


class PreviewState(enum.StrEnum):
    NONE = "none"  # nothing to make (an image, an Office document, captions)
    PENDING = "pending"
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


material_tag = Table(
    "material_tag",
    db.metadata,
    Column("item_id", ForeignKey("material_item.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

material_care_area = Table(
    "material_care_area",
    db.metadata,
    Column("item_id", ForeignKey("material_item.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "care_area_slug",
        ForeignKey("care_area.slug", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class MaterialItem(db.Model):
    __tablename__ = "material_item"
    __table_args__ = (
        Index("ix_material_item_listed_created", "deleted_at", "created_at"),
        Index("ix_material_item_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    source_kind: Mapped[str] = mapped_column(String(20), default=SourceKind.MEMBER)
    # The project's or municipality's name as written ("Digga Halland"); empty for a member.
    source_name: Mapped[str] = mapped_column(String(120), default="")
    licence: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="sv")
    # A link, or an external film (YouTube, Vimeo): always a link, never an embedded player.
    url: Mapped[str | None] = mapped_column(String(500))
    # How-to pages: Markdown as written and the sanitised HTML rendered at save time.
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A film of our own is shown to everyone only with valid captions (WCAG 1.2.2).
    captions_ok: Mapped[bool] = mapped_column(default=False)
    helpful_count: Mapped[int] = mapped_column(default=0)
    # The discussion thread: a forum question made the first time someone asks for it.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=material_tag, lazy="raise")
    care_areas: Mapped[list[CareArea]] = relationship(
        secondary=material_care_area, lazy="raise", order_by=CareArea.position
    )
    files: Mapped[list[MaterialFile]] = relationship(
        back_populates="item", lazy="raise", order_by="MaterialFile.id"
    )


class MaterialFile(db.Model):
    __tablename__ = "material_file"
    __table_args__ = (Index("ix_material_file_preview", "preview_state", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("material_item.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    # Where the storage keeps it: random, never made from the uploaded name.
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    filename: Mapped[str] = mapped_column(String(200))  # for Content-Disposition, cleaned
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    preview_state: Mapped[str] = mapped_column(String(20), default=PreviewState.NONE)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[MaterialItem] = relationship(back_populates="files", lazy="raise")


class MaterialRevision(db.Model):
    """A how-to page's earlier text, kept at each edit (like a question's revisions)."""

    __tablename__ = "material_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("material_item.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User | None] = relationship(lazy="raise")


class MaterialHelpful(db.Model):
    __tablename__ = "material_helpful"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("material_item.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A meeting's agenda lists material ("vi tittar på film 3"); the item page shows those meetings.
meeting_material = Table(
    "meeting_material",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "item_id", ForeignKey("material_item.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
    Column("added_at", UTCDateTime, default=utcnow),
)


class MaterialFeedToken(db.Model):
    """The secret in a member's private material feed URL, for feed readers that cannot sign
    in. Only its SHA-256 is kept (a copy of the database opens no feed); renewing or turning the
    feed off replaces or deletes the row, and the old URL stops working at once."""

    __tablename__ = "material_feed_token"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
