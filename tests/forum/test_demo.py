from __future__ import annotations

import random

from sqlalchemy import func, select

from hub.extensions import db
from hub.forum import demo
from hub.forum.models import Answer, Category, HelpfulMark, Question


def test_small_demo_is_realistic_and_idempotent(app, create_user):
    for _ in range(6):
        create_user()
    lines = list(demo.seed(random.Random(1381), "small"))
    db.session.commit()
    assert any("300 frågor" in line for line in lines)
    names = set(db.session.scalars(select(Category.name)))
    assert {"Välfärdsteknik", "Etik och integritet", "Nätverket"} <= names
    count = lambda *where: db.session.scalar(select(func.count(Question.id)).where(*where))  # noqa: E731
    assert count() == 300
    assert count(Question.answer_count == 0) > 10
    assert count(Question.accepted_answer_id.is_not(None)) > 50
    assert db.session.scalar(select(func.count(HelpfulMark.id))) > 50
    answers = db.session.scalar(select(func.count(Answer.id)))
    assert answers == db.session.scalar(select(func.sum(Question.answer_count)))
    titles = " ".join(db.session.scalars(select(Question.title)))
    for topic in ("surfplatt", "lås", "Läkemedelsrobot", "Videosamtal", "Teams", "Lösenord"):
        assert topic.lower() in titles.lower()
    again = list(demo.seed(random.Random(1381), "small"))
    assert any("finns redan" in line for line in again)
    assert count() == 300


def test_flush_views_command(app, create_user, create_question):
    from hub.forum.viewcounts import count_view

    question = create_question(create_user())
    count_view(question.id)
    result = app.test_cli_runner().invoke(args=["hub", "flush-views"])
    assert result.exit_code == 0 and "Skrev 1 visningar." in result.output
    db.session.refresh(question)
    assert question.view_count == 1
