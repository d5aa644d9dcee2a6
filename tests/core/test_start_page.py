from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from hub.core.db import utcnow
from hub.core.i18n import locale_object
from hub.core.models import Tag, user_expertise
from hub.extensions import db
from hub.forum.models import Category, Question, question_tag
from hub.site.parts import START_PARTS, question_items


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


# The start page's question list as it was written before its items became shared parts.
OLD_LIST = """{% macro question_list(questions) %}
<ul class="list-plain link-list">
  {% for question in questions %}
  <li>
    <a href="{{ url_for('forum.question', question_id=question.id, slug=question.title|forum_slug) }}">{{ question.title }}</a>
    <span class="muted">{{ question.author_name if question.author_name is not none else _("borttagen medlem") }},
      <time datetime="{{ question.created_at|iso }}">{{ question.created_at|ago }}</time>
      · {{ ngettext("%(num)s svar", "%(num)s svar", question.answer_count) }}</span>
  </li>
  {% endfor %}
</ul>
{% endmacro %}{{ question_list(questions) }}"""  # noqa: E501
NEW_LIST = """{% macro question_list(items) %}
<ul class="list-plain link-list">
{% for item in items %}{{ item }}{% endfor %}
</ul>
{% endmacro %}{{ question_list(question_items(questions)) }}"""


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_question_items_are_written_as_before_first_and_again(app, language):
    now = utcnow()
    rows = [
        SimpleNamespace(id=7, title="Hur <b>loggar</b> jag in?", author_name="Åsa & Co",
                        created_at=now - timedelta(minutes=5), answer_count=0),
        SimpleNamespace(id=8, title="Läsplatta", author_name=None,
                        created_at=now - timedelta(days=3), answer_count=1),
        SimpleNamespace(id=9, title="Nyss", author_name="Bo", created_at=now, answer_count=12),
    ]  # fmt: skip
    with app.test_request_context("/"), force_locale(locale_object(language)):
        env = app.jinja_env
        expected = env.from_string(OLD_LIST).render(questions=rows)
        app.extensions.pop(START_PARTS, None)
        render = env.from_string(NEW_LIST).render
        first = render(questions=rows, question_items=question_items)
        again = render(questions=rows, question_items=question_items)
    assert first == again == expected


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_material_section_is_written_as_before_first_and_again(app, language):
    """The newest material's section is kept (``hub.site.parts.material_section``): the same
    text as its template rendered in the page, kinds named in the page's language, with items
    or none; other items are another part."""
    from flask import render_template

    from hub.material.items import NewMaterial
    from hub.site.parts import material_section

    now = utcnow()
    items = (NewMaterial(4, "link", "Digga <b>Hallands</b> & co", now),
             NewMaterial(3, "howto", "Wifi", now - timedelta(days=40)))  # fmt: skip
    with app.test_request_context("/"), force_locale(locale_object(language)):
        for shown in (items, items[1:], ()):
            expected = render_template("material/_start_section.html", new_material=shown)
            app.extensions.pop(START_PARTS, None)
            assert material_section(shown) == material_section(list(shown)) == expected
        assert "Hallands" not in material_section(items[1:])
