"""Fixtures of the directory tests: people with profiles."""

from __future__ import annotations

import pytest

from hub.core.models import Tag
from hub.core.tags import tag_slug as slugify
from hub.directory.models import CareArea, Profile
from hub.extensions import db


@pytest.fixture
def create_person(create_user):
    """A user with a profile: ``create_person(name=..., tags=["Surfplattor"], areas=[...])``."""

    def create(
        *,
        tags: tuple[str, ...] = (),
        areas: tuple[str, ...] = (),
        workplace: str = "Solgläntans äldreboende",
        phone: str = "035-12 34 56",
        email_visibility: str = "members",
        phone_visibility: str = "members",
        hidden: bool = False,
        **user_fields,
    ):
        user = create_user(**user_fields)
        tag_rows = []
        for name in tags:
            tag = db.session.query(Tag).filter_by(slug=slugify(name)).one_or_none()
            if tag is None:
                tag = Tag(slug=slugify(name), name=name)
                db.session.add(tag)
            tag_rows.append(tag)
        profile = Profile(
            user_id=user.id,
            workplace=workplace,
            work_phone=phone,
            email_visibility=email_visibility,
            phone_visibility=phone_visibility,
            hidden_from_directory=hidden,
            photo_version=0,
            care_areas=[db.session.get(CareArea, slug) for slug in areas],
            expertise=tag_rows,
        )
        db.session.add(profile)
        db.session.commit()
        return user

    return create
