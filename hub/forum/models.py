"""Forum tables: categories, questions, answers, comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.db import UTCDateTime, utcnow
from hub.core.models import Tag
from hub.extensions import db

question_tag = Table(
    "question_tag",
    db.metadata,
    Column("question_id", ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Question(db.Model):
    __table_args__ = (
        Index("ix_question_visible_activity", "deleted_at", "hidden", "last_activity_at"),
        Index("ix_question_visible_created", "deleted_at", "hidden", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as written, and the sanitised HTML rendered once at save time.
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer.id", use_alter=True, ondelete="SET NULL")
    )
    answer_count: Mapped[int] = mapped_column(default=0, index=True)
    view_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))

    author: Mapped[User | None] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=question_tag, lazy="raise")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="question", lazy="raise", foreign_keys="Answer.question_id"
    )


class Answer(db.Model):
    __table_args__ = (Index("ix_answer_question_created", "question_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(default=False)
    helpful_count: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship(
        back_populates="answers", lazy="raise", foreign_keys=[question_id]
    )
    author: Mapped[User | None] = relationship(lazy="raise")


class Comment(db.Model):
    """A short comment on a question or on an answer (exactly one of the two is set)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(String(600))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(lazy="raise")


class Follow(db.Model):
    """A member follows a question, a tag or a category (target_type) and hears of new activity."""

    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_follow_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(20))  # "question", "tag", "category"
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
