"""The escalation's and the digest's unanswered questions are read from
``ix_question_list_unanswered``, the partial index on ``answer_count = 0`` (migration 0051), which
replaced the index led by ``answer_count``. A partial index serves a statement only if its
condition is in the text: with the 0 a parameter SQLite never used it, and PostgreSQL only in a
plan made for the values, not in the one a worker's connection keeps for any. The test holds
many answered and a few unanswered questions, analysed, and looks at that kept plan."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from hub.core.db import utcnow
from hub.core.models import Tag
from hub.digests.compose import _load_unanswered
from hub.extensions import db
from hub.forum.escalation import _due
from hub.forum.models import Question, question_tag
from tests.plans import kept_plan_text, sent_with

ANSWERED = 2000
UNANSWERED = 10
INDEX = "ix_question_list_unanswered"
UNANSWERED_TEST = "question.answer_count = "  # the 0 written in, or (before) a parameter


def assert_read_from_the_index(statement: str, parameters) -> None:
    assert re.search(r"question\.answer_count = 0\b", statement), statement
    if db.engine.dialect.name == "postgresql":  # SQLite walks the visible by time at any size
        plan = kept_plan_text(statement, parameters)
        # The plan kept for any values knows the 0 (a bound one: "answer_count = $3"), so it may
        # take the index; which index it takes at the tests' size varied with the database's
        # history (the index at large: bench/README.md, "session 13, fixB").
        assert not re.search(r"answer_count = \$\d", plan), plan
        assert "answer_count = 0" in plan or INDEX in plan, plan


@pytest.fixture
def mostly_answered(category, create_user) -> Tag:
    """ANSWERED answered and UNANSWERED unanswered questions of three days ago, all of one topic."""
    asker = create_user()
    tag = Tag(slug="surfplattor", name="Surfplattor")
    db.session.add(tag)
    db.session.flush()
    when = utcnow() - timedelta(days=3)
    db.session.execute(
        insert(Question),
        [
            {"author_id": asker.id, "category_id": category.id, "title": f"Fråga {n}",
             "body_source": "Hur?", "body_html": "<p>Hur?</p>", "created_at": when,
             "last_activity_at": when, "answer_count": 0 if n < UNANSWERED else 1 + n % 3}
            for n in range(ANSWERED + UNANSWERED)
        ],
    )  # fmt: skip
    ids = db.session.scalars(select(Question.id)).all()
    db.session.execute(insert(question_tag), [{"question_id": i, "tag_id": tag.id} for i in ids])
    db.session.execute(text("ANALYZE"))
    return tag


def test_the_escalation_reads_the_unanswered_from_their_index(app, mostly_answered):
    due = lambda: _due("experts", utcnow(), answered=False)  # noqa: E731
    [(statement, parameters)] = sent_with(due, UNANSWERED_TEST)
    assert_read_from_the_index(statement, parameters)


def test_the_digest_reads_the_unanswered_from_their_index(app, mostly_answered):
    pool = lambda: _load_unanswered(utcnow(), {mostly_answered.id})  # noqa: E731
    [(statement, parameters)] = sent_with(pool, UNANSWERED_TEST)
    assert_read_from_the_index(statement, parameters)
