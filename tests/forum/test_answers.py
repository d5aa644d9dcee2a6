from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from hub.auth.models import Role
from hub.extensions import db
from hub.forum.models import Answer, Comment, HelpfulMark, Question, Revision
from hub.notifications.models import Notification
from tests.conftest import csrf_token


def page_of(question) -> str:
    return f"/fragor/{question.id}/x"


def test_answer_notifies_asker_and_counts(client, login, create_user, create_question, post):
    asker, helper = create_user(), create_user(name="Hanna Helpsam")
    question = create_question(asker)
    login(helper)
    response = post(f"/fragor/{question.id}/svar", {"body": "Vi laddar i ett skåp."})
    assert response.status_code == 303
    db.session.refresh(question)
    assert question.answer_count == 1
    note = db.session.scalar(select(Notification).where(Notification.user_id == asker.id))
    assert note.kind == "answer" and "Hanna Helpsam" in note.text
    assert note.url.startswith(f"/fragor/{question.id}/")


def answer_sent(client, question_id: int, body: str) -> tuple[int, list[str]]:
    """Post an answer: (the status, the first word of each statement it sent)."""
    from sqlalchemy import event

    token = csrf_token(client.get("/fragor/ny").text)
    sent: list[str] = []

    def seen(conn, cursor, statement, *_args) -> None:
        sent.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = client.post(
            f"/fragor/{question_id}/svar", data={"csrf_token": token, "body": body}
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return response.status_code, sent


def test_an_answer_is_a_fixed_few_statements_whatever_its_followers_and_words(
    client, login, create_user, create_question, monkeypatch
):
    """The member, the question, the double-submit check, the posting limit (counted, then the
    hit), the question's counts and the answer, its followers (read once: to notify, and whether
    the author follows already), the author's follow, the search index, the notifications: on
    PostgreSQL the index is one statement (documents, words and forms); on SQLite six. No
    savepoint: the rule refuses before it writes. (Session 14: 21 on PostgreSQL.)"""
    from hub.core import ratelimit
    from hub.forum.models import Follow
    from hub.forum.search import reindex_question

    monkeypatch.setattr(ratelimit, "maybe_prune_all", lambda: None)  # 1 % of hits
    question = create_question(create_user(), title="Hur laddar ni surfplattorna?")
    reindex_question(question.id)  # in the index, as the ask form leaves it
    for follower in [create_user() for _ in range(4)]:
        db.session.add(Follow(user_id=follower.id, target_type="question", target_id=question.id))
    db.session.commit()
    login(create_user())
    few = "Vi laddar dem i personalrummet."
    many = "Vi laddar surfplattorna varje natt i ett låsbart laddskåp på avdelningen, och en " * 3
    status, first = answer_sent(client, question.id, few)
    status_again, again = answer_sent(client, question.id, many + "kollega ser efter dem.")
    assert (status, status_again) == (303, 303)
    postgresql = db.engine.dialect.name == "postgresql"
    index = ["WITH"] if postgresql else ["SELECT", "INSERT", "DELETE", "INSERT", "INSERT", "INSERT"]
    # The test's own savepoint and its release stand for a transaction's begin and commit.
    assert first == [
        "SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "INSERT", "UPDATE", "INSERT",
        "SELECT", "INSERT", *index, "INSERT", "RELEASE",
    ]  # fmt: skip
    # The author follows now: their second answer is one statement less.
    assert again == [*first[:9], *first[10:]]
    assert db.session.scalar(select(func.count(Notification.id))) == 2 * 5


def test_empty_and_long_answer_keep_text(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    response = post(f"/fragor/{question.id}/svar", {"body": ""})
    assert response.status_code == 400
    assert "Skriv något här." in response.text
    long = "ord " * 5001
    response = post(f"/fragor/{question.id}/svar", {"body": long})
    assert response.status_code == 400
    assert "ord ord ord" in response.text
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_double_submit_answer_saved_once(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    for _ in range(2):
        assert (
            post(f"/fragor/{question.id}/svar", {"body": "Samma svar två gånger"}).status_code
            == 303
        )
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_locked_question_is_409_and_keeps_text(client, login, create_user, create_question, post):
    question = create_question(create_user(), locked=True)
    login(create_user())
    response = post(f"/fragor/{question.id}/svar", {"body": "Mitt viktiga svar om larmen"})
    assert response.status_code == 409
    assert "Frågan är låst" in response.text
    assert "Mitt viktiga svar om larmen" in response.text
    response = post(f"/fragor/{question.id}/kommentar", {"body": "En kommentar"})
    assert response.status_code == 409


def test_edit_answer_keeps_revision_and_403_for_others(
    client, login, create_user, create_question, create_answer, post
):
    author, other = create_user(), create_user()
    answer = create_answer(create_question(other), author, "Första versionen av svaret")
    login(other)
    assert post(f"/svar/{answer.id}/redigera", {"body": "Kapat"}).status_code == 403
    assert post(f"/svar/{answer.id}/ta-bort").status_code == 403
    login(author)
    response = post(f"/svar/{answer.id}/redigera", {"body": "Andra versionen av svaret"})
    assert response.status_code == 303
    assert db.session.scalar(select(Revision.body_source)) == "Första versionen av svaret"
    page = client.get(response.location.split("#")[0])
    assert "Andra versionen av svaret" in page.text and "redigerad" in page.text


def test_soft_delete_answer_updates_counts(
    client, login, create_user, create_question, create_answer, post
):
    author = create_user()
    question = create_question(create_user())
    answer = create_answer(question, author)
    question.accepted_answer_id = answer.id
    db.session.commit()
    login(author)
    assert post(f"/svar/{answer.id}/ta-bort").status_code == 303
    db.session.refresh(question)
    db.session.refresh(answer)
    assert answer.deleted_at is not None
    assert question.answer_count == 0 and question.accepted_answer_id is None


def test_accept_by_asker_or_coordinator_only(
    client, login, create_user, create_question, create_answer, post
):
    asker, helper, bystander = create_user(), create_user(), create_user()
    coordinator = create_user(role=Role.COORDINATOR)
    question = create_question(asker)
    answer = create_answer(question, helper)
    login(bystander)
    assert post(f"/svar/{answer.id}/godta").status_code == 403
    login(asker)
    assert post(f"/svar/{answer.id}/godta").status_code == 303
    db.session.refresh(question)
    assert question.accepted_answer_id == answer.id
    assert db.session.scalar(
        select(Notification).where(Notification.user_id == helper.id, Notification.kind == "accept")
    )
    login(coordinator)
    assert post(f"/svar/{answer.id}/godta").status_code == 303  # takes it back
    db.session.refresh(question)
    assert question.accepted_answer_id is None


def test_helpful_once_per_member_not_own(
    client, login, create_user, create_question, create_answer, post
):
    author, fan = create_user(), create_user()
    question = create_question(create_user())
    answer = create_answer(question, author)
    login(author)
    response = post(f"/svar/{answer.id}/hjalpsamt")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(HelpfulMark.id))) == 0
    login(fan)
    post(f"/svar/{answer.id}/hjalpsamt")
    db.session.refresh(answer)
    db.session.refresh(question)
    assert answer.helpful_count == 1 and question.helpful_count == 1
    post(f"/svar/{answer.id}/hjalpsamt")  # a second press takes it back
    db.session.refresh(answer)
    assert answer.helpful_count == 0
    assert db.session.scalar(select(func.count(HelpfulMark.id))) == 0


def press_helpful(client, answer_id: int):
    """One press of the helpful button: (its answer, the statements it sent, savepoints too:
    each is a round trip to PostgreSQL)."""
    from sqlalchemy import event

    token = csrf_token(client.get("/fragor/ny").text)
    sent: list[str] = []

    def seen(conn, cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = client.post(f"/svar/{answer_id}/hjalpsamt", data={"csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return response, sent


def test_a_helpful_press_is_a_few_statements_and_sends_the_member_back(
    client, login, create_user, create_question, create_answer
):
    """The answer as one row (who wrote it, its question's title for the address), the mark
    inserted unless it is there (then deleted) and both counts; no ORM objects and no savepoint
    (the ORM's load, flush and the rule's savepoint made it 10 statements, 9 to take back). On
    PostgreSQL the mark and both counts are one statement."""
    question = create_question(create_user(), title="Var laddar ni surfplattorna?")
    answer = create_answer(question, create_user())
    login(create_user())
    marked, marking = press_helpful(client, answer.id)
    taken_back, unmarking = press_helpful(client, answer.id)
    # Each: the test's own savepoint and its release (a transaction's begin and commit outside
    # tests), the member, the answer's row, then on SQLite the insert and the two counts
    # (taking back also deletes), on PostgreSQL one statement for all.
    expected = (5, 5) if db.engine.dialect.name == "postgresql" else (7, 8)
    assert (len(marking), len(unmarking)) == expected
    for response in marked, taken_back:
        assert response.status_code == 303
        assert response.location == (
            f"/fragor/{question.id}/var-laddar-ni-surfplattorna#svar-{answer.id}"
        )


def test_a_press_with_views_to_write_reads_the_member_once(
    client, login, create_user, create_question, create_answer
):
    """A POST first writes the views buffered by this worker in a transaction of its own; its
    commits left the member loaded before them expired, so they were read again."""

    question = create_question(create_user(), title="Var laddar ni surfplattorna?")
    answer = create_answer(question, create_user())
    login(create_user())
    assert client.get(f"/fragor/{question.id}/var-laddar-ni-surfplattorna").status_code == 200
    response, sent = press_helpful(client, answer.id)  # the view above is written first
    assert response.status_code == 303
    assert len([s for s in sent if re.match(r'SELECT "?user"?\.id', s)]) == 1


def test_a_mark_taken_back_by_another_press_meanwhile_is_counted_once(
    create_user, create_question, create_answer, monkeypatch
):
    """Two presses by one member at once, the mark there: both find it (the INSERT does
    nothing), one DELETE takes it back and counts, the other deletes nothing and must not count
    again. SQLite's statements, one by one; on PostgreSQL the press is one statement whose
    DELETE waits for the other's lock, finds no row, and then changes the counts by 0."""
    from sqlalchemy import delete, false

    from hub.forum import answers

    if db.engine.dialect.name == "postgresql":
        pytest.skip("one statement on PostgreSQL: nothing to come between its steps")

    question = create_question(create_user())
    answer_id = create_answer(question, create_user()).id
    fan = create_user()
    assert answers.toggle_helpful(answers.get_mark_target_for(fan, answer_id), fan) is True
    db.session.commit()
    # The other press's DELETE came first: this one's finds no row.
    monkeypatch.setattr(answers, "_unmark", lambda: delete(HelpfulMark).where(false()))
    assert answers.toggle_helpful(answers.get_mark_target_for(fan, answer_id), fan) is False
    db.session.commit()
    counts = db.session.execute(
        select(Answer.helpful_count, Question.helpful_count)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id == answer_id)
    ).one()
    assert tuple(counts) == (1, 1)  # the mark is still there (this test kept it): counted once


def test_only_those_who_see_an_answer_may_mark_it(
    client, login, create_user, create_question, create_answer, post
):
    from hub.core.db import utcnow

    question = create_question(create_user())
    hidden, deleted = create_answer(question, create_user()), create_answer(question, create_user())
    table = Answer.__table__
    db.session.execute(table.update().where(table.c.id == hidden.id).values(hidden=True))
    db.session.execute(table.update().where(table.c.id == deleted.id).values(deleted_at=utcnow()))
    db.session.commit()
    login(create_user())
    assert post(f"/svar/{hidden.id}/hjalpsamt").status_code == 404
    assert post(f"/svar/{deleted.id}/hjalpsamt").status_code == 404
    assert post("/svar/999999/hjalpsamt").status_code == 404
    login(create_user(role=Role.COORDINATOR))
    assert post(f"/svar/{deleted.id}/hjalpsamt").status_code == 404
    assert post(f"/svar/{hidden.id}/hjalpsamt").status_code == 303  # moderators see it
    db.session.refresh(hidden)
    assert hidden.helpful_count == 1


def test_counts_add_to_what_the_row_holds_not_to_what_the_request_read(
    create_user, create_question, create_answer
):
    """Another member's mark or answer committed after this request read the rows is kept:
    the counters change in the database (on PostgreSQL two requests at once each wrote the
    count they had read plus one)."""
    from hub.forum import answers

    question = create_question(create_user())
    answer_id = create_answer(question, create_user()).id
    fan, helper = create_user(), create_user()

    def read_then_meanwhile(helpful: int, answered: int = 1):
        """The answer and its question as a request reads them, then another worker's
        committed write to their counters, past this request's ORM objects."""
        answer = answers.get_answer_for(fan, answer_id)
        assert answer.question.answer_count >= 1  # read, and kept by the ORM
        connection = db.session.connection()
        connection.execute(
            Question.__table__.update()
            .where(Question.id == answer.question_id)
            .values(helpful_count=helpful, answer_count=answered)
        )
        connection.execute(
            Answer.__table__.update().where(Answer.id == answer_id).values(helpful_count=helpful)
        )
        return answer

    def counts() -> tuple[int, int, int]:
        db.session.commit()
        row = db.session.execute(
            select(Answer.helpful_count, Question.helpful_count, Question.answer_count)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.id == answer_id)
        ).one()
        return tuple(row)

    answer = read_then_meanwhile(helpful=5, answered=3)
    assert answers.toggle_helpful(answer, fan) is True
    answers.create_answer(answer.question, helper, "Vi gör likadant här.")
    assert counts() == (6, 6, 4)
    assert answers.toggle_helpful(read_then_meanwhile(helpful=7, answered=4), fan) is False
    assert counts() == (6, 6, 4)
    assert answers.toggle_helpful(read_then_meanwhile(helpful=0, answered=4), fan) is True
    assert answers.toggle_helpful(read_then_meanwhile(helpful=0, answered=4), fan) is False
    assert counts() == (0, 0, 4)  # never below 0


def test_comments_short_and_on_both(
    client, login, create_user, create_question, create_answer, post
):
    asker = create_user()
    question = create_question(asker)
    answer = create_answer(question, create_user())
    login(create_user())
    assert post(f"/fragor/{question.id}/kommentar", {"body": "Bra fråga!"}).status_code == 303
    assert post(f"/svar/{answer.id}/kommentar", {"body": "Tack, det hjälpte."}).status_code == 303
    response = post(f"/svar/{answer.id}/kommentar", {"body": "x" * 601})
    assert response.status_code == 400
    assert "högst 600 tecken" in response.text
    assert db.session.scalar(select(func.count(Comment.id))) == 2
    page = client.get(f"/fragor/{question.id}/x")
    page = client.get(page.location)
    assert "Bra fråga!" in page.text and "Tack, det hjälpte." in page.text


def test_delete_own_comment_only(client, login, create_user, create_question, post):
    author, other = create_user(), create_user()
    question = create_question(author)
    login(author)
    post(f"/fragor/{question.id}/kommentar", {"body": "Min kommentar"})
    comment = db.session.scalar(select(Comment))
    login(other)
    assert post(f"/kommentarer/{comment.id}/ta-bort").status_code == 403
    login(author)
    assert post(f"/kommentarer/{comment.id}/ta-bort").status_code == 303
    db.session.refresh(comment)
    assert comment.deleted_at is not None


XSS = [
    "<script>alert(1)</script>",
    "[klicka](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "![bild](javascript:alert(1))",
    '<a href="javascript:alert(1)">länk</a>',
]


@pytest.mark.parametrize("vector", XSS)
def test_xss_is_neutralised_everywhere(
    client, login, create_user, create_question, category, post, vector
):
    user = create_user()
    login(user)
    response = post(
        "/fragor/ny",
        {
            "title": f"Säkerhetstest {vector}"[:200],
            "category": str(category.id),
            "body": f"Text före {vector} text efter",
            "tags": "",
        },
    )
    assert response.status_code == 303
    question_url = response.location
    question_id = int(question_url.split("/")[2])
    assert post(f"/fragor/{question_id}/svar", {"body": f"Svar {vector}"}).status_code == 303
    assert (
        post(f"/fragor/{question_id}/kommentar", {"body": f"Kommentar {vector}"}).status_code == 303
    )
    answer = db.session.scalar(select(Answer))
    assert (
        post(f"/svar/{answer.id}/kommentar", {"body": f"Svarskommentar {vector}"}).status_code
        == 303
    )
    html = client.get(question_url).text
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert 'href="javascript:' not in lowered
    assert 'href="data:' not in lowered
    assert "<svg" not in lowered
    assert "onerror=" not in lowered.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "<img" not in lowered
    for stored in (answer.body_html, db.session.get(Question, question_id).body_html):
        assert "<script" not in stored and "<svg" not in stored
        assert not re.search(r'(href|src)\s*=\s*"?\s*(javascript|data):', stored, re.I)


def test_links_get_nofollow_ugc(client, login, create_user, create_question, post):
    question = create_question(create_user())
    login(create_user())
    post(f"/fragor/{question.id}/svar", {"body": "Se [guiden](https://example.se/guide)."})
    assert 'rel="nofollow ugc' in db.session.scalar(select(Answer.body_html))
