"""The one place that decides what each role may do, and which rights follow from a
municipality or a network.

Views call ``require(...)`` or ``can(...)``. Rights that follow from belonging to a municipality
(hosting, holding the baton) or to a network (taking part in its meetings) are decided here too,
so that every feature asks the same question the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, select

from hub.auth.models import Role
from hub.extensions import db


class Permission(enum.StrEnum):
    VIEW_MEMBERS = "view_members"
    POST = "post"
    INVITE = "invite"
    MODERATE = "moderate"
    MANAGE_NETWORKS = "manage_networks"
    ADMIN = "admin"


MEMBER = {Permission.VIEW_MEMBERS, Permission.POST}
COORDINATOR = MEMBER | {Permission.INVITE, Permission.MODERATE}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.MEMBER: frozenset(MEMBER),
    Role.COORDINATOR: frozenset(COORDINATOR),
    Role.ADMIN: frozenset(set(Permission)),
}


def can(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(permission: Permission) -> Callable:
    """Decorator: anonymous users go to login, signed-in users without the right get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from hub.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def speaks_for(user, municipality_code: str | None) -> bool:
    """May act for the municipality (host a meeting, pass its baton): a member of it.

    ``user.municipality_code`` is only ever set by sign-up through the municipality's work
    domain, an invitation or an approved change (``hub/directory/membership.py``); a pending
    change leaves it empty, so the old rights end at once and the new ones wait for approval.
    """
    if not _signed_in(user) or municipality_code is None:
        return False
    return user.municipality_code == municipality_code


def coordinates(user, network_id: int) -> bool:
    """The network's coordinators and admins."""
    from hub.meetings.models import network_coordinator

    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    network_coordinator.c.network_id == network_id,
                    network_coordinator.c.user_id == user.id,
                )
            )
        )
    )


def takes_part_in(user, network_id: int) -> bool:
    """May answer, suggest topics, vote and see the online link: members of the network's
    active municipalities, its coordinators and admins."""
    from hub.meetings.models import NetworkMunicipality

    if not _signed_in(user):
        return False
    if user.municipality_code is not None and db.session.scalar(
        select(
            exists().where(
                NetworkMunicipality.network_id == network_id,
                NetworkMunicipality.municipality_code == user.municipality_code,
                NetworkMunicipality.active,
            )
        )
    ):
        return True
    return coordinates(user, network_id)


def may_vouch_for(user, municipality_code: str) -> bool:
    """May approve that someone belongs to the municipality (a change, an invitation): admins,
    and coordinators of a network the municipality is a member of."""
    from hub.meetings.models import NetworkMunicipality, network_coordinator

    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.COORDINATOR:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    network_coordinator.c.user_id == user.id,
                    network_coordinator.c.network_id == NetworkMunicipality.network_id,
                    NetworkMunicipality.municipality_code == municipality_code,
                )
            )
        )
    )
