"""One-click unsubscribe (RFC 8058): GET shows, POST stops; no login, no CSRF token."""

from __future__ import annotations

import time

import itsdangerous.timed
import pytest

from hub.extensions import db
from hub.mail import tokens
from hub.mail.models import MailPreference
from hub.mail.preferences import get_preferences
from hub.mail.tokens import make_unsubscribe_token


def test_get_shows_what_stops_and_changes_nothing(client, create_user):
    user = create_user(name="Karin Larsson")
    token = make_unsubscribe_token(user.id, "digest")
    response = client.get(f"/avregistrera/{token}")
    assert response.status_code == 200
    assert "Sammanfattningen" in response.text and "Karin Larsson" in response.text
    assert "<button" in response.text
    assert db.session.get(MailPreference, user.id) is None
    assert get_preferences(user.id)["digest_frequency"] == "weekly"


def test_one_click_post_without_login_or_csrf_token(client, create_user):
    user = create_user()
    token = make_unsubscribe_token(user.id, "digest")
    response = client.post(
        f"/avregistrera/{token}", data={"List-Unsubscribe": "One-Click"}
    )  # exactly what a mail client sends
    assert response.status_code == 200
    assert "Du är avregistrerad" in response.text
    assert get_preferences(user.id)["digest_frequency"] == "never"
    assert get_preferences(user.id)["answers"] == "immediately"  # only what the link names


def test_unsubscribe_from_one_kind_of_notification(client, create_user):
    user = create_user()
    client.post(f"/avregistrera/{make_unsubscribe_token(user.id, 'meetings')}")
    prefs = get_preferences(user.id)
    assert prefs["meetings"] == "never" and prefs["digest_frequency"] == "weekly"


def test_unsubscribe_from_all(client, create_user):
    user = create_user()
    client.post(f"/avregistrera/{make_unsubscribe_token(user.id, 'all')}")
    prefs = get_preferences(user.id)
    assert prefs.pop("mail_text") == "full"  # how mail looks, not whether it comes
    assert set(prefs.values()) == {"never"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_gives_a_clear_page_and_no_change(client, create_user, method):
    user = create_user()
    token = make_unsubscribe_token(user.id, "digest")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = getattr(client, method)(f"/avregistrera/{tampered}")
    assert response.status_code == 400
    assert "Länken fungerar inte" in response.text and "Ingenting har ändrats" in response.text
    assert db.session.get(MailPreference, user.id) is None


def test_token_for_someone_else_cannot_be_made_by_editing(client, create_user):
    user, other = create_user(), create_user()
    token = make_unsubscribe_token(user.id, "digest")
    payload, rest = token.split(".", 1)
    forged = make_unsubscribe_token(other.id, "digest").split(".", 1)[0] + "." + rest
    assert client.post(f"/avregistrera/{forged}").status_code == 400
    assert db.session.get(MailPreference, other.id) is None
    assert payload != forged.split(".", 1)[0]


def test_expired_token(client, create_user, monkeypatch):
    user = create_user()
    token = make_unsubscribe_token(user.id, "digest")
    monkeypatch.setattr(tokens, "MAX_AGE_SECONDS", -1)
    response = client.post(f"/avregistrera/{token}")
    assert response.status_code == 400 and "för gammal" in response.text
    assert db.session.get(MailPreference, user.id) is None


def test_token_from_a_year_ago_still_works(client, create_user, monkeypatch):
    user = create_user()
    a_year_and_a_month_ago = time.time() - 395 * 24 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: a_year_and_a_month_ago)
    token = make_unsubscribe_token(user.id, "digest")
    monkeypatch.undo()
    assert client.post(f"/avregistrera/{token}").status_code == 200
    assert get_preferences(user.id)["digest_frequency"] == "never"


def test_token_survives_secret_key_rotation(app, client, create_user):
    user = create_user()
    token = make_unsubscribe_token(user.id, "digest")
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="en-ny-hemlig-nyckel", SECRET_KEY_FALLBACKS=[old_key])
    assert client.get(f"/avregistrera/{token}").status_code == 200
    app.config.update(SECRET_KEY_FALLBACKS=[])  # the old key dropped: the old link stops working
    assert client.post(f"/avregistrera/{token}").status_code == 400
    app.config.update(SECRET_KEY_FALLBACKS=[old_key])
    assert client.post(f"/avregistrera/{token}").status_code == 200
    assert get_preferences(user.id)["digest_frequency"] == "never"


def test_unknown_member_or_topic_is_404(client, create_user):
    assert (
        client.get(f"/avregistrera/{make_unsubscribe_token(999999, 'digest')}").status_code == 404
    )
    user = create_user()
    assert (
        client.post(f"/avregistrera/{make_unsubscribe_token(user.id, 'bogus')}").status_code == 404
    )


def test_a_validly_signed_token_with_the_wrong_shape_is_refused(app):
    import pytest

    from hub.mail.tokens import InvalidToken, _serializer, read_unsubscribe_token

    for payload in (["inte", "en", "dict"], {"u": "1", "k": "digest"}, {"u": 1, "k": 7}):
        with pytest.raises(InvalidToken):
            read_unsubscribe_token(_serializer().dumps(payload))
