"""Factories for test data, as fixtures: ``create_user(...)`` and friends."""

from __future__ import annotations

import itertools

import pytest
from flask.testing import FlaskClient

from hub.auth.models import Role, User
from hub.auth.passwords import hash_password
from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings.models import Network, NetworkMunicipality

PASSWORD = "ett-bra-lösenord-för-test"
_counter = itertools.count(1)


@pytest.fixture
def create_user(app):
    password_hash = hash_password(PASSWORD)

    def create(
        *,
        email: str | None = None,
        name: str | None = None,
        role: str = Role.MEMBER,
        municipality_code: str | None = "1381",
        confirmed: bool = True,
        **fields,
    ) -> User:
        n = next(_counter)
        user = User(
            email=email or f"person{n}@laholm.se",
            name=name or f"Person {n}",
            role=role,
            password_hash=password_hash,
            email_confirmed_at=utcnow() if confirmed else None,
            municipality_code=municipality_code,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return create


@pytest.fixture
def create_network(app):
    def create(
        *,
        slug: str | None = None,
        codes: tuple[str, ...] = ("1383", "1381", "1380"),
        coordinators=(),
    ) -> Network:
        n = next(_counter)
        network = Network(slug=slug or f"natverk-{n}", name=f"Nätverk {n}")
        network.members = [
            NetworkMunicipality(municipality_code=code, position=i) for i, code in enumerate(codes)
        ]
        network.coordinators = list(coordinators)
        db.session.add(network)
        db.session.commit()
        return network

    return create


@pytest.fixture
def login(client: FlaskClient):
    """Sign a user in through the real login form."""
    from tests.conftest import csrf_token

    def sign_in(user: User, password: str = PASSWORD, remember: bool = False):
        page = client.get("/logga-in")
        data = {"email": user.email, "password": password, "csrf_token": csrf_token(page.text)}
        if remember:
            data["remember"] = "y"
        response = client.post("/logga-in", data=data)
        assert response.status_code == 302, response.text
        return response

    return sign_in
