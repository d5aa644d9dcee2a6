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


def test_wrong_guesses_from_elsewhere_do_not_lock_the_owner_out(app, client, create_user):
    """Finding 6: failures count per (address, IP). A stranger's five wrong passwords lock
    only the stranger's IP; the owner at work signs in."""
    from tests.conftest import csrf_token

    owner = create_user(email="vard@laholm.se")
    stranger = app.test_client()
    for _ in range(6):
        page = stranger.get("/logga-in")
        stranger.post(
            "/logga-in",
            data={"email": owner.email, "password": "fel", "csrf_token": csrf_token(page.text)},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    refused = stranger.post(
        "/logga-in",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert refused.status_code == 429
    page = client.get("/logga-in")
    response = client.post(
        "/logga-in",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302


def test_many_failures_from_many_places_slow_down_and_a_link_lets_the_owner_in(
    app, client, create_user, outbox
):
    from hub.auth import accounts
    from hub.core import ratelimit
    from tests.auth.conftest import link_in
    from tests.conftest import csrf_token

    owner = create_user(email="samordnare.x@laholm.se")
    for n in range(accounts.ADDRESS_FAILURE_CEILING[0][0]):
        accounts.record_login_failure(owner.email, f"198.51.100.{n}")
    page = client.get("/logga-in")
    data = {"email": owner.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    assert client.post("/logga-in", data=data).status_code == 302  # one try gets through
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/installningar").text)})
    page = client.get("/logga-in")
    data["csrf_token"] = csrf_token(page.text)
    slowed = client.post("/logga-in", data=data)
    assert slowed.status_code == 429 and "Skicka en inloggningslänk" in slowed.text
    sent = client.post(
        "/logga-in/lank",
        data={"email": owner.email, "csrf_token": csrf_token(slowed.text)},
    )
    assert sent.status_code == 200 and "15 minuter" in sent.text
    link = link_in(outbox("login_link")[0], "/logga-in/lank/")
    visitor = app.test_client()
    shown = visitor.get(link)
    assert shown.status_code == 200 and visitor.get("/installningar").status_code == 302
    signed_in = visitor.post(link, data={"csrf_token": csrf_token(shown.text)})
    assert signed_in.status_code == 302
    assert visitor.get("/installningar").status_code == 200
    assert visitor.get("/logga-in/lank/trasig").status_code == 404
    assert client.post("/logga-in/lank", data={"email": ""}).status_code in (303, 400)
    ratelimit.clear("login-failure-address", owner.email)
