"""Posts with faces (#21): mentions as links under the directory's privacy rule, a delete that
asks first, similar questions told apart by their answers."""

from __future__ import annotations

from hub.directory.models import Profile
from hub.extensions import db
from hub.forum.mentions import link_mentions, people_to_link
from hub.forum.summary import answer_facts


def test_mentions_link_to_people_the_reader_may_open(app, create_user):
    anna = create_user(name="Anna Karlsson")
    hidden = create_user(name="Dold Person")
    db.session.add(Profile(user_id=hidden.id, hidden_from_directory=True))
    reader = create_user()
    db.session.commit()
    with app.test_request_context():
        people = people_to_link(reader, ["Hej @Anna Karlsson och @Dold Person!", None])
        assert set(people) == {"anna karlsson"}
        html = (
            "<p>Hej @Anna Karlsson, <code>@Anna Karlsson</code> "
            '<a href="https://x.se">@Anna Karlsson</a> e@Anna Karlsson @Dold Person</p>'
        )
        linked = str(link_mentions(html, people))
    assert linked.count('class="mention"') == 1
    assert f'<a class="mention" href="/katalog/{anna.id}">@Anna Karlsson</a>,' in linked
    assert "<code>@Anna Karlsson</code>" in linked and "@Dold Person</p>" in linked
    assert people_to_link(reader, ["inga namn här"]) == {}
    assert str(link_mentions("<p>@Anna</p>", {})) == "<p>@Anna</p>"


def test_the_question_page_links_mentions(app, client, login, create_user, create_question):
    anna = create_user(name="Anna Karlsson")
    me = create_user()
    question = create_question(me, body="Vet @Anna Karlsson hur man gör?")
    login(me)
    page = client.get(client.get(f"/fragor/{question.id}").location).text
    assert f'<a class="mention" href="/katalog/{anna.id}">@Anna Karlsson</a>' in page


def test_delete_asks_first(app, client, login, create_user, create_question, create_answer, post):
    me, other = create_user(), create_user()
    question = create_question(me, title="En fråga som ska bort, med tio tecken")
    answer = create_answer(question, other)
    login(me)
    page = client.get(f"/fragor/{question.id}/ta-bort")
    assert page.status_code == 200 and "Ta bort frågan?" in page.text
    assert client.get(f"/svar/{answer.id}/ta-bort").status_code == 403
    assert client.get("/kommentarer/999999/ta-bort").status_code == 404
    response = post(f"/fragor/{question.id}/ta-bort")
    assert response.status_code == 303
    assert client.get(f"/fragor/{question.id}").status_code == 404


def test_similar_questions_say_how_many_answers(
    app, client, login, create_user, create_question, create_answer
):
    me = create_user()
    question = create_question(me, title="Hur laddar ni surfplattorna på natten?", answer_count=1)
    assert answer_facts([question.id, 999999]) == {question.id: (1, False)}
    assert answer_facts([]) == {}
    login(me)
    assert client.get("/fragor/liknande?titel=surfplattorna").get_json() == {"questions": []}
