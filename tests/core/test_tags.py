"""One tag rule for questions and profiles: the same word typed anywhere is the same tag."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.core.models import Tag, user_expertise
from hub.core.tags import get_or_create_tags, parse_tag_names, tag_slug
from hub.extensions import db


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Digitala lås", "digitala-las"),
        ("  Läkemedelsrobot ", "lakemedelsrobot"),
        ("Läkemedels\u00adrobot", "lakemedelsrobot"),  # a soft hyphen pasted from Word
        ("Läke\u200bmedelsrobot", "lakemedelsrobot"),  # a zero-width space
        ("E-lärande", "e-larande"),
        ("Teams!!", "teams"),
        ("Crème brûlée", "creme-brulee"),
        ("Naïv", "naiv"),
        ("Blæksprutte", "blaeksprutte"),
        ("Øresund", "oresund"),
        ("#Surfplattor", "surfplattor"),
        ("!!!", ""),
        ("x" * 100, "x" * 60),
    ],
)
def test_tag_slug(text, slug):
    assert tag_slug(text) == slug


def test_parse_keeps_the_first_spelling_once():
    raw = "Surfplattor, digitala lås,,#surfplattor, Läkemedels\u00adrobot, !!!"
    assert parse_tag_names(raw) == ["Surfplattor", "digitala lås", "Läkemedelsrobot"]


def test_variants_become_one_tag(app):
    first = get_or_create_tags(["Läkemedels\u00adrobot", "Naïv"])
    again = get_or_create_tags(["läkemedelsrobot", "naiv"])
    assert [t.id for t in first] == [t.id for t in again]
    assert [t.name for t in first] == ["Läkemedelsrobot", "Naïv"]
    assert db.session.scalar(select(func.count(Tag.id))) == 2


def test_a_profile_and_a_question_share_the_tag(client, login, create_user, app):
    from hub.directory.profiles import ProfileChanges, update_profile
    from hub.forum.models import Category
    from hub.forum.questions import create_question

    user = create_user()
    profile = update_profile(user, None, profile_changes(ProfileChanges, "Läkemedels\u00adrobot"))
    category = Category(slug="vardag", name="Vardag")
    db.session.add(category)
    db.session.flush()
    question = create_question(
        create_user(),
        title="Hur fyller ni läkemedelsroboten?",
        body="Vi undrar.",
        category_id=category.id,
        tag_names=["läkemedelsrobot"],
    )
    expertise = db.session.scalars(
        select(user_expertise.c.tag_id).where(user_expertise.c.user_id == profile.user_id)
    ).all()
    assert [t.id for t in question.tags] == expertise


def profile_changes(changes_type, expertise: str):
    return changes_type(
        name="Eva Ek",
        title="",
        role_type_slug=None,
        care_area_slugs=[],
        workplace="",
        presentation="",
        expertise=parse_tag_names(expertise),
        work_phone="",
        email_visibility="members",
        phone_visibility="members",
        hidden_from_directory=False,
    )


def test_tags_read_as_a_column_are_the_sessions_own_and_nothing_to_write(app):
    from hub.core.tags import tags_as_read

    robot, alarm = get_or_create_tags(["Robot", "Larm"])
    db.session.commit()
    found = f'[[{alarm.id}, "{alarm.slug}", "Larm"], [{robot.id}, "{robot.slug}", "Robot"]]'
    tags = tags_as_read(found)
    assert [tag.id for tag in tags] == sorted([robot.id, alarm.id])
    assert robot in tags and alarm in tags  # the session's own objects
    assert not db.session.new and not db.session.dirty
    assert tags_as_read(None) == [] and tags_as_read("[]") == []
    db.session.expunge_all()
    [again] = tags_as_read([[robot.id, robot.slug, "Robot"]])
    assert (again.slug, again.name) == (robot.slug, "Robot") and not db.session.dirty
