"""Demo accounts, client IP behind proxies, and the prune command."""

from __future__ import annotations

import random

from hub.auth import demo
from hub.demo import DEMO_PASSWORD
from hub.extensions import db
from tests.conftest import csrf_token


def test_demo_accounts_sign_in_with_the_published_password(app, client):
    for _line in demo.seed(random.Random(1), "small"):
        pass
    db.session.commit()
    for email, *_rest in demo.FIXED_ACCOUNTS:
        fresh = app.test_client()
        token = csrf_token(fresh.get("/logga-in").text)
        response = fresh.post(
            "/logga-in", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, email
        assert fresh.get("/installningar").status_code == 200, email


def test_rate_limit_ip_comes_from_the_trusted_proxy_only(app):
    from hub.core.ratelimit import client_ip

    headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.4"}
    with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        assert client_ip() == "10.0.0.1"
        app.config["TRUSTED_PROXIES"] = 1
        assert client_ip() == "198.51.100.4"  # what our proxy saw; the first entry is forgeable


def test_prune_command(app):
    result = app.test_cli_runner().invoke(args=["hub", "prune-auth"])
    assert result.exit_code == 0, result.output
    assert "Tog bort" in result.output
