"""The start page's forum statements carry their fixed limits in their text
(``hub.forum.summary``): with ``LIMIT $1`` PostgreSQL assumed a tenth of the rows for the one plan
it could keep for every value, found it dearer than a plan for the values and planned the
statement at every call, planning costing several times the execution."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from hub.extensions import db
from hub.forum.summary import start_page_forum
from tests.forum.test_performance import seed_questions

START_STATEMENTS = ("author_name",)  # the newest, and the unanswered in the member's topics


@pytest.fixture
def reader(create_user, create_tag, give_expertise, create_question):
    member, other = create_user(), create_user()
    topics = [create_tag(f"Ämne {n}") for n in range(3)]
    give_expertise(member, *topics)
    for n in range(8):
        create_question(other, title=f"Fråga {n}", tags=[topics[n % 3]])
    db.session.commit()
    return member


def sent_by_start_page(member) -> list[str]:
    sent: list[str] = []

    def keep(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if any(mark in statement for mark in START_STATEMENTS):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        forum = start_page_forum(member)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert forum.newest and forum.for_me
    return sent


def test_the_start_pages_limits_are_written_in(app, reader):
    sent = sent_by_start_page(reader)
    assert len(sent) == 2
    for statement in sent:
        # the newest: its own; the unanswered: its own and each topic's (LATERAL or slots; not
        # SQLite's slot's LIMIT 1 OFFSET n, which picks the topic)
        limits = re.findall(
            r"(?:question\.id|question_tag\.question_id) DESC\s+LIMIT ([^\s)]+)", statement
        )
        assert limits and set(limits) == {"5"}, statement


def test_postgresql_keeps_one_plan_for_the_start_page(
    app, reader, create_user, create_tag, give_expertise, category
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    # Enough questions in the reader's topic that PostgreSQL's one plan for any value looks dear
    # with a bound LIMIT (with a few, it kept that plan whatever the text).
    topic = create_tag("Många frågor")
    give_expertise(reader, topic)
    seed_questions(create_user(), category, 3000, topic)
    db.session.execute(text("ANALYZE"))
    for _ in range(12):  # psycopg prepares from the sixth use; the server plans five for values
        sent_by_start_page(reader)
    plans = db.session.execute(
        text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%author_name%'"
        )
    ).all()
    assert len(plans) == 2
    for generic, custom in plans:
        assert generic > 0 and custom <= 5, plans  # before: [(0, 7), (2, 5)]
