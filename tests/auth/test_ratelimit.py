"""Rate limits kept in the database: per IP, per account, per address."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from config import Config
from hub.core import ratelimit
from hub.core.ratelimit import RateLimitHit
from hub.extensions import db
from tests.auth.conftest import page_text
from tests.conftest import csrf_token
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def real_login_limits(app):
    app.config["LOGIN_IP_LIMITS"] = Config.LOGIN_IP_LIMITS


def test_hit_counts_within_each_window(app, clock):
    limits = [(3, 60), (5, 3600)]
    assert [ratelimit.hit("test", "k", limits) for _ in range(4)] == [False, False, False, True]
    assert not ratelimit.hit("test", "other key", limits)
    clock.advance(seconds=61)
    assert not ratelimit.hit("test", "k", limits)  # the minute has passed: 5 in the hour
    assert ratelimit.hit("test", "k", limits)  # the sixth in the hour


def test_old_hits_are_pruned_and_keys_are_hashed(app, clock):
    ratelimit.hit("test", "karin@laholm.se", [(5, 60)])
    clock.advance(days=3)
    ratelimit.hit("test", "karin@laholm.se", [(5, 60)])
    ratelimit.prune_all()
    keys = db.session.scalars(select(RateLimitHit.key)).all()
    assert len(keys) == 1 and "karin" not in keys[0]


def test_allow_prunes_a_key_only_when_it_has_hits_past_every_window(app, clock, monkeypatch):
    """``allow`` counts the key's stale hits with its windows' and deletes only when there are
    some: an allowed hit is two statements, not three (an answer's posting limit, say)."""
    monkeypatch.setattr(ratelimit, "maybe_prune_all", lambda: None)
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's own transaction
            sent.append(statement.split()[0])

    def allow_sent() -> list[str]:
        sent.clear()
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert ratelimit.allow("test", "k", [(5, 60)])
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return list(sent)

    assert allow_sent() == ["SELECT", "INSERT"]
    assert allow_sent() == ["SELECT", "INSERT"]
    clock.advance(seconds=61)
    assert allow_sent() == ["SELECT", "INSERT", "DELETE"]  # the two past the minute
    assert db.session.scalar(select(func.count(RateLimitHit.id))) == 1


def attempt(client, email, password, ip="192.0.2.1"):
    env = {"REMOTE_ADDR": ip}
    token = csrf_token(client.get("/logga-in", environ_base=env).text)
    return client.post(
        "/logga-in",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=env,
    )


def test_login_is_limited_per_ip(client, create_user):
    user = create_user()
    for i in range(6):
        assert attempt(client, f"ingen{i}@laholm.se", "fel lösenord").status_code == 200
    blocked = attempt(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "För många inloggningsförsök" in blocked.text
    # Another IP is not affected.
    assert attempt(client, user.email, PASSWORD, ip="192.0.2.99").status_code == 302


def test_login_is_limited_per_ip_per_hour(client, clock):
    for i in range(30):
        if i and i % 6 == 0:
            clock.advance(seconds=61)
        assert attempt(client, "ingen@laholm.se", "fel", ip="192.0.2.7").status_code in (200, 429)
    clock.advance(seconds=61)
    assert attempt(client, "ingen@laholm.se", "fel", ip="192.0.2.7").status_code == 429


def test_five_failures_lock_the_address_from_that_ip_for_a_while(client, create_user, clock):
    """Per (address, IP): the guesser waits; the owner elsewhere is not locked out."""
    user = create_user()
    for _ in range(5):
        response = attempt(client, user.email, "fel lösenord", ip="198.51.100.7")
        assert response.status_code == 200
    clock.advance(minutes=2)  # past the per-IP minute limit
    locked = attempt(client, user.email, PASSWORD, ip="198.51.100.7")
    assert locked.status_code == 429
    assert "E-postadressen eller lösenordet" not in locked.text  # nothing about the account
    assert "För många inloggningsförsök" in locked.text
    assert attempt(client, user.email, PASSWORD, ip="198.51.100.200").status_code == 302
    clock.advance(minutes=31)
    assert attempt(client, user.email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_unknown_address_is_locked_the_same_way(client, clock):
    for _ in range(5):
        attempt(client, "ingen@laholm.se", "fel lösenord", ip="198.51.100.8")
    clock.advance(minutes=2)
    assert attempt(client, "ingen@laholm.se", "fel", ip="198.51.100.8").status_code == 429


def test_reset_mail_is_limited_per_address_and_answers_the_same(
    create_user, post_form, outbox, clock
):
    user = create_user()
    answers = [post_form("/glomt-losenord", {"email": user.email}) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert page_text(answers[0].text) == page_text(answers[2].text)
    assert len(outbox("password_reset")) == 2
    for _ in range(4):
        clock.advance(hours=1, seconds=1)
        post_form("/glomt-losenord", {"email": user.email})
    assert len(outbox("password_reset")) == 5  # 5 a day
    clock.advance(hours=1, seconds=1)
    post_form("/glomt-losenord", {"email": user.email})
    assert len(outbox("password_reset")) == 5


def test_sign_up_mail_is_limited_per_address(post_form, outbox):
    for _ in range(3):
        answer = post_form(
            "/registrera",
            {"name": "Eva Ek", "email": "eva.ek@laholm.se", "password": "en lång mening om te"},
        )
        assert answer.status_code == 200 and "Vi har skickat ett mejl" in answer.text
    assert len(outbox(to="eva.ek@laholm.se")) == 2


def test_limits_live_in_the_database(client):
    attempt(client, "ingen@laholm.se", "fel")
    assert db.session.scalar(select(func.count(RateLimitHit.id))) >= 2  # IP and the failure
