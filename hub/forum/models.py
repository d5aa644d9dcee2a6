"""Forum tables: categories, questions, answers, comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.db import UTCDateTime, utcnow
from hub.core.models import Tag
from hub.extensions import db

question_tag = Table(
    "question_tag",
    db.metadata,
    Column("question_id", ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    # A topic's newest questions straight from the index (the experts on a question count them).
    Index("ix_question_tag_tag_question", "tag_id", "question_id"),
    # The question's own values that the lists sort and filter a topic by, copied by triggers
    # (migrations 0033, 0034; never written by the app): one index per list order, led by the
    # topic, so a topic's page is read from the end of its index (hub/forum/questions.py); the
    # category last, so a topic in one category is found in the index alone.
    Column("listed", Boolean, server_default=false(), nullable=False),  # not deleted nor hidden
    Column("answered", Boolean, server_default=false(), nullable=False),
    Column("pinned", Boolean, server_default=false(), nullable=False),
    Column("created_at", UTCDateTime),
    Column("last_activity_at", UTCDateTime),
    Column("helpful_count", Integer, server_default="0", nullable=False),
    Column("category_id", Integer),
    *(
        Index(name, "tag_id", "listed", *order, "pinned", key, "question_id", "category_id")
        for name, order, key in [
            ("ix_question_tag_newest", (), "created_at"),
            ("ix_question_tag_unanswered", ("answered",), "created_at"),
            ("ix_question_tag_active", (), "last_activity_at"),
            ("ix_question_tag_helpful", (), "helpful_count"),
        ]
    ),
)


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


# The condition of the list indexes, written as each dialect renders ``visible_questions()``.
VISIBLE_SQLITE = text("deleted_at IS NULL AND hidden = 0")
VISIBLE_PG = text("deleted_at IS NULL AND hidden = false")
# ... and unanswered: the list tests ``answer_count = 0`` written in (``questions.list_shape``).
UNANSWERED_SQLITE = text("deleted_at IS NULL AND hidden = 0 AND answer_count = 0")
UNANSWERED_PG = text("deleted_at IS NULL AND hidden = false AND answer_count = 0")


class Question(db.Model):
    __table_args__ = (
        Index("ix_question_visible_created", "deleted_at", "hidden", "created_at"),
        # One partial index per list sort over the visible questions, pinned first and the id as
        # tie-breaker: the list walks the index in order and stops at the page. Partial, because
        # PostgreSQL cannot skip an "IS NULL" leading column when matching the ORDER BY.
        Index(
            "ix_question_list_created",
            "pinned",
            "created_at",
            "id",
            sqlite_where=VISIBLE_SQLITE,
            postgresql_where=VISIBLE_PG,
        ),
        Index(
            "ix_question_list_activity",
            "pinned",
            "last_activity_at",
            "id",
            sqlite_where=VISIBLE_SQLITE,
            postgresql_where=VISIBLE_PG,
        ),
        Index(
            "ix_question_list_helpful",
            "pinned",
            "helpful_count",
            "id",
            sqlite_where=VISIBLE_SQLITE,
            postgresql_where=VISIBLE_PG,
        ),
        # Partial on the unanswered, not led by answer_count: so led, PostgreSQL took its entries
        # to lie all over the table and walked the newest questions testing each (migration 0051).
        Index(
            "ix_question_list_unanswered",
            "pinned",
            "created_at",
            "id",
            sqlite_where=UNANSWERED_SQLITE,
            postgresql_where=UNANSWERED_PG,
        ),
        Index("ix_question_category_created", "category_id", "created_at"),
        Index("ix_question_author_created", "author_id", "created_at"),
        # The start page's own answered questions of the last 30 days (hub/forum/summary.py), in
        # its order: without the id the plan kept for any member needed a sort (migration 0051).
        Index("ix_question_author_activity", "author_id", "last_activity_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of their own: ix_question_author_created and ix_question_category_created lead
    # with them (fewer indexes make every non-HOT update of a question cheaper; migration 0041).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
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
    answer_count: Mapped[int] = mapped_column(default=0)
    # Helpful marks on all the question's visible answers, for the "most helpful" sort.
    helpful_count: Mapped[int] = mapped_column(default=0)
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


class Revision(db.Model):
    """The text of a question or answer as it was before an edit."""

    __table_args__ = (Index("ix_revision_target", "target_type", "target_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))  # "question", "answer"
    target_id: Mapped[int] = mapped_column()
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), default="")
    body_source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HelpfulMark(db.Model):
    """A member found an answer helpful; once per member and answer."""

    __table_args__ = (UniqueConstraint("answer_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Flag(db.Model):
    """A member asks the moderators to look at a question, answer or comment."""

    __table_args__ = (Index("ix_flag_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))  # "question", "answer", "comment"
    target_id: Mapped[int] = mapped_column()
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    reporter: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[reporter_id])
    question: Mapped[Question] = relationship(lazy="raise")


class ModerationLog(db.Model):
    """Who did what to which post, why and when. Never edited or deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # "hide", "unhide", "lock", "unlock", "pin", "unpin", "move", "merge", "resolve_flag"
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column()
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(lazy="raise")


class AskToAnswer(db.Model):
    """One member asked a colleague to answer a question; once per pair."""

    __table_args__ = (UniqueConstraint("question_id", "asked_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    asked_user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EscalationStep(db.Model):
    """A step of "nobody is left without an answer" taken for a question; the unique constraint
    makes each step happen once even with several workers running at the same moment."""

    __table_args__ = (UniqueConstraint("question_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))  # "experts", "coordinators", "accept_reminder"
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified: Mapped[int] = mapped_column(default=0)
