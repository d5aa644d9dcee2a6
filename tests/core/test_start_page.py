from __future__ import annotations

from hub.core.models import Tag, user_expertise
from hub.extensions import db
from hub.forum.models import Category, Question, question_tag


def add_question(author, category, title, tag=None, answers=0):
    question = Question(
        author_id=author.id,
        category_id=category.id,
        title=title,
        body_source="Text",
        body_html="<p>Text</p>",
        answer_count=answers,
    )
    db.session.add(question)
    db.session.flush()
    if tag is not None:
        db.session.execute(question_tag.insert().values(question_id=question.id, tag_id=tag.id))
    return question


def test_visitors_see_what_the_hub_is_and_how_to_sign_in(client):
    page = client.get("/").text
    assert "Välkommen till Stafetten" in page and 'href="/logga-in"' in page


def test_members_see_new_questions_and_those_they_can_answer(
    client, login, create_user, count_queries
):
    me = create_user(name="Lina Ambassadör")
    asker = create_user()
    category = Category(slug="vt", name="Välfärdsteknik")
    tag = Tag(slug="lakemedelsrobot", name="läkemedelsrobot")
    db.session.add_all([category, tag])
    db.session.flush()
    db.session.execute(user_expertise.insert().values(user_id=me.id, tag_id=tag.id))
    add_question(asker, category, "Hur fyller ni på läkemedelsroboten?", tag=tag)
    add_question(asker, category, "Vilka appar använder ni i daglig verksamhet?", answers=2)
    db.session.commit()
    login(me)

    with count_queries() as counter:
        page = client.get("/").text
    assert "Hej Lina!" in page
    assert page.count("Hur fyller ni på läkemedelsroboten?") == 2  # new, and for me
    assert page.count("Vilka appar använder ni") == 1  # answered: not in "du kan kanske svara"
    assert counter.count <= 9  # one of them counts the questions in my topics, up to a cap
