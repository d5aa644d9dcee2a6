"""The question page's answers and comments, read as plain rows (issue 17): each answer's head
shows what the ORM objects showed, under the same privacy rule, for every kind of author."""

from __future__ import annotations

import re

import pytest

from hub.auth.models import Role
from hub.directory.models import Profile
from hub.extensions import db
from hub.forum.models import Comment


def answer_html(page: str, answer_id: int) -> str:
    return re.search(rf'<article class="answer post[^"]*" id="svar-{answer_id}">.*?</article>',
                     page, re.S).group(0)  # fmt: skip


@pytest.fixture
def authors(app, create_user, create_question, create_answer):
    """One answer by each kind of author: with a photo and a municipality, hidden from the
    directory, without a profile or municipality, gone (a former member), no longer active."""
    asker = create_user()
    question = create_question(asker)
    people = {
        "photo": create_user(name="Fotografen Falk"),
        "hidden": create_user(name="Dolda Dahl"),
        "plain": create_user(name="Enkla Ek", municipality_code=None),
        "gone": create_user(name="Borta Berg"),
        "inactive": create_user(name="Vilande Vik"),
    }
    db.session.add(Profile(user_id=people["photo"].id, photo_version=4))
    db.session.add(Profile(user_id=people["hidden"].id, hidden_from_directory=True))
    answers = {kind: create_answer(question, person) for kind, person in people.items()}
    answers["gone"].author_id = None
    people["inactive"].active = False
    db.session.add(Comment(answer_id=answers["plain"].id, author_id=None, body="Från en som gått"))
    db.session.add(
        Comment(answer_id=answers["plain"].id, author_id=people["photo"].id, body="Bra, @Enkla Ek")
    )
    db.session.commit()
    return {"question": question, "people": people, "answers": answers}


def test_each_answers_head_as_a_member_sees_it(client, login, create_user, authors):
    login(create_user())
    url = client.get(f"/fragor/{authors['question'].id}").location
    page = client.get(url).text
    people, answers = authors["people"], authors["answers"]

    photo = answer_html(page, answers["photo"].id)
    assert f'src="/katalog/{people["photo"].id}/foto?v=4"' in photo
    assert (
        f'<a class="post-author" href="/katalog/{people["photo"].id}">Fotografen Falk</a>' in photo
    )
    assert "Laholms kommun · " in photo

    hidden = answer_html(page, answers["hidden"].id)  # the privacy rule: no link to the page
    assert '<strong class="post-author">Dolda Dahl</strong>' in hidden
    assert f'href="/katalog/{people["hidden"].id}"' not in hidden
    assert 'avatar-initials" aria-hidden="true">DD</span>' in hidden

    plain = answer_html(page, answers["plain"].id)
    assert f'<a class="post-author" href="/katalog/{people["plain"].id}">Enkla Ek</a>' in plain
    assert "kommun" not in plain
    assert 'Från en som gått <span class="muted">– <strong>Tidigare medlem</strong>' in plain
    assert "<strong>Fotografen Falk</strong>" in plain

    gone = answer_html(page, answers["gone"].id)
    assert '<strong class="post-author">Tidigare medlem</strong>' in gone
    assert "Fler val för svaret från tidigare medlem" in gone
    assert '<strong class="post-author">Vilande Vik</strong>' in page


def test_an_admin_may_open_every_authors_page(client, login, create_user, authors):
    login(create_user(role=Role.ADMIN))
    page = client.get(client.get(f"/fragor/{authors['question'].id}").location).text
    for kind in ("hidden", "inactive"):
        person = authors["people"][kind]
        link = f'<a class="post-author" href="/katalog/{person.id}">{person.name}</a>'
        assert link in answer_html(page, authors["answers"][kind].id)


def test_each_answers_forms_carry_its_id_and_the_token(app, client, login, create_user, authors,
                                                       monkeypatch):  # fmt: skip
    """Each answer's report and comment forms carry its own id and the reader's token."""
    token = "x1999999937y"
    monkeypatch.setattr("hub.core.templating.g", type("G", (), {"get": lambda self, _k: token})())
    login(create_user())
    page = client.get(client.get(f"/fragor/{authors['question'].id}").location).text
    monkeypatch.undo()
    for answer in authors["answers"].values():
        html = answer_html(page, answer.id)
        assert f'<input type="hidden" name="target_id" value="{answer.id}">' in html
        assert f'<label for="flagga-answer-{answer.id}">' in html
        assert f'action="/svar/{answer.id}/kommentar"' in html
        assert f'<textarea id="svar-{answer.id}-kommentar"' in html
        assert html.count(f'name="csrf_token" value="{token}"') == 3  # helpful, report, comment
    assert "\ue000" not in page  # every hole filled


def test_a_comment_through_the_stamped_form_lands(app, client, login, create_user, authors):
    login(create_user())
    page = client.get(client.get(f"/fragor/{authors['question'].id}").location).text
    answer = authors["answers"]["photo"]
    form = re.search(rf'<form method="post" action="(/svar/{answer.id}/kommentar)".*?</form>',
                     answer_html(page, answer.id), re.S)  # fmt: skip
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)
    response = client.post(form.group(1), data={"csrf_token": token, "body": "Tack för tipset!"})
    assert response.status_code in (302, 303)
    assert "Tack för tipset!" in client.get(response.location).text


def test_the_questions_row_is_what_its_objects_show_for_every_kind_of_asker(
    app, create_user, create_question, create_tag, authors
):
    """The page reads the question as one row (``read_question_page``); a page shown again with
    a form's errors converts the ORM question it changed (``page_question_of``): both the same,
    for every kind of asker, with and without tags."""
    from hub.forum import questions

    people = authors["people"]
    tags = [create_tag("Surfplatta"), create_tag("Larm")]
    asked = {kind: create_question(person, tags=tags) for kind, person in people.items()}
    asked["untagged"] = create_question(people["plain"])
    asked["gone"].author_id = None
    db.session.commit()
    reader = create_user()
    for kind, question in asked.items():
        row, following, *_rest = questions.read_question_page(reader, question.id)
        loaded = questions.get_question_for(reader, question.id, full=True)
        assert row == questions.page_question_of(loaded), kind
        assert following is False
        assert [tag.slug for tag in row.tags] == (
            [] if kind == "untagged" else ["surfplatta", "larm"]
        )


def test_the_question_page_makes_no_orm_objects_of_its_question(
    client, login, create_user, authors
):
    """The question, its category, asker and their profile and municipality come as one row:
    as ORM objects they cost a quarter of a later reader's page (issue 17)."""
    from sqlalchemy import event

    from hub.core.models import Tag
    from hub.directory.models import Municipality
    from hub.forum.models import Category, Question

    login(create_user())
    url = client.get(f"/fragor/{authors['question'].id}").location
    made: list[str] = []

    def loaded(target, _context) -> None:
        made.append(type(target).__name__)

    kinds = (Question, Category, Profile, Municipality, Tag)
    for kind in kinds:
        event.listen(kind, "load", loaded)
    try:
        assert client.get(url).status_code == 200
    finally:
        for kind in kinds:
            event.remove(kind, "load", loaded)
    assert made == []


def test_comments_read_with_the_question_are_those_of_their_own_statement(
    app, create_user, authors
):
    """The comments come as a JSON column of the question's row (one round trip less): the same
    comments, values and order as ``comments_for_page``'s statement gives, on the question and
    on the answers shown; none deleted, none of an answer not shown, ties in time by id."""
    from hub.core.db import utcnow
    from hub.forum import page_answers, page_comments, questions

    question, shown = authors["question"], authors["answers"]
    same_time = utcnow()
    db.session.add_all(
        [
            Comment(question_id=question.id, author_id=authors["people"]["photo"].id,
                    body='Om "citat" och \\ och\nrader, åäö', created_at=same_time),
            Comment(question_id=question.id, author_id=None, body="Samma stund",
                    created_at=same_time),
            Comment(question_id=question.id, author_id=None, body="Borttagen",
                    deleted_at=utcnow()),
            Comment(answer_id=shown["photo"].id, author_id=None, body="Till fotografen"),
        ]
    )  # fmt: skip
    db.session.commit()
    reader = create_user()
    with app.test_request_context("/"):
        read = questions.read_question_page(reader, question.id)
        row, found = read.question, read.comments
        ids = [answer.id for answer, _marked in page_answers.answers_for_page(row, reader)]
        for some in (ids, ids[1:], []):
            assert page_comments.comments_as_read(found, question.id, some) == (
                page_comments.comments_for_page(row.id, some)
            )
        on_question = page_comments.comments_as_read(found, question.id, ids)
        assert len(on_question[("question", question.id)]) == 2


def test_answers_read_with_the_question_are_those_of_their_own_statement(app, create_user, authors):
    """The answers come as a JSON column of the question's row (one round trip less): the same
    values (times, booleans, faces of every kind of author), order and marks as
    ``answers_for_page``'s statement gives; a hidden answer for a moderator only, a deleted one
    for nobody, the accepted one first, ties in time by id."""
    from hub.auth.models import Role
    from hub.core.db import utcnow
    from hub.forum import page_answers, questions
    from hub.forum.models import HelpfulMark

    question, shown = authors["question"], authors["answers"]
    same_time = utcnow()
    shown["photo"].created_at = shown["hidden"].created_at = same_time
    shown["plain"].edited_at = utcnow()
    shown["plain"].helpful_count = 1
    shown["inactive"].hidden = True
    shown["gone"].deleted_at = utcnow()
    question.accepted_answer_id = shown["hidden"].id
    reader = create_user()
    db.session.add(HelpfulMark(answer_id=shown["plain"].id, user_id=reader.id))
    db.session.commit()
    moderator = create_user(role=Role.COORDINATOR)
    with app.test_request_context("/"):
        for who, count in ((reader, 3), (moderator, 4)):
            row = questions.read_question_page(who, question.id)
            assert row.answers == page_answers.answers_for_page(row.question, who)
            assert row.answers[0][0].id == shown["hidden"].id  # the accepted one first
            assert len(row.answers) == count
        marks = {answer.id: marked for answer, marked in questions.read_question_page(
            reader, question.id).answers}  # fmt: skip
        assert marks[shown["plain"].id] is True and marks[shown["photo"].id] is False


@pytest.mark.parametrize("moderator", [False, True])
def test_the_questions_row_is_short_enough_for_psycopg_to_keep_it_parsed(app, moderator):
    """psycopg keeps a statement's text parsed (its placeholders found) only up to a length: a
    longer one is parsed anew at every execution, a tenth of the page's row's own CPU."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from hub.forum import questions

    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's parsing: PostgreSQL only")
    values = {"question_id": 1, "user_id": 1, "expert_ids": list(range(9)), "knowing_ids": []}
    sql, _params = questions.PAGE_ROW[moderator].sent(values, db.engine.dialect)
    assert len(sql.encode()) <= MAX_CACHED_STATEMENT_LENGTH


def test_the_questions_row_reads_its_tags_ids_and_names_them_from_the_kept_tags(
    app, create_user, create_tag, create_question
):
    """The row reads the question's tag ids from ``question_tag``'s key (joined to the tag
    table it hashed every tag on every page); they are named from the search's kept tags, read
    afresh for a tag made in another worker since."""
    from sqlalchemy import insert, select

    from hub.core.models import Tag
    from hub.forum import questions
    from hub.forum.models import question_tag

    sql, _params = questions.PAGE_ROW[False].sent(
        {"question_id": 1, "user_id": 1, "expert_ids": [], "knowing_ids": []}, db.engine.dialect
    )
    assert "JOIN tag " not in sql, sql
    reader = create_user()
    question = create_question(create_user(), tags=[create_tag("Surfplattor")])
    assert [t.name for t in questions.read_question_page(reader, question.id).question.tags] == [
        "Surfplattor"
    ]
    # Another worker's new tag: this worker's kept tags do not know it
    db.session.execute(insert(Tag).values(slug="sensorer", name="Sensorer"))
    tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == "sensorer"))
    db.session.execute(insert(question_tag).values(question_id=question.id, tag_id=tag_id))
    db.session.commit()
    tags = questions.read_question_page(reader, question.id).question.tags
    assert sorted((t.slug, t.name) for t in tags) == [
        ("sensorer", "Sensorer"), ("surfplattor", "Surfplattor")
    ]  # fmt: skip
