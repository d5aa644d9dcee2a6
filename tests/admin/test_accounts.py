"""Accounts: search, roles, the last-admin rule, deactivation."""

from __future__ import annotations

from hub.auth.models import Role
from hub.extensions import db
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def test_search_by_name_email_and_role(client, admin, create_user):
    create_user(name="Åsa Öberg", email="asa.oberg@kungsbacka.se")
    create_user(name="Bertil Svensson", email="bertil@halmstad.se", role=Role.COORDINATOR)
    create_user(name="Cecilia Ek", email="cecilia@varberg.se")

    def names(query: str) -> str:
        return client.get("/admin/konton" + query).text

    html = names("?q=åsa")
    assert "Åsa Öberg" in html and "Bertil" not in html
    assert "Bertil Svensson" in names("?q=svens")  # a surname
    assert "Bertil Svensson" in names("?q=BERTIL@")
    html = names("?role=coordinator")
    assert "Bertil Svensson" in html and "Cecilia" not in html
    assert "Cecilia" not in names("?q=%25")  # wildcards are text, not patterns
    assert client.get("/admin/konton?page=999&role=nonsense").status_code == 200


def test_account_list_is_paginated_with_fixed_statements(client, admin, create_user, count_queries):
    for n in range(55):
        create_user(name=f"Medlem {n:02d}")
    with count_queries() as counter:
        first = client.get("/admin/konton")
    assert counter.count <= 8
    assert "Sida 1 av 2" in first.text
    assert "Medlem 48" in first.text or "Medlem 49" in first.text
    second = client.get("/admin/konton?page=2")
    assert "Medlem 54" in second.text


def test_change_role(admin, post, create_user):
    member = create_user()
    assert post(f"/admin/konton/{member.id}/roll", role="coordinator").status_code == 302
    db.session.refresh(member)
    assert member.role == Role.COORDINATOR
    response = post(f"/admin/konton/{member.id}/roll", role="emperor")
    assert response.status_code == 400
    assert "Välj en roll i listan." in response.text


def test_the_last_admin_cannot_demote_themself(client, admin, post, create_user):
    response = post(f"/admin/konton/{admin.id}/roll", role="member")
    assert response.status_code == 400
    assert "Du är den enda administratören." in response.text
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN

    create_user(role=Role.ADMIN)
    assert post(f"/admin/konton/{admin.id}/roll", role="member").status_code == 302
    db.session.refresh(admin)
    assert admin.role == Role.MEMBER
    assert client.get("/admin").status_code == 403


def test_an_inactive_admin_does_not_count(admin, post, create_user):
    create_user(role=Role.ADMIN, active=False)
    response = post(f"/admin/konton/{admin.id}/roll", role="coordinator")
    assert response.status_code == 400


def test_deactivation_ends_every_session_and_reactivation_allows_login(
    app, admin, post, create_user
):
    target = create_user()
    their_browser = app.test_client()
    token = csrf_token(their_browser.get("/logga-in").text)
    their_browser.post(
        "/logga-in", data={"email": target.email, "password": PASSWORD, "csrf_token": token}
    )
    assert their_browser.get("/installningar").status_code == 200

    assert post(f"/admin/konton/{target.id}/inaktivera").status_code == 302
    db.session.refresh(target)
    assert not target.active
    assert their_browser.get("/installningar").status_code == 302

    assert post(f"/admin/konton/{target.id}/aktivera").status_code == 302
    db.session.refresh(target)
    assert target.active
    # the old session stays ended: the session version moved on
    assert their_browser.get("/installningar").status_code == 302


def test_admin_cannot_deactivate_themself(admin, post):
    response = post(f"/admin/konton/{admin.id}/inaktivera")
    assert response.status_code == 409
    assert "Du kan inte inaktivera ditt eget konto." in response.text
    db.session.refresh(admin)
    assert admin.active
