"""Forum rows inserted directly, then indexed the way the forum does it."""

from __future__ import annotations

import itertools

import pytest

from hub.core.markdown import render_markdown
from hub.core.models import Tag
from hub.extensions import db
from hub.forum.models import Answer, Category, Question
from hub.forum.search import reindex_question

_counter = itertools.count(1)


@pytest.fixture
def category(app) -> Category:
    return make_category()


def make_category(name: str | None = None) -> Category:
    n = next(_counter)
    category = Category(slug=f"kategori-{n}", name=name or f"Kategori {n}")
    db.session.add(category)
    db.session.flush()
    return category


@pytest.fixture
def create_question(app, category):
    """``create_question(title, body, answers=[...], tags=[...])``: committed and indexed."""

    def create(
        title: str,
        body: str = "Mer om frågan.",
        *,
        answers: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        category_id: int | None = None,
        **fields,
    ) -> Question:
        question = Question(
            title=title,
            body_source=body,
            body_html=render_markdown(body),
            category_id=category_id or category.id,
            answer_count=len(answers),
            **fields,
        )
        question.tags = [tag_named(slug) for slug in tags]
        db.session.add(question)
        db.session.flush()
        for text in answers:
            db.session.add(
                Answer(question_id=question.id, body_source=text, body_html=render_markdown(text))
            )
        db.session.flush()
        reindex_question(question.id)
        db.session.commit()
        return question

    return create


def tag_named(slug: str) -> Tag:
    tag = db.session.scalar(db.select(Tag).where(Tag.slug == slug))
    if tag is None:
        tag = Tag(slug=slug, name=slug.capitalize())
        db.session.add(tag)
    return tag
