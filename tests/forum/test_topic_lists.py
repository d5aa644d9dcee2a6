"""A topic's questions are read per topic from question_tag's copy of each question's values
(migration 0033): the lists show what a plain reading of the questions shows, and the copy
follows its question whoever writes it."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from hub.core.db import utcnow
from hub.extensions import db
from hub.forum import questions
from hub.forum.models import Category, Question, question_tag
from hub.forum.questions import QuestionFilters, list_questions
from hub.site.start import start_reads

SORT_KEYS = {
    "newest": lambda q: q.created_at,
    "unanswered": lambda q: q.created_at,
    "active": lambda q: q.last_activity_at,
    "helpful": lambda q: q.helpful_count,
}


def expected(all_questions, filters: QuestionFilters, reader, topics, *, others_only=False):
    """The page as a plain reading of every question gives it, and the ids after it."""
    shown = [
        q
        for q in all_questions
        if q.deleted_at is None
        and not q.hidden
        and (filters.category is None or q.category_id == filters.category.id)
        and (filters.tag is None or filters.tag.id in topics[q.id])
        and (not filters.mine_expertise or topics[q.id] & reader.known)
        and (filters.sort != "unanswered" or q.answer_count == 0)
        and (not others_only or q.author_id != reader.id)
    ]
    key = SORT_KEYS[filters.sort]
    shown.sort(key=lambda q: (q.pinned, key(q), q.id), reverse=True)
    start = (filters.page - 1) * filters.per_page
    ids = [q.id for q in shown[start:]]
    return ids[: filters.per_page], ids[filters.per_page :]


@pytest.fixture
def forum(app, create_user, create_tag, give_expertise, category):
    """Sixty questions in sixteen topics, one to three each; the reader knows fourteen topics
    (more than questions.MINE_SLOTS) and asked some of the questions; some are pinned, hidden,
    deleted, answered, in another category."""
    rng = random.Random(17)
    tags = [create_tag(f"Ämne {n}") for n in range(16)]
    reader, other = create_user(), create_user()
    give_expertise(reader, *tags[:14])
    reader.known = {tag.id for tag in tags[:14]}
    second = Category(slug="andra", name="Andra")
    db.session.add(second)
    db.session.flush()
    now = utcnow()
    made, chosen = [], []
    for n in range(60):
        question = Question(
            author_id=reader.id if n % 5 == 0 else other.id,
            category_id=second.id if n % 4 == 0 else category.id,
            title=f"Fråga {n}",
            body_source="Text",
            body_html="<p>Text</p>",
            created_at=now - timedelta(hours=rng.randrange(500)),
            last_activity_at=now - timedelta(hours=rng.randrange(500)),
            answer_count=rng.choice([0, 0, 1, 3]),
            helpful_count=rng.randrange(4),
            pinned=n % 17 == 0,
            hidden=n % 13 == 0,
            deleted_at=now if n % 19 == 0 else None,
        )
        question.tags = rng.sample(tags[10:] if n % 7 == 0 else tags, rng.randint(1, 3))
        made.append(question)
        chosen.append({tag.id for tag in question.tags})
    db.session.add_all(made)
    db.session.commit()
    topics = {q.id: ids for q, ids in zip(made, chosen, strict=True)}
    return {"questions": made, "tags": tags, "reader": reader, "topics": topics, "other": second}


def test_each_list_of_a_topic_shows_what_a_plain_reading_shows(app, forum):
    reader, tags = forum["reader"], forum["tags"]
    wanted = [
        {"tag": tags[11]},
        {"tag": tags[15]},  # a topic the reader does not know
        {"mine_expertise": True},
        {"mine_expertise": True, "tag": tags[12]},
        {"mine_expertise": True, "tag": tags[15]},
        {"tag": tags[11], "category": forum["other"]},
        {"mine_expertise": True, "category": forum["other"]},
    ]
    checked = 0
    for kind, sort, page in itertools.product(wanted, questions.SORTS, (1, 2, 3)):
        filters = QuestionFilters(sort=sort, page=page, per_page=4, **kind)
        listed, has_next = list_questions(filters, reader)
        want, after = expected(forum["questions"], filters, reader, forum["topics"])
        assert [q.id for q in listed] == want, (kind, sort, page)
        assert has_next == bool(after)
        checked += bool(want)
    assert checked > 40  # the lists are not empty


def test_the_start_page_shows_the_unanswered_of_the_members_topics_but_their_own(app, forum):
    reader = forum["reader"]
    for_me = start_reads(reader).forum.for_me
    filters = QuestionFilters(sort="unanswered", mine_expertise=True, per_page=5)
    want, _after = expected(forum["questions"], filters, reader, forum["topics"], others_only=True)
    assert [row.id for row in for_me] == want and want


def copies(question_id: int) -> set[tuple]:
    columns = [getattr(question_tag.c, name) for name in COPIED]
    found = db.session.execute(select(*columns).where(question_tag.c.question_id == question_id))
    return set(found)


COPIED = ("listed", "answered", "pinned", "created_at", "last_activity_at", "helpful_count")
COPIED += ("category_id",)


def own_values(question: Question) -> tuple:
    db.session.refresh(question)
    listed = question.deleted_at is None and not question.hidden
    return (listed, question.answer_count > 0, question.pinned, question.created_at)


def test_question_tag_follows_its_question_whoever_writes_it(
    app, create_user, create_tag, create_question, create_answer
):
    tags = [create_tag("Trygghetslarm"), create_tag("Läkemedelsrobot")]
    moved_to = Category(slug="flyttad", name="Flyttad")
    db.session.add(moved_to)
    question = create_question(create_user(), tags=tags[:1])
    assert {row[:4] for row in copies(question.id)} == {own_values(question)}
    create_answer(question, create_user())  # answered, through the ORM
    # A topic added later takes the values as they are now.
    db.session.execute(insert(question_tag).values(question_id=question.id, tag_id=tags[1].id))
    db.session.commit()
    assert {row[:4] for row in copies(question.id)} == {own_values(question)}
    later = utcnow() + timedelta(hours=1)
    changes = [
        {"pinned": True},
        {"hidden": True},
        {"hidden": False, "helpful_count": 4},
        {"last_activity_at": later},
        {"created_at": later - timedelta(days=3)},
        {"answer_count": 0},
        {"deleted_at": later},
        {"category_id": moved_to.id},
        {"view_count": 9},  # not copied: nothing to follow
    ]
    for change in changes:
        db.session.execute(update(Question).where(Question.id == question.id).values(**change))
        db.session.commit()
        rows = copies(question.id)  # both topics' rows alike
        assert len(rows) == 1, rows
        row = rows.pop()
        assert row[:4] == own_values(question), change
        after = (question.last_activity_at, question.helpful_count, question.category_id)
        assert row[4:] == after, change


def test_a_topic_inserted_in_bulk_takes_its_questions_values(app, create_user, create_tag):
    """As the demo seed writes them: questions first, their topics in one insert after."""
    tag = create_tag("Nyckelfri hemtjänst")
    category = db.session.scalar(select(Category.id)) or Category(slug="k", name="K")
    if isinstance(category, Category):
        db.session.add(category)
        db.session.flush()
        category = category.id
    author = create_user()
    now = utcnow()
    db.session.execute(
        insert(Question),
        [
            {"author_id": author.id, "category_id": category, "title": f"F {n}",
             "body_source": "t", "body_html": "<p>t</p>", "created_at": now,
             "last_activity_at": now, "answer_count": n, "pinned": n == 1}
            for n in range(3)
        ],
    )  # fmt: skip
    ids = db.session.scalars(select(Question.id).where(Question.author_id == author.id)).all()
    db.session.execute(insert(question_tag), [{"question_id": q, "tag_id": tag.id} for q in ids])
    db.session.commit()
    for question_id in ids:
        assert {row[:4] for row in copies(question_id)} == {
            own_values(db.session.get(Question, question_id))
        }
