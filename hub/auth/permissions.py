"""The one place that decides what each role may do.

Views call ``require(...)`` or ``can(...)``. Object-level rules (own post, baton holder) live in
each feature's rule module and are built on top of these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from hub.auth.models import Role


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
