"""Fixtures of the digest tests: questions, tags, follows and meetings as plain rows."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from hub.core.i18n import from_stockholm
from hub.core.models import Tag, user_expertise
from hub.extensions import db
from hub.forum.models import Answer, Category, Follow, Question, question_tag
from hub.meetings.models import Meeting

_n = itertools.count(1)

# A weekly digest due on Monday 16 November 2026 at 07:00 (CET), covering the week before.
MONDAY = from_stockholm(datetime(2026, 11, 16, 7, 0))  # noqa: DTZ001  (Stockholm wall clock)
IN_THE_WEEK = MONDAY - timedelta(days=2)
BEFORE_THE_WEEK = MONDAY - timedelta(days=9)


@pytest.fixture
def forum(app):
    class Forum:
        def category(self, name: str = "Dokumentation") -> Category:
            n = next(_n)
            category = Category(slug=f"kategori-{n}", name=f"{name} {n}")
            db.session.add(category)
            db.session.flush()
            return category

        def tag(self, name: str = "läkemedelsrobot") -> Tag:
            n = next(_n)
            tag = Tag(slug=f"tagg-{n}", name=f"{name}{n}")
            db.session.add(tag)
            db.session.flush()
            return tag

        def question(
            self, title, *, category, author=None, tags=(), created_at=IN_THE_WEEK, answers=0
        ) -> Question:
            question = Question(
                title=title,
                category_id=category.id,
                author_id=author.id if author else None,
                body_source="Text",
                body_html="<p>Text</p>",
                created_at=created_at,
                last_activity_at=created_at,
                answer_count=answers,
            )
            db.session.add(question)
            db.session.flush()
            for tag in tags:
                db.session.execute(
                    insert(question_tag).values(question_id=question.id, tag_id=tag.id)
                )
            return question

        def answer(self, question, author=None, created_at=IN_THE_WEEK) -> Answer:
            answer = Answer(
                question_id=question.id,
                author_id=author.id if author else None,
                body_source="Svar",
                body_html="<p>Svar</p>",
                created_at=created_at,
            )
            db.session.add(answer)
            db.session.flush()
            return answer

        def follow(self, user, target_type: str, target) -> None:
            db.session.add(Follow(user_id=user.id, target_type=target_type, target_id=target.id))
            db.session.flush()

        def expertise(self, user, tag) -> None:
            db.session.execute(insert(user_expertise).values(user_id=user.id, tag_id=tag.id))

        def meeting(self, network, *, starts_at, host_code="1381", title="Nätverksträff"):
            meeting = Meeting(
                network_id=network.id,
                host_code=host_code,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                place="Stadshuset, Laholm",
                uid=f"meeting-{next(_n)}@stafetten.test",
                created_at=starts_at - timedelta(days=30),
            )
            db.session.add(meeting)
            db.session.flush()
            return meeting

    return Forum()
