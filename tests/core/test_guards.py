"""The modules that guard people and data, branch by branch (scripts/test asks 100 % of them)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin, login_user
from werkzeug.exceptions import Forbidden

from hub.auth.accounts import authenticate, load_user
from hub.auth.models import Role
from hub.auth.passwords import hash_password, verify_password
from hub.auth.permissions import Permission, can, require
from hub.core.markdown import render_markdown
from hub.extensions import db
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.MEMBER, Permission.POST, Permission.MODERATE),
        (Role.COORDINATOR, Permission.MODERATE, Permission.ADMIN),
        (Role.ADMIN, Permission.ADMIN, None),
    ],
)
def test_roles_have_their_rights_and_no_more(create_user, role, allowed, refused):
    user = create_user(role=role)
    assert can(user, allowed)
    if refused:
        assert not can(user, refused)


def test_anonymous_and_unknown_roles_may_do_nothing(create_user):
    assert not can(AnonymousUserMixin(), Permission.VIEW_MEMBERS)
    stranger = create_user()
    stranger.role = "stranger"
    assert not can(stranger, Permission.VIEW_MEMBERS)


def test_require_sends_anonymous_to_login_and_refuses_the_unentitled(app, create_user):
    @require(Permission.MODERATE)
    def moderate():
        return "ok"

    with app.test_request_context("/moderera"):
        response = moderate()
        assert response.status_code == 302 and "/logga-in" in response.location
    with app.test_request_context("/moderera"):
        login_user(create_user(role=Role.MEMBER))
        with pytest.raises(Forbidden):
            moderate()
    with app.test_request_context("/moderera"):
        login_user(create_user(role=Role.COORDINATOR))
        assert moderate() == "ok"


def test_passwords_verify_only_the_right_one(app):
    password_hash = hash_password("rätt lösenord")
    assert verify_password(password_hash, "rätt lösenord")
    assert not verify_password(password_hash, "fel lösenord")
    assert not verify_password(None, "rätt lösenord")
    assert not verify_password("inte-en-hash", "rätt lösenord")


def test_load_user_checks_id_version_and_activity(create_user):
    user = create_user()
    assert load_user(user.get_id()) is user
    for bad_id in ("", "abc", f"{user.id}", f"{user.id}:x", "x:1", f"{user.id + 1000}:1"):
        assert load_user(bad_id) is None, bad_id
    old_id = user.get_id()
    user.session_version += 1
    db.session.flush()
    assert load_user(old_id) is None
    user.active = False
    db.session.flush()
    assert load_user(user.get_id()) is None


def test_authenticate_refuses_inactive_accounts_and_ignores_case(create_user):
    user = create_user(email="kim@laholm.se")
    assert authenticate(" KIM@laholm.se ", PASSWORD) is user
    user.active = False
    db.session.flush()
    assert authenticate("kim@laholm.se", PASSWORD) is None


@pytest.mark.parametrize(
    ("source", "present", "absent"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script"),
        ("[klick](javascript:alert(1))", "klick", 'href="javascript'),
        ('<img src=x onerror="alert(1)">', "&lt;img", "<img"),
        ("# Rubrik\n\n## Under", "<h3>Rubrik</h3>", "<h1>"),
        ("###### Liten", "<h4>Liten</h4>", "<h6>"),
        ("Se https://laholm.se", 'rel="nofollow ugc noopener"', "<script"),
        ("`https://exempel.se`", "<code>https://exempel.se</code>", "<a "),
        ("| a |\n| - |\n| b |", "<td>b</td>", "<script"),
    ],
)
def test_markdown_is_sanitised(source, present, absent):
    html = render_markdown(source)
    assert present in html
    assert absent not in html


def test_markdown_of_nothing_is_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
