"""Redirects after an action go only to paths on this site."""

from __future__ import annotations

import pytest

from tests.security.conftest import World, sign_in

OFFSITE = ["//evil.example/", "/\\evil.example", "/\t/evil.example", "https://evil.example/"]


@pytest.mark.parametrize("target", OFFSITE)
def test_follow_does_not_redirect_off_site(app, world: World, target):
    client = app.test_client()
    token = sign_in(app, client, world.users["member"].get_id())
    response = client.post(
        world.format("/folj/question/{question_id}"), data={"csrf_token": token, "next": target}
    )
    assert response.status_code == 303
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize("target", OFFSITE)
def test_login_does_not_redirect_off_site(app, client, world: World, target):
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD

    token = csrf_token(client.get("/logga-in").text)
    response = client.post(
        "/logga-in",
        query_string={"next": target},
        data={"email": world.users["member"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
