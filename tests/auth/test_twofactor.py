"""Two-factor sign-in: enrolment, login with a code or a recovery code, and staff enforcement."""

from __future__ import annotations

import re

import pyotp
import pytest

from config import Config, DevelopmentConfig, ProductionConfig, TestConfig
from hub.auth import twofactor
from hub.auth.models import RecoveryCode, Role, User
from hub.core import db as core_db
from hub.extensions import db
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/installningar/konto/tvastegsverifiering")
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page.text).group(1)
    assert "otpauth://totp/Stafetten:" in page.text and f"secret={secret}" in page.text
    response = client.post(
        "/installningar/konto/tvastegsverifiering",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.text)
    assert len(codes) == 10
    return secret, codes


def fresh_code(secret: str, clock) -> str:
    """A code from the next time step: the one used at enrolment cannot be used again."""
    clock.advance(seconds=30)
    return pyotp.TOTP(secret).at(core_db.utcnow())


def password_step(client, user, remember=False):
    token = csrf_token(client.get("/logga-in").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/logga-in", data=data)


def code_step(client, code):
    token = csrf_token(client.get("/logga-in/kod").text)
    return client.post("/logga-in/kod", data={"code": code, "csrf_token": token})


@pytest.fixture
def enrolled(app, client, create_user, login, post_form):
    user = create_user()
    login(user)
    secret, codes = enrol(client)
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    return user, secret, codes


def test_enrolment_stores_the_secret_and_hashed_recovery_codes(app, client, create_user, login):
    user = create_user()
    login(user)
    secret, codes = enrol(client)
    stored = db.session.get(User, user.id)
    assert secret not in stored.totp_secret  # encrypted at rest
    assert twofactor.open_secret(stored.totp_secret) == secret
    hashes = [row.code_hash for row in db.session.query(RecoveryCode).filter_by(user_id=user.id)]
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert "Tvåstegsverifiering är på" in client.get("/installningar/konto").text


def test_wrong_code_does_not_turn_it_on(client, create_user, login):
    user = create_user()
    login(user)
    page = client.get("/installningar/konto/tvastegsverifiering")
    response = client.post(
        "/installningar/konto/tvastegsverifiering",
        data={"code": "000000", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 400 and "Koden stämmer inte" in response.text
    assert db.session.get(User, user.id).totp_secret is None


def test_login_asks_for_the_code(client, enrolled, clock):
    user, secret, _codes = enrolled
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/logga-in/kod"
    assert client.get("/installningar").status_code == 302  # not signed in yet
    wrong = code_step(client, "123456")
    assert wrong.status_code == 200 and "Koden stämmer inte" in wrong.text
    code = fresh_code(secret, clock)
    assert code_step(client, code).status_code == 302
    assert client.get("/installningar").status_code == 200

    # The same code cannot be used again.
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    password_step(client, user)
    assert "Koden stämmer inte" in code_step(client, code).text


def test_recovery_code_works_once(client, enrolled):
    user, _secret, codes = enrolled
    password_step(client, user)
    assert code_step(client, codes[0].upper()).status_code == 302
    client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    password_step(client, user)
    assert code_step(client, codes[0]).status_code == 200
    assert code_step(client, codes[1]).status_code == 302


def test_code_step_without_password_goes_back_to_login(client):
    response = client.get("/logga-in/kod")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")


def test_code_step_expires(client, enrolled, clock):
    user, _secret, _codes = enrolled
    password_step(client, user)
    clock.advance(minutes=6)
    assert client.get("/logga-in/kod").status_code == 302


def test_code_guessing_counts_as_failed_logins(app, client, enrolled, clock):
    app.config["LOGIN_IP_LIMITS"] = Config.LOGIN_IP_LIMITS
    user, secret, _codes = enrolled
    password_step(client, user)
    for _ in range(5):
        code_step(client, "000000")
    assert code_step(client, fresh_code(secret, clock)).status_code == 429


def test_members_can_turn_it_off_with_their_password(client, enrolled, clock):
    user, secret, _codes = enrolled
    password_step(client, user)
    assert code_step(client, fresh_code(secret, clock)).status_code == 302
    token = csrf_token(client.get("/installningar/konto").text)
    client.post(
        "/installningar/konto/tvastegsverifiering/av",
        data={"current_password": "fel", "csrf_token": token},
    )
    assert db.session.get(User, user.id).totp_secret is not None
    client.post(
        "/installningar/konto/tvastegsverifiering/av",
        data={"current_password": PASSWORD, "csrf_token": token},
    )
    assert db.session.get(User, user.id).totp_secret is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_must_set_it_up_when_required(app, client, create_user, login, role):
    app.config["REQUIRE_2FA_FOR_STAFF"] = True
    user = create_user(role=role)
    login(user)
    for path in ("/", "/installningar", "/inbjudningar", "/installningar/konto"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/installningar/konto/tvastegsverifiering"
    page = client.get("/installningar/konto/tvastegsverifiering")
    assert "Som samordnare eller administratör" in page.text
    secret, _codes = enrol(client)
    assert client.get("/inbjudningar").status_code == 200
    # ...and cannot turn it off again.
    token = csrf_token(client.get("/installningar/konto").text)
    client.post(
        "/installningar/konto/tvastegsverifiering/av",
        data={"current_password": PASSWORD, "csrf_token": token},
    )
    assert twofactor.open_secret(db.session.get(User, user.id).totp_secret) == secret


def test_members_are_not_forced(app, client, create_user, login):
    app.config["REQUIRE_2FA_FOR_STAFF"] = True
    login(create_user())
    assert client.get("/installningar").status_code == 200


def test_staff_are_not_forced_unless_configured(client, create_user, login):
    login(create_user(role=Role.ADMIN))
    assert client.get("/inbjudningar").status_code == 200


def test_configuration_defaults():
    assert ProductionConfig.LOGIN_IP_LIMITS == ((6, 60), (30, 3600))
    assert ProductionConfig.REQUIRE_2FA_FOR_STAFF is True
    assert DevelopmentConfig.REQUIRE_2FA_FOR_STAFF is False
    assert TestConfig.REQUIRE_2FA_FOR_STAFF is False


def test_secrets_open_after_a_key_rotation_and_not_without_the_key(app):
    sealed = twofactor.seal_secret("JBSWY3DPEHPK3PXP")
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="en-ny-nyckel", SECRET_KEY_FALLBACKS=[old_key])
    assert twofactor.open_secret(sealed) == "JBSWY3DPEHPK3PXP"
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert twofactor.open_secret(sealed) is None


def test_an_unreadable_secret_refuses_codes_but_not_recovery_codes(app, client, enrolled):
    user, secret, codes = enrolled
    user.totp_secret = "inte-en-giltig-krypterad-hemlighet"
    db.session.commit()
    assert not twofactor.verify_totp(user, pyotp.TOTP(secret).now())
    assert twofactor.verify_second_factor(user, codes[0])


def test_an_over_long_recovery_code_is_refused_unread(app, client, enrolled):
    user, _secret, codes = enrolled
    assert not twofactor.use_recovery_code(user, codes[0] + "x" * 40)
    assert twofactor.use_recovery_code(user, codes[0])


def test_new_recovery_codes_need_the_password_and_tell_the_owner(client, enrolled, clock, outbox):
    user, secret, old_codes = enrolled
    password_step(client, user)
    assert code_step(client, fresh_code(secret, clock)).status_code == 302
    token = csrf_token(client.get("/installningar/konto").text)
    refused = client.post(
        "/installningar/konto/reservkoder", data={"current_password": "fel", "csrf_token": token}
    )
    assert refused.status_code == 303
    assert "gamla reservkoder gäller fortfarande" in client.get("/installningar/konto").text
    notices = len(outbox("security_notice"))
    renewed = client.post(
        "/installningar/konto/reservkoder",
        data={"current_password": PASSWORD, "csrf_token": token},
    )
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", renewed.text)
    assert len(codes) == 10 and not set(codes) & set(old_codes)
    assert len(outbox("security_notice")) == notices + 1


def test_the_secret_being_set_up_is_not_readable_in_the_cookie(app, client, create_user, login):
    """Finding 10: the session cookie is signed, not encrypted; the pending secret is sealed
    in it, bound to the account, so whoever sees the cookie cannot make codes."""
    import base64
    import zlib

    user = create_user()
    login(user)
    page = client.get("/installningar/konto/tvastegsverifiering")
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page.text).group(1)
    cookie = client.get_cookie("session", domain="stafetten.test").value
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    readable = zlib.decompress(raw) if cookie.startswith(".") else raw
    assert secret.encode() not in readable
    # The same secret on the next visit, and it opens only for its own account.
    again = client.get("/installningar/konto/tvastegsverifiering")
    assert secret in again.text
    with client.session_transaction() as session:
        sealed = session["totp_setup_secret"]
    other = create_user()
    assert twofactor.open_pending_secret(user, sealed) == secret
    assert twofactor.open_pending_secret(other, sealed) is None
    assert twofactor.open_pending_secret(user, sealed[:-2] + "xx") is None
    assert twofactor.open_pending_secret(user, None) is None


def test_a_code_of_non_ascii_digits_is_refused_not_a_crash(client, enrolled):
    """ "²²²²²²" passes str.isdigit(); hmac.compare_digest would raise on it (a 500)."""
    user = db.session.get(User, enrolled[0].id)
    assert not twofactor.verify_totp(user, "²" * 6)
    assert not twofactor.verify_totp(user, "١٢٣٤٥٦")
