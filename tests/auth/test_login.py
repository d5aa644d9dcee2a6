from __future__ import annotations

from hub.extensions import db
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def post_login(client, email, password):
    token = csrf_token(client.get("/logga-in").text)
    return client.post(
        "/logga-in", data={"email": email, "password": password, "csrf_token": token}
    )


def test_login_and_logout(client, create_user, login):
    user = create_user()
    login(user)
    assert client.get("/katalog").status_code == 200
    token = csrf_token(client.get("/").text)
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302
    assert client.get("/katalog").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, create_user):
    user = create_user()
    wrong = post_login(client, user.email, "fel-lösenord-här")
    unknown = post_login(client, "ingen@laholm.se", PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    message = "E-postadressen eller lösenordet stämmer inte."
    assert message in wrong.text and message in unknown.text
    assert 'value="ingen@laholm.se"' in unknown.text  # what the user typed is kept


def test_logout_ends_every_session_of_the_account(app, create_user, login):
    user = create_user()
    login(user)
    other_device = app.test_client()
    token = csrf_token(other_device.get("/logga-in").text)
    other_device.post(
        "/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert other_device.get("/katalog").status_code == 200

    client = app.test_client()
    token = csrf_token(client.get("/logga-in").text)
    client.post("/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    assert other_device.get("/katalog").status_code == 302


def test_deactivated_user_loses_session(client, create_user, login):
    user = create_user()
    login(user)
    user.active = False
    db.session.commit()
    assert client.get("/katalog").status_code == 302


def test_next_parameter_only_allows_local_paths(client, create_user):
    user = create_user()
    token = csrf_token(client.get("/logga-in").text)
    response = client.post(
        "/logga-in?next=https://evil.example/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
