"""The one place that decides what a viewer sees of a person, wherever people are shown.

The directory, the site search (``/sok``), the experts on a question, mentions and their
autocomplete, "ask a colleague to answer", vCards and every CSV export go through here:
``listed_people()`` for any list or lookup of people, ``see_person`` for their details.

Rules, by each person's own choice per contact field:
- ``members``: everyone signed in sees it;
- ``coordinators``: coordinators and admins see it;
- ``nobody``: only the person themself.
A profile hidden from the directory is not listed nor found; its page is seen only by the person
and by admins. A person always sees everything of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import aliased

from hub.auth.models import Role, User
from hub.directory.models import Profile, Visibility


@dataclass(frozen=True)
class PersonView:
    """What one viewer may see of one person; ``None`` means hidden (or not given)."""

    can_view: bool
    is_self: bool
    email: str | None
    phone: str | None
    photo: bool = False


def _sees_field(visibility: str, viewer: User, is_self: bool) -> bool:
    if is_self:
        return True
    if visibility == Visibility.MEMBERS:
        return True
    if visibility == Visibility.COORDINATORS:
        return viewer.role in (Role.COORDINATOR, Role.ADMIN)
    return False  # "nobody", and any value we do not know


def can_view_person(viewer: User | None, person: User) -> bool:
    """Whether the viewer may open the person's page at all."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id or viewer.role == Role.ADMIN:
        return True
    profile: Profile | None = person.profile
    hidden = profile is not None and profile.hidden_from_directory
    return person.active and not hidden


def see_person(viewer: User | None, person: User) -> PersonView:
    """What the viewer sees of the person. ``person.profile`` must be loaded."""
    if not can_view_person(viewer, person):
        return PersonView(can_view=False, is_self=False, email=None, phone=None, photo=False)
    is_self = viewer.id == person.id
    profile: Profile | None = person.profile
    email_visibility = profile.email_visibility if profile else Visibility.MEMBERS
    phone_visibility = profile.phone_visibility if profile else Visibility.MEMBERS
    phone = profile.work_phone if profile and profile.work_phone else None
    return PersonView(
        can_view=True,
        is_self=is_self,
        email=person.email if _sees_field(email_visibility, viewer, is_self) else None,
        phone=phone if _sees_field(phone_visibility, viewer, is_self) else None,
        photo=bool(profile and profile.has_photo),
    )


def listed_people() -> Select[tuple[User]]:
    """The people who may be listed or found by anyone: every list, search, suggestion and
    name lookup of people starts here, so a member who chose to be hidden is found nowhere."""
    return select(User).outerjoin(Profile, Profile.user_id == User.id).where(listed_condition())


def listed_by_exclusion() -> ColumnElement[bool]:
    """``listed_condition`` without joining Profile: active, and not among the profiles hidden
    from the directory. Those are few and have an index of their own (``ix_profile_hidden_user``):
    read once into a list (``NOT IN``: a profile's user id is never NULL), each person is looked
    up in it, not in the profile table. A NOT EXISTS had SQLite search the profile table once per
    person (0.31 against 0.18 ms for the directory's count of 1,021 at 2,000 members) and
    PostgreSQL join it (43 against 23 buffers)."""
    return and_(User.active.is_(True), User.id.not_in(_hidden_ids()))


def listed_ids(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """``listed_by_exclusion`` for a column of user ids, without reading each user's row: not
    among the deactivated accounts (few, read from ``ix_user_directory_order``, which begins
    with ``active``) nor the hidden profiles. For counting from another table's index (a
    topic's experts), where reading each one's row for "active" was most of the work."""
    inactive = aliased(User, name="inactive_user")
    deactivated = select(inactive.id).where(inactive.active.is_(False))
    return and_(user_id.not_in(deactivated), user_id.not_in(_hidden_ids()))


def _hidden_ids() -> Select:
    profile = aliased(Profile, name="hidden_profile")  # apart from a Profile the query joins
    return select(profile.user_id).where(profile.hidden_from_directory)


def listed_condition() -> ColumnElement[bool]:
    """SQL for "shown in lists": active and not hidden. The query must outer-join Profile."""
    return and_(
        User.active.is_(True),
        or_(Profile.user_id.is_(None), Profile.hidden_from_directory.is_(False)),
    )
