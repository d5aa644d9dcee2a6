"""The question page's answers kept as shared parts (hub/forum/post_parts.py, issue 17): a
part made for one reader is shown again to the next reader it fits, every change to what it
shows is seen at once by the next reader on the same worker, and nothing of one reader's own
reaches another's page."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, DictLoader, nodes

from hub.core import layout
from hub.directory.models import Profile
from hub.extensions import db
from hub.forum import answers, page_answers, page_comments, post_parts, questions
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.forum.test_question_page_faces import answer_html


@pytest.fixture
def sign_in(app):
    """A browser of its own, signed in as the user through the login form."""

    def make(user):
        browser = app.test_client()
        page = browser.get("/logga-in").text
        data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
        assert browser.post("/logga-in", data=data).status_code == 302
        return browser

    return make


@pytest.fixture
def thread(create_user, create_question, create_answer):
    asker = create_user(name="Frida Frågare")
    writer = create_user(name="Sara Svarare")
    db.session.add(Profile(user_id=writer.id))
    question = create_question(asker)
    answer = create_answer(question, writer, body="Ladda dem i personalrummet.")
    return SimpleNamespace(asker=asker, writer=writer, question=question, answer=answer)


def page_of(browser, question) -> str:
    return browser.get(browser.get(f"/fragor/{question.id}").location).text


def shown(browser, thread) -> str:
    return answer_html(page_of(browser, thread.question), thread.answer.id)


def test_each_change_is_seen_by_the_next_reader(app, sign_in, create_user, thread):
    other = create_user(name="Olle Annan")
    reader = sign_in(create_user())
    first = shown(reader, thread)
    kept = list(app.extensions[post_parts.POST_PARTS])
    second = shown(sign_in(create_user()), thread)  # another reader: the kept part, own token
    assert second == first.replace(csrf_token(first), csrf_token(second))
    assert list(app.extensions[post_parts.POST_PARTS]) == kept

    writer, question = thread.writer, thread.question

    def answer():  # with its question, as the views load it
        return answers.get_answer_for(writer, thread.answer.id)

    def profile():
        return db.session.get(Profile, writer.id)

    changes = [
        (lambda: answers.edit_answer(answer(), writer, "Ladda dem i köket."), "i köket."),
        (lambda: answers.create_comment(question, other, "Bra tips!", answer()), "Bra tips!"),
        (lambda: answers.toggle_helpful(answer(), other), '<span class="count">1</span>'),
        (lambda: setattr(writer, "name", "Sara Nyman"), ">Sara Nyman</a>"),
        (lambda: setattr(profile(), "photo_version", 3), f"/katalog/{writer.id}/foto?v=3"),
        (lambda: setattr(question, "accepted_answer_id", thread.answer.id), "accepted-label"),
        (lambda: setattr(profile(), "hidden_from_directory", True), "<strong class"),
    ]
    for change, seen in changes:
        change()
        db.session.commit()
        assert seen in shown(reader, thread), seen
    assert f'href="/katalog/{writer.id}"' not in shown(reader, thread)  # the privacy rule

    answers.set_answer_hidden(answer(), True)  # a moderator hides it: gone for members at once
    db.session.commit()
    page = page_of(reader, question)
    assert f'id="svar-{thread.answer.id}"' not in page


def test_a_readers_own_marks_rights_and_token_stay_theirs(sign_in, create_user, thread):
    marker = create_user(name="Maja Markerare")
    answers.toggle_helpful(answers.get_answer_for(marker, thread.answer.id), marker)
    db.session.commit()
    moderator = create_user(role="coordinator")
    pages = {}
    for name, user in [("writer", thread.writer), ("marker", marker), ("member", create_user()),
                       ("moderator", moderator), ("member again", create_user())]:  # fmt: skip
        pages[name] = shown(sign_in(user), thread)
    edit = f'href="/svar/{thread.answer.id}/redigera"'
    delete = f'href="/svar/{thread.answer.id}/ta-bort"'
    assert edit in pages["writer"] and delete in pages["writer"]
    assert "Hjälpte mig" not in pages["writer"] and "1 tyckte att det hjälpte" in pages["writer"]
    assert 'aria-pressed="true">Hjälpte mig' in pages["marker"]
    assert "Dölj svaret" in pages["moderator"] and delete in pages["moderator"]
    for name in ("marker", "member", "member again"):
        assert edit not in pages[name] and delete not in pages[name]
        assert "Dölj svaret" not in pages[name]
    for name in ("member", "member again"):
        assert 'aria-pressed="false">Hjälpte mig' in pages[name]
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', p)) for p in pages.values()]
    assert all(len(t) == 1 for t in tokens) and len(set.union(*tokens)) == len(pages)


def test_a_comments_delete_link_is_its_writers_and_a_hidden_mention_unlinks_at_once(
    sign_in, create_user, thread
):
    named = create_user(name="Nina Nämnd")
    commenter = create_user(name="Kalle Kommentar")
    answers.create_comment(thread.question, commenter, "Fråga @Nina Nämnd", thread.answer)
    db.session.commit()
    member = sign_in(create_user())
    commenter_page, member_page = shown(sign_in(commenter), thread), shown(member, thread)
    assert "kommentaren</span>" in commenter_page and "kommentaren</span>" not in member_page
    assert f'class="mention" href="/katalog/{named.id}"' in member_page

    db.session.add(Profile(user_id=named.id, hidden_from_directory=True))
    db.session.commit()
    assert 'class="mention"' not in shown(member, thread)


def test_a_part_made_among_others_is_the_part_made_alone(app, create_user, create_answer, thread):
    """The answers not kept yet are made in one render: each must come out as it would alone."""
    for n in range(2):
        create_answer(thread.question, create_user(), body=f"Svar nummer {n}")
    reader = create_user()
    with app.test_request_context("/"):
        question, _following = questions.get_question_page(reader, thread.question.id)
        rows = page_answers.answers_for_page(question, reader)
        comments = page_comments.comments_for_page(question.id, [a.id for a, _m in rows])

        def made(some) -> list:
            app.extensions.pop(post_parts.POST_PARTS, None)
            rights = {"viewer": reader, "moderator": False, "can_accept": False, "people": {}}
            return post_parts.answer_parts(question, some, comments, **rights)

        together = made(rows)
        assert len(together) == 3
        assert [made([row])[0] for row in rows] == together
        assert made(rows[::-1]) == together[::-1]


def test_the_parts_kept_are_bounded(app, sign_in, create_user, create_answer, thread,
                                    monkeypatch):  # fmt: skip
    monkeypatch.setattr(post_parts, "MAX_POST_PARTS", 2)
    for n in range(3):
        create_answer(thread.question, create_user(), body=f"Svar nummer {n}")
    page = page_of(sign_in(create_user()), thread.question)
    assert page.count('<article class="answer post') == 4
    assert len(app.extensions[post_parts.POST_PARTS]) == 2


@pytest.fixture
def leaky_parts(app):
    loader = app.jinja_env.loader
    leaks = {
        "test/request.html": "{{ request.path }}",
        "test/session.html": "{{ session['locale'] }}",
        "test/g.html": "{{ g }}",
        "test/current_user.html": "{% if current_user %}x{% endif %}",
    }
    app.jinja_env.loader = ChoiceLoader([DictLoader(leaks), loader])
    yield list(leaks)
    app.jinja_env.loader = loader


def test_a_part_cannot_read_the_reader_or_the_request(app, leaky_parts, login, create_user):
    with app.test_request_context("/"):
        for name in leaky_parts:
            with pytest.raises(layout.PerRequestValue):
                layout.shared_part(name, {}, {})


def test_an_answers_part_writes_no_time_of_its_own(app):
    """How long ago is worked out per request and given as a fact; a filter that reads the
    clock inside the kept part would freeze it."""
    for name in (post_parts.ANSWERS, "forum/_comments.html", "forum/_post.html"):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        filters = {f.name for f in app.jinja_env.parse(source).find_all(nodes.Filter)}
        assert "ago" not in filters, name


def test_an_empty_field_is_kept_and_one_with_text_or_errors_is_made_afresh(app):
    from hub.forum.forms import AnswerForm

    with app.test_request_context("/"):
        macros = app.jinja_env.get_template("macros.html").module
        form = AnswerForm(formdata=None)
        kept = post_parts.kept_field(form, "body", hint="Tips", class_="mention-field")
        assert kept == macros.field(form.body, hint="Tips", class_="mention-field")
        again = post_parts.kept_field(AnswerForm(formdata=None), "body", hint="Tips")
        assert again != kept and 'class="field mention-field"' not in again  # other options
        form.body.data, form.body.errors = "Mitt <svar>", ["Skriv lite mer."]
        html = post_parts.kept_field(form, "body", hint="Tips")
        assert "Mitt &lt;svar&gt;" in html and "Skriv lite mer." in html


def test_who_can_answer_without_experts_is_its_own_line(sign_in, create_user, thread):
    page = page_of(sign_in(create_user()), thread.question)
    assert (
        '<p class="muted">Ingen har skrivit att de kan frågans ämnen än.</p>\n'
        f'  <form method="post" action="/fragor/{thread.question.id}/be-svara" novalidate>'
    ) in page


def question_html(page: str) -> str:
    return re.search(r'<article class="question post" id="fraga">.*?</article>', page, re.S).group(
        0
    )


def test_each_change_to_the_question_is_seen_by_the_next_reader(app, sign_in, create_user,
                                                                 thread):  # fmt: skip
    """The question's own article is kept like an answer's: every change to what it shows is
    seen by the next reader at once, on the same worker."""
    other, reader = create_user(name="Olle Annan"), sign_in(create_user())
    first = question_html(page_of(reader, thread.question))
    again = question_html(page_of(sign_in(create_user()), thread.question))  # the kept part
    assert again == first.replace(csrf_token(first), csrf_token(again))
    asker, question = thread.asker, thread.question

    def profile():
        found = db.session.get(Profile, asker.id)
        if found is None:
            found = Profile(user_id=asker.id)
            db.session.add(found)
        return found

    def edit():
        questions.edit_question(questions.get_question_for(asker, question.id, full=True), asker,
                                title="Var laddar ni plattorna?", body="Var då?",
                                tag_names=["laddning"])  # fmt: skip

    changes = [
        (edit, "<h1>Var laddar ni plattorna?</h1>"),
        (lambda: answers.create_comment(question, other, "Bra fråga!"), "Bra fråga!"),
        (lambda: setattr(asker, "name", "Frida Nyman"), ">Frida Nyman</a>"),
        (lambda: setattr(profile(), "photo_version", 2), f"/katalog/{asker.id}/foto?v=2"),
        (lambda: setattr(profile(), "hidden_from_directory", True), "<strong class"),
        (lambda: setattr(question, "locked", True), "Frågan är låst."),
    ]
    for change, seen in changes:
        change()
        db.session.commit()
        assert seen in question_html(page_of(reader, question)), seen
    assert 'class="tag" href="/fragor?tagg=laddning"' in question_html(page_of(reader, question))
    assert 'class="comment-form"' not in question_html(page_of(reader, question))  # locked


def test_the_questions_follow_edit_and_delete_stay_the_readers_own(sign_in, create_user, thread):
    follower, moderator = create_user(), create_user(role="coordinator")
    questions_page = {}
    browser = sign_in(follower)
    token = csrf_token(page_of(browser, thread.question))
    browser.post(f"/folj/question/{thread.question.id}", data={"csrf_token": token})
    for name, user in [("asker", thread.asker), ("follower", follower),
                       ("moderator", moderator), ("member", create_user())]:  # fmt: skip
        questions_page[name] = question_html(page_of(sign_in(user), thread.question))
    edit = f'href="/fragor/{thread.question.id}/redigera"'
    delete = f'href="/fragor/{thread.question.id}/ta-bort"'
    assert edit in questions_page["asker"] and delete in questions_page["asker"]
    assert delete in questions_page["moderator"] and edit not in questions_page["moderator"]
    for name in ("follower", "member"):
        assert edit not in questions_page[name] and delete not in questions_page[name]
    assert 'aria-pressed="true">' in questions_page["follower"]
    assert 'aria-pressed="false">' in questions_page["member"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_blank_form_is_shown_as_an_empty_form_of_its_class(app, language):
    """The page's empty answer and ask forms are read without making them (``BlankForm``)."""
    from flask_babel import force_locale

    from hub.forum.forms import AnswerForm, AskToAnswerForm

    with app.test_request_context("/"), force_locale(language):
        macros = app.jinja_env.get_template("macros.html").module
        for form_class, name in [(AnswerForm, "body"), (AskToAnswerForm, "name")]:
            blank = post_parts.BlankForm(form_class)
            empty = form_class(formdata=None, meta={"csrf": False})
            assert (blank.errors, blank[name].data) == (empty.errors, empty[name].data)
            assert getattr(blank, name).errors == getattr(empty, name).errors
            made = post_parts.kept_field(blank, name, hint="Skriv.", class_="x")
            assert made == macros.field(empty[name], hint="Skriv.", class_="x")
