"""The account rule functions, called directly for the cases the pages rarely reach."""

from __future__ import annotations

import pytest

from hub.auth import accounts, tokens
from hub.extensions import db


def test_address_without_a_dotted_domain_has_no_municipality(app):
    assert accounts.find_municipality_for_email("someone@localhost") is None
    assert accounts.find_municipality_for_email("not-an-address") is None


def test_sign_up_to_an_existing_address_stops_at_the_mail_limit(app, create_user, outbox):
    owner = create_user()
    for _ in range(3):
        accounts.do_sign_up(
            email=owner.email, name="X", password="en lång mening", municipality_code="1381"
        )
    assert len(outbox("account_exists")) == 2


def test_resend_confirmation_stops_at_the_mail_limit(app, create_user, outbox):
    user = create_user(confirmed=False)
    for _ in range(3):
        accounts.do_resend_confirmation(user.email)
    assert len(outbox("confirm_email")) == 2


def test_confirmation_token_for_a_changed_address_is_invalid(app, create_user):
    user = create_user(confirmed=False)
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"u": user.id, "e": "gammal@laholm.se"})
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_confirmation(token)
    bogus = tokens.make_token(tokens.CONFIRM_EMAIL, {"u": "1", "e": user.email})
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_confirmation(bogus)


def test_confirming_twice_reports_it(app, create_user):
    user = create_user(confirmed=False)
    assert accounts.do_confirm_email(user) is True
    assert accounts.do_confirm_email(user) is False


def test_reset_token_for_a_missing_or_inactive_account_is_invalid(app, create_user):
    user = create_user(active=False)
    token = tokens.make_token(
        tokens.RESET_PASSWORD, {"u": user.id, "f": accounts.password_fingerprint(user)}
    )
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_reset(token)
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_reset(tokens.make_token(tokens.RESET_PASSWORD, {"u": 10**9}))


def test_reset_confirms_an_unconfirmed_address(app, create_user):
    user = create_user(confirmed=False)
    accounts.do_reset_password(user, "en lång mening om te")
    assert user.email_confirmed_at is not None


def test_email_change_tokens(app, create_user):
    user = create_user(email="forst@laholm.se")
    with pytest.raises(tokens.TokenInvalid):
        accounts.email_change_for(
            tokens.make_token(tokens.CHANGE_EMAIL, {"u": 10**9, "e": "x@laholm.se"})
        )
    token = tokens.make_token(
        tokens.CHANGE_EMAIL, {"u": user.id, "e": "andra@laholm.se", "old": "forst@laholm.se"}
    )
    user.email = "tredje@laholm.se"
    db.session.flush()
    with pytest.raises(tokens.TokenGone):
        accounts.email_change_for(token)


def test_do_change_email_is_idempotent_and_refuses_a_taken_address(app, create_user):
    user = create_user(email="min@laholm.se")
    create_user(email="upptagen@laholm.se")
    assert accounts.do_change_email(user, "min@laholm.se") is False
    with pytest.raises(accounts.EmailTaken):
        accounts.do_change_email(user, "upptagen@laholm.se")
    assert accounts.do_change_email(user, "ledig@laholm.se") is True
    assert user.email == "ledig@laholm.se"


def test_tokens_of_the_wrong_shape_are_invalid(app):
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token(tokens.CONFIRM_EMAIL, tokens.make_token(tokens.CONFIRM_EMAIL, [1, 2]))


def test_sign_up_of_a_new_address_stops_at_the_mail_limit(app, create_user, outbox):
    for _ in range(2):
        accounts.mail_allowed("signup", "ny.person@laholm.se")
    accounts.do_sign_up(
        email="ny.person@laholm.se", name="Ny", password="en lång mening", municipality_code="1381"
    )
    assert accounts.find_user_by_email("ny.person@laholm.se") is None
    assert outbox() == []


def test_login_links_are_limited_and_die_with_the_password(app, create_user):
    from hub.mail.models import OutboxMessage

    user = create_user(email="lank@laholm.se")
    with app.test_request_context():
        for _ in range(3):
            accounts.request_login_link(user.email)
        accounts.request_login_link("ingen@laholm.se")
    sent = db.session.query(OutboxMessage).filter_by(kind="login_link").count()
    assert sent == 2  # the per-address mail limit
    token = tokens.make_token(
        tokens.LOGIN_LINK, {"u": user.id, "f": accounts.password_fingerprint(user)}
    )
    assert accounts.user_for_login_link(token) == user
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_login_link(tokens.make_token(tokens.LOGIN_LINK, {"u": 10**9}))
    accounts.set_password(user, "ett annat lösenord om kaffe")
    with pytest.raises(tokens.TokenGone):
        accounts.user_for_login_link(token)


def test_guards_for_numbers_and_paths():
    from hub.core.guards import ascii_int, local_path

    assert ascii_int(None) is None and ascii_int(12) is None
    assert ascii_int(" 42 ") == 42 and ascii_int("²") is None and ascii_int(str(2**31)) is None
    assert local_path("/fragor?sida=2") == "/fragor?sida=2"
    for bad in ("//elak.example", "/\\elak", "http://elak.example/", "fragor", "/a\nb", None):
        assert local_path(bad) is None


def test_a_number_beyond_the_column_is_a_field_error(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from hub.core.guards import BoundedIntegerField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        count = BoundedIntegerField()

    with app.test_request_context():
        form = Form(formdata=MultiDict({"count": str(2**31)}))
        assert not form.validate() and form.count.data is None and form.count.errors
        assert Form(formdata=MultiDict({"count": "12"})).validate()
