"""Rules for profiles: loading, saving, expertise tags and photos. Functions flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.core.tags import get_or_create_tags
from hub.directory.models import CareArea, Profile, ProfilePhoto, Visibility
from hub.extensions import db

MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_PRESENTATION = 2000


@dataclass
class ProfileChanges:
    """Validated input from the profile form."""

    name: str
    title: str
    role_type_slug: str | None
    care_area_slugs: list[str]
    workplace: str
    presentation: str
    expertise: list[str]
    work_phone: str
    email_visibility: str
    phone_visibility: str
    hidden_from_directory: bool


def load_own_profile(user_id: int) -> Profile | None:
    return db.session.scalar(
        select(Profile)
        .where(Profile.user_id == user_id)
        .options(selectinload(Profile.care_areas), selectinload(Profile.expertise))
    )


def update_profile(user: User, profile: Profile | None, changes: ProfileChanges) -> Profile:
    """Save the person's profile; returns it (created if it did not exist). The municipality
    is not part of it: ``membership.choose_municipality`` decides whether that changes."""
    if profile is None:
        profile = Profile(user_id=user.id, photo_version=0, care_areas=[], expertise=[])
        db.session.add(profile)
    user.name = changes.name
    user.title = changes.title
    user.role_type_slug = changes.role_type_slug
    profile.workplace = changes.workplace
    if changes.presentation != profile.presentation_source:
        profile.presentation_source = changes.presentation
        profile.presentation_html = render_markdown(changes.presentation)
    profile.work_phone = changes.work_phone
    profile.email_visibility = Visibility(changes.email_visibility)
    profile.phone_visibility = Visibility(changes.phone_visibility)
    profile.hidden_from_directory = changes.hidden_from_directory
    profile.care_areas = list(
        db.session.scalars(select(CareArea).where(CareArea.slug.in_(changes.care_area_slugs)))
    )
    profile.expertise = get_or_create_tags(changes.expertise)
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def set_photo(profile: Profile, jpeg: bytes) -> None:
    """Store an already processed photo (see ``photos.process_photo``)."""
    photo = db.session.get(ProfilePhoto, profile.user_id)
    if photo is None:
        db.session.add(ProfilePhoto(user_id=profile.user_id, data=jpeg, content_type="image/jpeg"))
    else:
        photo.data = jpeg
        photo.content_type = "image/jpeg"
    profile.photo_version = abs(profile.photo_version) + 1
    db.session.flush()


def remove_photo(profile: Profile) -> None:
    photo = db.session.get(ProfilePhoto, profile.user_id)
    if photo is not None:
        db.session.delete(photo)
    # Negative keeps the count, so a later photo gets a new URL and no browser shows a stale one.
    profile.photo_version = -abs(profile.photo_version)
    db.session.flush()
