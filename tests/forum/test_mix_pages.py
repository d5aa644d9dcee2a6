"""Every page of bench/realistic.py's mix: a fixed number of statements however many rows there
are, and no plan that reads a big table whole, on SQLite and PostgreSQL (issue 17).

The mix: a question, the question list with its sorts, category, tag and pages, the start
page, search, the directory with its filters, meetings and notifications, and its two writes: a
helpful mark and an answer."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select, text

from hub.core.db import utcnow
from hub.core.models import Tag
from hub.extensions import db
from hub.forum import answers, questions
from hub.forum.models import Answer, Category, Comment, Question
from hub.notifications.models import Notification
from tests.conftest import csrf_token
from tests.forum.test_performance import scans_of_big_tables, seed_questions

# Most a page of the mix may cost (the start page's task cards and the search's tiers cost most);
# the member and their unread count are one statement (hub/notifications/unread.py).
BUDGET = {"/": 10, "/sok": 13}
DEFAULT_BUDGET = 8
# The writes: a helpful mark (the member, the answer's row, the mark, both counts; taking it back
# also deletes) and an answer (the answer, the search index, the followers' notifications and mail).
WRITE_BUDGET = {"helpful": 6, "answer": 34}
SENT = itertools.count()  # each answer's own text: the same text twice is taken as a double post


def mix_urls(world: dict) -> list[str]:
    return [
        world["question_url"],
        "/fragor",
        "/fragor?sort=active",
        "/fragor?sort=unanswered",
        "/fragor?sort=helpful",
        f"/fragor?kategori={world['category']}",
        "/fragor?tagg=surfplatta",
        "/fragor?page=2",
        "/",
        "/sok?q=surfplattor",
        "/sok?q=surfplattor&page=2",
        "/katalog",
        "/katalog?kommun=1381",
        "/katalog?region=13",
        "/katalog?tagg=surfplatta",
        "/katalog?q=person",
        "/katalog?page=2",
        "/traffar",
        "/notiser",
    ]


@pytest.fixture
def world(client, login, create_user, category, create_tag, give_expertise):
    reader = create_user()
    tag = create_tag("Surfplatta")
    give_expertise(reader, tag)
    question = add_rows(
        reader, category, tag, 3
    )  # three hits: the search's typo fallback stays off
    login(reader)
    url = client.get(f"/fragor/{question.id}").location
    return {
        "reader": reader,
        "category": category.slug,
        "category_id": category.id,
        "tag": tag,
        "question_url": url,
    }


def add_rows(author, category, tag: Tag, n: int) -> Question:
    """n members, n indexed questions with answers and comments, n notifications; the question
    of the question page gets n more answers."""
    from tests.factories import make_user

    people = [make_user(municipality_code="1381" if i % 2 else "0180") for i in range(n)]
    made = [
        questions.create_question(
            people[i % len(people)],
            title=f"Hur laddar ni surfplattor {i}?",
            body="Vi har tjugo surfplattor och ett skåp.",
            category_id=category.id,
            tag_names=[tag.name],
        )
        for i in range(n)
    ]
    first = db.session.scalar(select(Question).order_by(Question.id))
    for i, person in enumerate(people):
        answer = answers.create_answer(first, person, f"Vi laddar dem på natten, svar {i}.")
        db.session.add(Comment(answer_id=answer.id, author_id=author.id, body="Tack!"))
        answers.create_answer(made[i], person, "Skåpet står i personalrummet hos oss.")
        db.session.add(Notification(user_id=author.id, kind="answer", text=f"n{i}", url="/"))
    db.session.commit()
    return first


def statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm: view counts buffered, caches filled
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.count


def test_every_page_of_the_mix_costs_the_same_statements_with_more_rows(
    app, client, count_queries, world, category
):
    urls = mix_urls(world)
    few = {url: statements(client, count_queries, url) for url in urls}
    add_rows(world["reader"], category, world["tag"], 12)
    many = {url: statements(client, count_queries, url) for url in urls}
    assert few == many
    over = {u: n for u, n in many.items() if n > BUDGET.get(u.split("?")[0], DEFAULT_BUDGET)}
    assert over == {}, sorted(many.items())


def test_the_question_page_with_a_kept_ranking_costs_the_same_statements(
    app, client, count_queries, world, category, monkeypatch
):
    """ "Who can answer?" from a ranking kept per topics (hub/forum/questions.py): the ranked
    members' faces by primary key instead of the experts' statement, one for one."""
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, questions.EXPERT_RANKINGS, {})
    monkeypatch.setitem(app.extensions, questions.EXPERT_GUESSES, {})
    url = world["question_url"]
    few = statements(client, count_queries, url)  # ranked at the warm-up, kept when counted
    add_rows(world["reader"], category, world["tag"], 12)
    app.extensions[questions.EXPERT_RANKINGS].clear()  # ranked again, among more people
    many = statements(client, count_queries, url)
    assert len(app.extensions[questions.EXPERT_RANKINGS]) == 1
    assert few == many <= DEFAULT_BUDGET


def test_the_question_page_is_three_statements(client, count_queries, world):
    """The member; the question's row with its follow, tags, comments and answers (each was a
    statement of their own: 5); "Who can answer?"."""
    assert statements(client, count_queries, world["question_url"]) == 3


def test_the_question_page_with_its_ranking_kept_is_two_statements(
    app, client, count_queries, world, monkeypatch
):
    """Once the worker keeps the ranking the question's page showed, the ranked members' faces
    come with the question's row: the member, and that row."""
    monkeypatch.setitem(app.config, "FORUM_EXPERTS_KEPT_SECONDS", 60)
    monkeypatch.setitem(app.extensions, questions.EXPERT_RANKINGS, {})
    monkeypatch.setitem(app.extensions, questions.EXPERT_GUESSES, {})
    assert statements(client, count_queries, world["question_url"]) == 2


def test_the_list_is_the_member_and_one_statement(client, count_queries, world):
    """The member; the page's questions with their tags. The tags were a statement of their
    own, the categories of the filters another (now kept per worker: ``hub.core.kept``)."""
    assert statements(client, count_queries, "/fragor") == 2


# The reference data's statements: the list's categories, the search's categories and tags,
# the directory's municipalities, role types and care areas.
REFERENCE = ("FROM category ORDER BY", "tag.id, tag.slug, tag.name", "AS region_name")


@pytest.mark.parametrize("url", ["/fragor", "/sok?q=surfplattor", "/katalog"])
def test_warm_pages_read_no_reference_data(client, count_queries, world, url):
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    sent = [s for s in counter.statements if any(part in s for part in REFERENCE)]
    assert sent == [], sent


def writes(client, world) -> dict[str, tuple[str, dict]]:
    """The mix's two writes, as bench/realistic.py sends them: (URL, form)."""
    question = world["question_url"].split("/")[2]
    answer = db.session.scalar(
        select(Answer.id)
        .where(Answer.question_id == int(question), Answer.author_id != world["reader"].id)
        .order_by(Answer.id)
    )
    body = f"Ett svar från mätningen: vi gjorde så här på vår enhet ({next(SENT)})."
    return {
        "helpful": (f"/svar/{answer}/hjalpsamt", {}),
        "answer": (f"/fragor/{question}/svar", {"body": body}),
    }


def write_statements(client, count_queries, world) -> dict[str, int]:
    """Statements of each write; a helpful mark is pressed twice (marked, taken back)."""
    found = {}
    for kind, (url, form) in writes(client, world).items():
        for press in ("", " again")[: 2 if kind == "helpful" else 1]:
            token = csrf_token(client.get("/fragor/ny").text)
            with count_queries() as counter:
                response = client.post(url, data={"csrf_token": token, **form})
            assert response.status_code == 303, (url, response.status_code)
            found[kind + press] = counter.count
    return found


def test_the_writes_of_the_mix_cost_the_same_statements_with_more_rows(
    app, client, count_queries, world, category, monkeypatch
):
    from hub.core import ratelimit

    # One write in a hundred also sweeps old rate-limit hits: one statement more, at random.
    monkeypatch.setattr(ratelimit, "maybe_prune_all", lambda: None)
    write_statements(client, count_queries, world)  # the reader now follows the question
    few = write_statements(client, count_queries, world)
    add_rows(world["reader"], category, world["tag"], 12)
    many = write_statements(client, count_queries, world)
    assert few == many
    over = {kind: n for kind, n in many.items() if n > WRITE_BUDGET[kind.split()[0]]}
    assert over == {}, sorted(many.items())


def test_no_page_of_the_mix_reads_a_big_table_whole(app, client, world, category):
    from tests.factories import make_user

    others = make_user()  # the reader's own questions stay few, as a member's are
    seed_questions(others, category, 1500)
    first = db.session.scalar(select(Question.id).order_by(Question.id))
    now = utcnow()
    db.session.execute(
        insert(Answer),
        [
            {"question_id": first + i % 1500, "author_id": others.id,
             "body_source": "s", "body_html": "<p>s</p>", "created_at": now - timedelta(hours=i)}
            for i in range(3000)
        ],
    )  # fmt: skip
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    dialect = db.engine.dialect.name
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH", "(", "UPDATE", "DELETE"))
        if reads and not executemany:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for url in mix_urls(world):
            assert client.get(url).status_code == 200, url
        for url, form in writes(client, world).values():
            token = csrf_token(client.get("/fragor/ny").text)
            assert client.post(url, data={"csrf_token": token, **form}).status_code == 303, url
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    problems = scans_of_big_tables(captured, dialect)
    assert problems == [], "\n\n".join(problems)


def sqlite_steps(client, url: str) -> int:
    """The SQLite virtual machine's instructions for one request (in hundreds): what the
    database did, whatever the plan's wording. An index walked end to end reads "SCAN … USING
    INDEX" in a plan, as a bounded walk under a LIMIT does; only the work tells them apart."""
    raw = db.session.connection().connection.driver_connection
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    client.get(url)  # warm
    raw.set_progress_handler(tick, 100)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        raw.set_progress_handler(None, 100)
    return steps[0]


NEW_QUESTIONS = 3000


def test_the_databases_work_per_page_does_not_grow_with_the_questions(app, client, world):
    """A count (the list's pages) may read each new question once; a page that tests each new
    question against something (8 or more instructions a row) walks them."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's instruction counter; PostgreSQL's plans are checked above")
    from tests.factories import make_user

    few = {url: sqlite_steps(client, url) for url in mix_urls(world)}
    # Newer questions of others, none in the reader's topic, a third unanswered.
    seed_questions(make_user(), db.session.get(Category, world["category_id"]), NEW_QUESTIONS)
    db.session.execute(text("ANALYZE"))
    many = {url: sqlite_steps(client, url) for url in mix_urls(world)}
    per_question = {url: (many[url] - few[url]) * 100 / NEW_QUESTIONS for url in few}
    walks = {url for url, steps in per_question.items() if steps > 1.5}
    assert walks == set(), per_question
