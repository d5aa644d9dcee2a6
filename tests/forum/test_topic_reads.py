"""A topic's list reads a page, not the questions, on SQLite and on PostgreSQL (issue 17, 10x the
data): the start page's "unanswered in your topics" and the lists of a tag (in a category too) or
of the member's topics, in every order, when the topics hold many questions and none is left to
show.

At 200,000 questions PostgreSQL walked every question for the start page (376 ms) while the plan
tests passed: with sequential scans priced out they see index scans, and a walk of a whole index
is one. So here the database's own count of the work is read: on PostgreSQL the rows each scan
of EXPLAIN ANALYZE's plan read (and its filters threw away), on SQLite its virtual machine's
instructions. Thousands more questions, in the topics and outside them, must not add to it.
(A tag asked for in a category none of its questions is in walks the tag's index entries, not
its questions: a few instructions each on SQLite, no row on PostgreSQL.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select, text

from hub.core.db import utcnow
from hub.extensions import db
from hub.forum.models import Category, Question, question_tag
from hub.forum.questions import SORTS
from tests.forum.test_mix_pages import sqlite_steps

ADDED = 2000  # questions in the reader's topics, and as many outside them


def pages(tag_slug: str, empty_slug: str, elsewhere: str) -> list[str]:
    """``elsewhere``: a category none of the tag's questions is in."""
    found = ["/"]
    for sort in SORTS:
        found += [f"/fragor?min=1&sort={sort}", f"/fragor?tagg={tag_slug}&sort={sort}"]
        found += [f"/fragor?tagg={tag_slug}&kategori={elsewhere}&sort={sort}"]
    found += [f"/fragor?tagg={empty_slug}&sort=unanswered", f"/fragor?min=1&tagg={tag_slug}"]
    return [*found, "/fragor?min=1&sort=unanswered&page=3"]


def add_questions(author, category, tag_ids: list[int], n: int, *, answered: bool) -> None:
    """n questions newer than those before, each in one of ``tag_ids`` (none: in no topic)."""
    now = utcnow() + timedelta(days=1)
    newest = db.session.scalar(select(Question.created_at).order_by(Question.created_at.desc()))
    start = max(now, (newest or now) + timedelta(minutes=1))
    first = (db.session.scalar(select(Question.id).order_by(Question.id.desc())) or 0) + 1
    db.session.execute(
        insert(Question),
        [
            {"author_id": author.id, "category_id": category.id, "title": f"Fråga {i}",
             "body_source": "Text", "body_html": "<p>Text</p>",
             "created_at": start + timedelta(minutes=i),
             "last_activity_at": start + timedelta(minutes=i),
             "answer_count": int(answered), "helpful_count": i % 5}
            for i in range(n)
        ],
    )  # fmt: skip
    ids = db.session.scalars(select(Question.id).where(Question.id >= first)).all()
    if tag_ids:
        rows = [{"question_id": q, "tag_id": tag_ids[i % len(tag_ids)]} for i, q in enumerate(ids)]
        db.session.execute(insert(question_tag), rows)
    db.session.commit()


@pytest.fixture
def reader_world(app, client, login, create_user, create_tag, give_expertise, category):
    """A reader who knows three topics (one without questions); every question in them is
    answered, and newer unanswered questions are in other topics."""
    reader, asker = create_user(), create_user()
    known = [create_tag("Trygghetslarm"), create_tag("Läkemedelsrobot"), create_tag("GPS-larm")]
    other = create_tag("Appar")
    give_expertise(reader, *known)
    elsewhere = Category(slug="annat", name="Annat")
    db.session.add(elsewhere)
    db.session.commit()
    add_questions(asker, category, [known[0].id, known[1].id], 60, answered=True)
    add_questions(asker, category, [other.id], 60, answered=False)
    login(reader)
    return {
        "asker": asker,
        "topics": [known[0].id, known[1].id],
        "other": other.id,
        "urls": pages(known[0].slug, known[2].slug, elsewhere.slug),
    }


def rows_read(plan: dict) -> int:
    """Rows the scans of an EXPLAIN ANALYZE plan read, kept or thrown away by a filter."""
    loops = plan.get("Actual Loops", 1)
    read = 0
    if "Scan" in plan["Node Type"]:
        kept = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        read = kept * loops
    return read + sum(rows_read(child) for child in plan.get("Plans", []))


def postgresql_rows(client, url: str) -> tuple[int, int]:
    """Rows read and buffers touched by the statements of one request, by EXPLAIN ANALYZE."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    client.get(url)  # warm
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    connection = db.session.connection()
    rows = buffers = 0
    for statement, parameters in captured:
        explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement
        plan = connection.exec_driver_sql(explain, parameters).scalar()[0]["Plan"]
        rows += rows_read(plan)
        buffers += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    return rows, buffers


def work(client, urls: list[str]) -> dict[str, int]:
    if db.engine.dialect.name == "postgresql":
        return {url: postgresql_rows(client, url)[0] for url in urls}
    return {url: sqlite_steps(client, url) * 100 for url in urls}


def test_a_topics_page_reads_a_page_however_many_questions_there_are(
    app, client, reader_world, category
):
    urls = reader_world["urls"]
    few = work(client, urls)
    asker = reader_world["asker"]
    add_questions(asker, category, reader_world["topics"], ADDED, answered=True)
    add_questions(asker, category, [reader_world["other"]], ADDED, answered=False)
    add_questions(asker, category, [], ADDED, answered=False)
    db.session.execute(text("ANALYZE"))
    many = work(client, urls)
    # PostgreSQL: rows; SQLite: instructions (a row tested costs 8 or more).
    allowed = 0.05 if db.engine.dialect.name == "postgresql" else 1.5
    per_question = {url: (many[url] - few[url]) / (3 * ADDED) for url in urls}
    walks = {url: round(grew, 2) for url, grew in per_question.items() if grew > allowed}
    assert walks == {}, (few, many)


def test_rows_read_counts_every_scan_and_what_its_filter_threw_away():
    plan = {
        "Node Type": "Nested Loop",
        "Actual Rows": 5,
        "Plans": [
            {"Node Type": "Index Only Scan", "Actual Rows": 3, "Actual Loops": 2},
            {"Node Type": "Seq Scan", "Actual Rows": 1, "Rows Removed by Filter": 9},
            {"Node Type": "Sort", "Actual Rows": 4, "Plans": []},
        ],
    }
    assert rows_read(plan) == 6 + 10
