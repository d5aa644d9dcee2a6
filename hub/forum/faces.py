"""A post's author as the question page shows them, read as plain values, not ORM objects.

Twenty answers' authors, profiles and municipalities loaded as ORM objects cost more than the
rest of the answers' loading (issue 17). A ``Face`` has the same attribute names as the ``User``
it stands for (``profile.has_photo``, ``municipality.scb_code`` …), so the shared avatar macro,
the municipality filter and the privacy rule (``can_view_person``) read it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import aliased

from hub.auth.models import User
from hub.directory.models import Municipality, Profile


@dataclass(frozen=True, slots=True)
class FaceProfile:
    photo_version: int
    hidden_from_directory: bool

    has_photo = Profile.has_photo  # the profile's own rule: one place decides


@dataclass(frozen=True, slots=True)
class FacePlace:
    scb_code: str
    name: str


@dataclass(frozen=True, slots=True)
class Face:
    id: int
    name: str
    active: bool
    profile: FaceProfile | None
    municipality: FacePlace | None


def face_columns(user, profile, place) -> list[ColumnElement]:
    """A face's columns from these (possibly aliased) User, Profile and Municipality."""
    return [
        user.id,
        user.name,
        user.active,
        profile.user_id,
        profile.photo_version,
        profile.hidden_from_directory,
        place.scb_code,
        place.name,
    ]


# For a statement that has User, Profile and Municipality joined in already.
FACE_COLUMNS = face_columns(User, Profile, Municipality)
FACE_WIDTH = len(FACE_COLUMNS)


class FaceColumns:
    """The columns of a face, for a statement that joins the author (``author_id``) in; the
    same aliases let one statement hold two faces."""

    def __init__(self, prefix: str) -> None:
        self.user = aliased(User, name=f"{prefix}_user")
        self.profile = aliased(Profile, name=f"{prefix}_profile")
        self.place = aliased(Municipality, name=f"{prefix}_place")
        self.columns = face_columns(self.user, self.profile, self.place)

    def join(self, statement, author_id: ColumnElement):
        """The statement with the author, their profile and municipality outer-joined."""
        return (
            statement.outerjoin(self.user, self.user.id == author_id)
            .outerjoin(self.profile, self.profile.user_id == self.user.id)
            .outerjoin(self.place, self.place.scb_code == self.user.municipality_code)
        )


def face_from(values: tuple) -> Face | None:
    """The face from a row's face columns (in ``FaceColumns.columns`` order); None for a former
    member (the author's account is gone)."""
    user_id, name, active, profile_id, photo_version, hidden, code, place = values
    if user_id is None:
        return None
    profile = None if profile_id is None else FaceProfile(photo_version, hidden)
    return Face(user_id, name, active, profile, None if code is None else FacePlace(code, place))
