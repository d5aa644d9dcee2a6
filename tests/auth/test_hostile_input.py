"""Odd input to every auth form gets an answer, never a 500."""

from __future__ import annotations

import pytest

from hub.auth.models import Role

NASTY = [
    "",
    "a\x00b@laholm.se",
    "\u202eevil@laholm.se",
    "zero\u200bwidth@laholm.se",
    "🙂🙂🙂@laholm.se",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 5000,
]

PUBLIC_FORMS = [
    ("/logga-in", ("email", "password")),
    ("/registrera", ("name", "email", "password")),
    ("/glomt-losenord", ("email",)),
    ("/bekrafta", ("email",)),
]


@pytest.mark.parametrize(("url", "fields"), PUBLIC_FORMS)
@pytest.mark.parametrize("value", NASTY)
def test_public_forms_survive_odd_input(post_form, url, fields, value):
    response = post_form(url, dict.fromkeys(fields, value))
    assert response.status_code < 500
    assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize("value", NASTY)
def test_signed_in_forms_survive_odd_input(app, client, create_user, login, post_form, value):
    login(create_user(role=Role.ADMIN))
    posts = [
        ("/installningar/konto/losenord", {"current_password": value, "password": value}),
        ("/installningar/konto/epost", {"new_email": value, "email_password": value}),
        ("/installningar/konto/tvastegsverifiering", {"code": value}),
        ("/inbjudningar", {"addresses": value, "municipality": value}),
    ]
    for action, data in posts:
        response = post_form("/installningar/konto", data, action=action)
        assert response.status_code < 500, action
        assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize("token", ["x", "a\x00b", "..%2f..", "ö" * 3000, "<script>"])
def test_links_survive_odd_tokens(client, token):
    for prefix in (
        "/bekrafta/",
        "/aterstall/",
        "/inbjudan/",
        "/installningar/konto/ny-epost/",
        "/logga-in/lank/",
    ):
        assert client.get(prefix + token).status_code in (404, 410)
