"""The start page's forum statements carry their fixed limits in their text
(``hub.forum.summary``): with ``LIMIT $1`` PostgreSQL assumed a tenth of the rows for the one plan
it could keep for every value, found it dearer than a plan for the values and planned the
statement at every call, planning costing several times the execution. The text is what is
pinned: whether PostgreSQL then keeps one plan is its costing of the data (bench/README.md,
"session 11, plans"; at the tests' size a count of pg_prepared_statements' plans varied by run)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from hub.extensions import db
from hub.forum.summary import answered_for_asker
from hub.site.start import start_reads
from tests.plans import plan_of, sent_with

# A column of the newest and of the unanswered in the member's topics (not of "your answered").
START_COLUMN = "author_name"


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
        if START_COLUMN in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        forum = start_reads(member).forum
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert forum.newest and forum.for_me
    return sent


def test_the_start_pages_limits_are_written_in(app, reader):
    """One statement (the newest, the unanswered in the member's topics, "your answered", the
    meetings, the material, the networks and their meetings: seven statements before), each
    part with its limit in the text."""
    [statement] = sent_by_start_page(reader)
    parts = re.split(r"\bAS part\d\b", statement)
    assert len(parts) == 8, statement  # seven subqueries, then the end
    assert re.search(r"network\.name\s+LIMIT 1000\b", parts[5]), parts[5]
    assert "'scheduled'" in parts[6], parts[6]  # written in, as the meetings the member comes to
    assert re.search(r"starts_at\s+LIMIT 3\b", parts[3]), parts[3]
    assert re.search(r"created_at DESC\s+LIMIT 3\b", parts[4]), parts[4]
    for part, shown in zip(parts[:3], ("5", "5", "3"), strict=True):
        # the newest: its own; the unanswered: its own and each topic's (LATERAL or slots; not
        # SQLite's slot's LIMIT 1 OFFSET n, which picks the topic); "your answered": its own
        limits = re.findall(
            r"(?:question\.id|question_tag\.question_id) DESC\s+LIMIT ([^\s)]+)", part
        )
        assert limits and set(limits) == {shown}, part
    if db.engine.dialect.name == "postgresql":  # a bound flag hides the partial indexes
        assert "question.hidden = false" in statement


def test_the_start_pages_parts_read_as_alone(app, reader, create_question):
    """Each part of the one statement reads its own index as it did alone: the newest and
    "your answered" in their order, with no sort (the unanswered: tests/forum/test_topic_*)."""
    create_question(reader, title="Min fråga", answer_count=1)
    db.session.execute(text("ANALYZE"))
    sent = sent_with(lambda: start_reads(reader))
    [(statement, parameters)] = [(s, p) for s, p in sent if "AS part0" in s]
    plan = plan_of(statement, parameters)
    assert "ix_question_author_activity" in plan, plan
    assert "ix_question_list_created" in plan, plan
    forum = start_reads(reader).forum
    assert [q.title for q in forum.answered] == ["Min fråga"]
    assert [q.title for q in forum.newest] == ["Min fråga", *(f"Fråga {n}" for n in (7, 6, 5, 4))]


def test_your_answered_questions_are_read_in_order_from_the_index(
    app, create_user, create_question
):
    """The start page's "your answered questions": on PostgreSQL the member is its one parameter
    ("the last 30 days" as ``now() - interval``, the limit and ``answer_count > 0`` written in):
    given the time as a parameter, the plan PostgreSQL could keep for any member looked dearer
    than one made for the values, and the statement was planned at every call (0.12 ms planning
    for a 2-buffer read). Read in its order, (last activity, id), from the index (migration
    0051): no sort."""
    member = create_user()
    for n in range(6):
        create_question(member, title=f"Min fråga {n}", answer_count=1 + n % 2)
    found = []
    sent = sent_with(lambda: found.extend(answered_for_asker(member)))
    [(statement, parameters)] = [(s, p) for s, p in sent if "question.answer_count" in s]
    assert len(found) == 3
    assert re.search(r"LIMIT 3\b", statement), statement
    if db.engine.dialect.name == "postgresql":
        assert "now() - interval '30 days'" in statement and "answer_count > 0" in statement
        assert re.findall(r"%\((\w+)\)s", statement) == ["user_id"], statement
    plan = plan_of(statement, parameters)
    assert "ix_question_author_activity" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
