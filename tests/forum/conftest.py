"""Forum factories: categories, questions, answers, tags, expertise."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from sqlalchemy import insert

from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.core.models import Tag, user_expertise
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from tests.conftest import csrf_token

_n = itertools.count(1)


@pytest.fixture
def category(app) -> Category:
    found = Category(slug=f"kategori-{next(_n)}", name="Välfärdsteknik", position=1)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def create_tag(app):
    def create(name: str) -> Tag:
        from hub.forum.questions import slugify

        tag = Tag(slug=slugify(name), name=name)
        db.session.add(tag)
        db.session.commit()
        return tag

    return create


@pytest.fixture
def give_expertise(app):
    def give(user, *tags: Tag) -> None:
        db.session.execute(
            insert(user_expertise), [{"user_id": user.id, "tag_id": t.id} for t in tags]
        )
        db.session.commit()

    return give


@pytest.fixture
def create_question(app, category):
    def create(
        author,
        title: str | None = None,
        body: str = "Hur gör ni med laddningen av surfplattorna?",
        tags=(),
        created_at: datetime | None = None,
        **fields,
    ) -> Question:
        moment = created_at or utcnow()
        question = Question(
            author_id=author.id,
            category_id=fields.pop("category_id", category.id),
            title=title or f"Fråga nummer {next(_n)} om surfplattor",
            body_source=body,
            body_html=render_markdown(body),
            created_at=moment,
            last_activity_at=moment,
            **fields,
        )
        question.tags = list(tags)
        db.session.add(question)
        db.session.commit()
        return question

    return create


@pytest.fixture
def create_answer(app):
    def create(question: Question, author, body: str = "Vi laddar dem i personalrummet.", **fields):
        answer = Answer(
            question_id=question.id,
            author_id=author.id,
            body_source=body,
            body_html=render_markdown(body),
            **fields,
        )
        db.session.add(answer)
        question.answer_count += 1
        db.session.commit()
        return answer

    return create


@pytest.fixture
def post(client):
    """POST a form with a valid CSRF token taken from a page the member can see."""

    def send(url: str, data: dict | None = None, page: str = "/fragor/ny", **kwargs):
        token = csrf_token(client.get(page).text)
        return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)

    return send
