"""Fixtures for the admin tests: a signed-in admin and a POST helper that brings the CSRF token."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from tests.conftest import csrf_token


@pytest.fixture
def admin(create_user, login):
    user = create_user(role=Role.ADMIN, name="Ada Admin", email="ada@stafetten.se")
    login(user)
    return user


@pytest.fixture
def post(client):
    """``post(url, **fields)``: a form POST with a valid CSRF token of the client's session."""

    def send(url: str, **data):
        token = csrf_token(client.get("/").text)
        return client.post(url, data={"csrf_token": token, **data})

    return send
