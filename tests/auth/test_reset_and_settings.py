"""Password reset, change of password and email, and sessions ending."""

from __future__ import annotations

from hub.auth.passwords import verify_password
from hub.extensions import db
from tests.auth.conftest import link_in, page_text
from tests.factories import PASSWORD

NEW_PASSWORD = "ny kopp kaffe på morgonen"


def reset_link(post_form, outbox, email):
    post_form("/glomt-losenord", {"email": email})
    return link_in(outbox("password_reset", to=email)[-1], "/aterstall/")


def test_reset_answers_the_same_whether_or_not_the_address_exists(create_user, post_form, outbox):
    user = create_user()
    known = post_form("/glomt-losenord", {"email": user.email})
    unknown = post_form("/glomt-losenord", {"email": "ingen@laholm.se"})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known.text.replace(user.email, "X")) == page_text(
        unknown.text.replace("ingen@laholm.se", "X")
    )
    assert len(outbox("password_reset")) == 1


def test_reset_sets_a_new_password_once(app, client, create_user, post_form, outbox):
    user = create_user()
    link = reset_link(post_form, outbox, user.email)
    assert client.get(link).status_code == 200
    weak = post_form(link, {"password": "password1234"})
    assert weak.status_code == 400 and "för vanligt" in weak.text
    done = post_form(link, {"password": NEW_PASSWORD})
    assert done.status_code == 302
    old = post_form("/logga-in", {"email": user.email, "password": PASSWORD})
    assert "stämmer inte" in old.text
    assert (
        post_form("/logga-in", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    )

    reused = app.test_client().get(link)
    assert reused.status_code == 410 and "redan använts eller gått ut" in reused.text


def test_reset_link_expires_within_a_day(client, create_user, post_form, outbox, clock):
    user = create_user()
    link = reset_link(post_form, outbox, user.email)
    clock.advance(hours=23)
    assert client.get(link).status_code == 200
    clock.advance(hours=2)
    assert client.get(link).status_code == 410


def test_reset_ends_other_sessions(app, client, create_user, login, post_form, outbox):
    user = create_user()
    login(user)
    assert client.get("/installningar").status_code == 200
    other = app.test_client()
    link = reset_link(post_form, outbox, user.email)
    post_form(link, {"password": NEW_PASSWORD}, the_client=other)
    assert client.get("/installningar").status_code == 302


def test_remember_me_cookie_dies_after_logout(app, client, create_user, login, post_form):
    user = create_user()
    login(user, remember=True)
    remember = client.get_cookie("remember_token", domain="stafetten.test")
    assert remember is not None
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remember.value, domain="stafetten.test")
    assert stolen.get("/installningar").status_code == 200  # the cookie alone signs in

    post_form("/", {}, action="/logga-ut")
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value, domain="stafetten.test")
    assert replay.get("/installningar").status_code == 302


def test_change_password_keeps_this_session_and_ends_the_others(
    app, client, create_user, login, post_form
):
    user = create_user()
    login(user, remember=True)
    remember = client.get_cookie("remember_token", domain="stafetten.test").value
    wrong = post_form(
        "/installningar/konto",
        {"current_password": "fel lösenord här", "password": NEW_PASSWORD},
        action="/installningar/konto/losenord",
    )
    assert wrong.status_code == 400 and "Lösenordet stämmer inte" in wrong.text

    changed = post_form(
        "/installningar/konto",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
        action="/installningar/konto/losenord",
    )
    assert changed.status_code == 302
    assert client.get("/installningar/konto").status_code == 200  # still signed in here

    replay = app.test_client()
    replay.set_cookie("remember_token", remember, domain="stafetten.test")
    assert replay.get("/installningar").status_code == 302
    fresh_remember = client.get_cookie("remember_token", domain="stafetten.test").value
    assert fresh_remember != remember


def test_change_email_by_link_to_the_new_address(
    app, client, create_user, login, post_form, outbox
):
    user = create_user(email="gammal@laholm.se")
    login(user)
    response = post_form(
        "/installningar/konto",
        {"new_email": "ny@laholm.se", "email_password": PASSWORD},
        action="/installningar/konto/epost",
    )
    assert response.status_code == 302
    assert db.session.get(type(user), user.id).email == "gammal@laholm.se"
    link = link_in(outbox("change_email", to="ny@laholm.se")[0], "/installningar/konto/ny-epost/")
    assert client.get(link).status_code == 200
    done = post_form(link, {})
    assert done.status_code == 200 and "ny@laholm.se" in done.text
    assert db.session.get(type(user), user.id).email == "ny@laholm.se"
    assert outbox("email_changed", to="gammal@laholm.se")
    assert client.get(link).status_code == 200  # followed twice: says it is done already


def test_change_email_to_a_taken_address_sends_nothing(create_user, login, post_form, outbox):
    create_user(email="upptagen@laholm.se")
    login(create_user())
    response = post_form(
        "/installningar/konto",
        {"new_email": "upptagen@laholm.se", "email_password": PASSWORD},
        action="/installningar/konto/epost",
    )
    assert response.status_code == 302
    assert outbox("change_email") == []


def test_account_settings_section_is_listed(client, create_user, login):
    login(create_user())
    page = client.get("/installningar")
    assert "/installningar/konto" in page.text


def test_deactivated_user_cannot_log_in(create_user, post_form):
    user = create_user(active=False)
    response = post_form("/logga-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "E-postadressen eller lösenordet stämmer inte." in response.text


def test_session_is_rotated_on_login(client, create_user, post_form):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "value"
    post_form("/logga-in", {"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_owner_is_told_about_sign_in_changes(create_user, login, post_form, outbox):
    user = create_user()
    login(user)
    post_form(
        "/installningar/konto",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
        action="/installningar/konto/losenord",
    )
    [notice] = outbox("security_notice", to=user.email)
    assert "Lösenordet till ditt konto på Stafetten har bytts." in notice.body_text
    assert "Lösenordet till ditt konto på Stafetten har bytts." in notice.body_html


def test_change_email_link_expires(client, create_user, login, post_form, outbox, clock):
    login(create_user())
    post_form(
        "/installningar/konto",
        {"new_email": "senare@laholm.se", "email_password": PASSWORD},
        action="/installningar/konto/epost",
    )
    link = link_in(outbox("change_email")[0], "/installningar/konto/ny-epost/")
    clock.advance(hours=25)
    assert client.get(link).status_code == 410


def test_change_email_needs_the_current_password(create_user, login, post_form, outbox):
    login(create_user())
    response = post_form(
        "/installningar/konto",
        {"new_email": "ny@laholm.se", "email_password": "fel lösenord"},
        action="/installningar/konto/epost",
    )
    assert response.status_code == 400 and "Lösenordet stämmer inte" in response.text
    assert 'value="ny@laholm.se"' in response.text
    assert outbox("change_email") == []


def test_an_email_change_link_dies_when_the_owner_changes_the_password(
    app, client, create_user, login, post_form, outbox
):
    """Finding 4: someone who knew the old password asked to move the account to their own
    address; the owner changes the password; the link must no longer take the account."""
    user = create_user(email="agare@laholm.se")
    login(user)
    post_form(
        "/installningar/konto",
        {"new_email": "inkraktare@laholm.se", "email_password": PASSWORD},
        action="/installningar/konto/epost",
    )
    link = link_in(outbox("change_email")[0], "/installningar/konto/ny-epost/")
    post_form(
        "/installningar/konto",
        {"current_password": PASSWORD, "password": "ett helt nytt lösenord om kaffe"},
        action="/installningar/konto/losenord",
    )
    assert verify_password(
        db.session.get(type(user), user.id).password_hash, "ett helt nytt lösenord om kaffe"
    )
    stranger = app.test_client()
    assert stranger.get(link).status_code == 410
    assert post_form(link, {}, the_client=stranger).status_code == 410
    assert db.session.get(type(user), user.id).email == "agare@laholm.se"


def test_an_email_change_link_survives_signing_out(client, create_user, login, post_form, outbox):
    user = create_user(email="utloggad@laholm.se")
    login(user)
    post_form(
        "/installningar/konto",
        {"new_email": "ny.adress@laholm.se", "email_password": PASSWORD},
        action="/installningar/konto/epost",
    )
    link = link_in(outbox("change_email")[0], "/installningar/konto/ny-epost/")
    post_form("/installningar", {}, action="/logga-ut")
    assert client.get(link).status_code == 200
    assert post_form(link, {}).status_code == 200
    assert db.session.get(type(user), user.id).email == "ny.adress@laholm.se"
