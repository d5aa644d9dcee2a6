"""Tables shared by several parts: tags (both forum topics and profile expertise), the content
version the page cache is keyed on, and accessibility reports waiting to be mailed."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))


# A member's expertise: the same tags as questions, so a question can find who knows its topic.
user_expertise = Table(
    "user_expertise",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)
