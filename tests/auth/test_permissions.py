"""Role checks go through ``permissions.can``."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from hub.auth.models import Role
from hub.auth.permissions import Permission, can


def test_role_rights(app, create_user):
    member = create_user()
    coordinator = create_user(role=Role.COORDINATOR)
    admin = create_user(role=Role.ADMIN)
    anonymous = AnonymousUserMixin()

    assert can(member, Permission.POST) and not can(member, Permission.INVITE)
    assert can(coordinator, Permission.INVITE) and not can(coordinator, Permission.ADMIN)
    assert all(can(admin, permission) for permission in Permission)
    assert not any(can(anonymous, permission) for permission in Permission)


def test_invitation_page_follows_the_role_rights(app, create_user, login, client):
    for role, status in ((Role.MEMBER, 403), (Role.COORDINATOR, 200), (Role.ADMIN, 200)):
        fresh = app.test_client()
        user = create_user(role=role)
        from tests.conftest import csrf_token
        from tests.factories import PASSWORD

        token = csrf_token(fresh.get("/logga-in").text)
        fresh.post(
            "/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert fresh.get("/inbjudningar").status_code == status, role
