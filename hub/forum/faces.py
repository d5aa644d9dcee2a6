"""A post's author and head as the question page shows them, worked out in Python.

Twenty answers' authors, profiles and municipalities loaded as ORM objects cost more than the
rest of the answers' loading (issue 17). A ``Face`` has the same attribute names as the ``User``
it stands for (``profile.has_photo``, ``municipality.scb_code`` …), so the shared avatar, the
municipality filter and the privacy rule (``can_view_person``) read it unchanged. A ``Head`` is
what a post's head shows this reader, made once per post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from babel import Locale
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import ColumnElement
from sqlalchemy.orm import aliased

from hub.auth.models import User
from hub.core.i18n import current_locale
from hub.core.kept import drop_kept
from hub.core.templating import cached_url_for, datetime_filter, iso_filter
from hub.directory.faces import avatar
from hub.directory.models import Profile
from hub.directory.official_names import official_name


# Faces, answers and comments are named tuples, not dataclasses: a kept part's key holds them
# (hub/forum/post_parts.py), and a tuple is hashed and compared in C where a dataclass runs
# Python for each (a sixth of a question page's parts' look-up, issue 17).
class FaceProfile(NamedTuple):
    photo_version: int
    hidden_from_directory: bool

    has_photo = Profile.has_photo  # the profile's own rule: one place decides


class FacePlace(NamedTuple):
    scb_code: str
    name: str


class Face(NamedTuple):
    id: int
    name: str
    active: bool
    profile: FaceProfile | None
    municipality: FacePlace | None


def face_columns(user, profile) -> list[ColumnElement]:
    """A face's columns from these (possibly aliased) User and Profile: the municipality by its
    code, named from the kept municipalities (``kept_places``)."""
    return [
        user.id,
        user.name,
        user.active,
        profile.user_id,
        profile.photo_version,
        profile.hidden_from_directory,
        user.municipality_code,
    ]


# For a statement that has User and Profile joined in already.
FACE_COLUMNS = face_columns(User, Profile)
FACE_WIDTH = len(FACE_COLUMNS)


class FaceColumns:
    """The columns of a face, for a statement that joins the author (``author_id``) in; the
    same aliases let one statement hold two faces."""

    def __init__(self, prefix: str) -> None:
        self.user = aliased(User, name=f"{prefix}_user")
        self.profile = aliased(Profile, name=f"{prefix}_profile")
        self.columns = face_columns(self.user, self.profile)

    def join(self, statement, author_id: ColumnElement):
        """The statement with the author and their profile outer-joined."""
        return statement.outerjoin(self.user, self.user.id == author_id).outerjoin(
            self.profile, self.profile.user_id == self.user.id
        )


class KnownPlace(NamedTuple):
    """A municipality as a face shows it, and its region (the experts' ranking)."""

    place: FacePlace
    region_code: str


def kept_places(afresh: bool = False) -> dict[str, KnownPlace]:
    """Every municipality by code, from the directory's kept reference rows (``hub.core.kept``;
    ``afresh``: read again first). Joined into the question page's row for each face (the
    asker's, each answer's author's, each expert's), the municipality cost the server a join
    and a look-up each, a fifth of that statement's plan (issue 17); as the question's tags are
    named, a name changed in another worker shows here at most ``REFERENCE_KEPT_SECONDS`` later."""
    from hub.directory.listing import KEPT_FILTER_CHOICES  # the directory's, not ours to import

    if afresh:
        drop_kept()
    return KEPT_FILTER_CHOICES.made(_places_of)


def _places_of(rows: tuple) -> dict[str, KnownPlace]:
    return {code: KnownPlace(FacePlace(code, name), region) for kind, code, name, region, *_ in rows
            if kind == 0}  # fmt: skip


def place_of(code: str | None, places: dict[str, KnownPlace]) -> KnownPlace | None:
    """The municipality ``code`` (None: none), from ``places`` (``kept_places``); read afresh when
    it is not there (made a moment ago in another worker)."""
    if code is None:
        return None
    known = places.get(code)
    # A code no municipality has (none, since the user's code is a foreign key) shows no place.
    return known if known is not None else kept_places(afresh=True).get(code)


def face_from(values: tuple, places: dict[str, KnownPlace]) -> Face | None:
    """The face from a row's face columns (in ``FaceColumns.columns`` order), its municipality
    named from ``places`` (``kept_places``); None for a former member (the account is gone)."""
    user_id, name, active, profile_id, photo_version, hidden, code = values
    if user_id is None:
        return None
    profile = None if profile_id is None else FaceProfile(photo_version, hidden)
    known = place_of(code, places)
    return Face(user_id, name, active, profile, None if known is None else known.place)


def face_from_json(values: list, places: dict[str, KnownPlace]) -> Face | None:
    """``face_from`` for the face columns as a JSON array has them (a column of the question's
    row): SQLite's JSON has no booleans (0 and 1)."""
    user_id, name, active, profile_id, photo_version, hidden, code = values
    if user_id is None:
        return None
    profile = None if profile_id is None else FaceProfile(photo_version, bool(hidden))
    known = place_of(code, places)
    return Face(user_id, name, bool(active), profile, None if known is None else known.place)


def face_of(user: User | None) -> Face | None:
    """The face of a member loaded with their profile and municipality (``with_face``)."""
    if user is None:
        return None
    profile, town = user.profile, user.municipality
    if profile is not None:
        profile = FaceProfile(profile.photo_version, profile.hidden_from_directory)
    place = None if town is None else FacePlace(town.scb_code, town.name)
    return Face(user.id, user.name, user.active, profile, place)


@dataclass(frozen=True, slots=True)
class Moment:
    """When a post was written, as the page writes it: for ``<time datetime>``, its title and
    how long ago."""

    iso: str
    title: str
    ago: str


@dataclass(frozen=True, slots=True)
class Head:
    """A post's head as this reader sees it: the author's picture or initials (``avatar``; None
    for a former member), name, the person's page if the privacy rule lets the reader open it,
    municipality, when the post was written and last edited. Worked out here, once per post:
    the template's chain of macro, privacy rule, municipality and date filters per post was
    a sixth of the question page (issue 17)."""

    avatar: Markup | None
    name: str
    href: str | None
    place: str
    created: Moment
    edited: str | None  # when it was last edited, written out; None if never


def head_of(author: Face | User | None, created_at: datetime, edited_at: datetime | None, *,
            may_open: bool, ago: str) -> Head:  # fmt: skip
    """The head of a post by ``author`` (None: the account is gone) whose page the reader may
    open or not, written ``ago``, in the request's language."""
    created = Moment(iso_filter(created_at), datetime_filter(created_at), ago)
    edited = datetime_filter(edited_at) if edited_at else None
    if author is None:
        return Head(None, gettext("Tidigare medlem"), None, "", created, edited)
    href = cached_url_for("directory.person", user_id=author.id) if may_open else None
    town = author.municipality
    place = official_place(town.scb_code, town.name, current_locale()) if town else ""
    return Head(avatar(author), author.name, href, place, created, edited)


@lru_cache(maxsize=1024)
def official_place(code: str, name: str, locale: Locale | None) -> str:
    """The municipality's official name, kept per language (``locale`` is the request's)."""
    return official_name(code, name)
