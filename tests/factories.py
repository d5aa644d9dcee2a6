"""Factories for test data, as fixtures: ``create_user(...)`` and friends."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient

from hub.auth import last_seen
from hub.auth.accounts import change_role, create_account
from hub.auth.models import Role, User
from hub.core.db import utcnow
from hub.extensions import db
from hub.meetings import networks
from hub.meetings.models import Meeting, MeetingStatus, Network

PASSWORD = "ett-bra-lösenord-för-test"
_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    role: str = Role.MEMBER,
    municipality_code: str | None = "1381",
    confirmed: bool = True,
    **fields,
) -> User:
    """An account made by the account rule (``create_account``), its role given as the admin
    area gives it; ``fields`` are set as they are (``active=False``, ``last_seen_on=…``).

    A member who has used the hub today, as one signed in through the login form is: otherwise
    each request of a test that signs in without the form (the authorization matrix) would write
    the day's first visit again after its rollback."""
    fields.setdefault("last_seen_on", last_seen.today())
    n = next(_counter)
    user = create_account(
        email=email or f"person{n}@laholm.se",
        name=name or f"Person {n}",
        password=PASSWORD,
        municipality_code=municipality_code,
        confirmed=confirmed,
    )
    change_role(user, role)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def make_network(
    *,
    slug: str | None = None,
    codes: tuple[str, ...] = ("1383", "1381", "1380"),
    coordinators=(),
) -> Network:
    """A network made by the network rules, as the admin area makes one: the municipalities join
    in ``codes`` order, the first with members takes the baton (they are told by mail), and the
    coordinators are added by their e-mail addresses."""
    n = next(_counter)
    network = networks.create_network(f"Nätverk {n}", slug or f"natverk-{n}")
    for code in codes:
        networks.add_network_member(network, code)
    for user in coordinators:
        networks.add_coordinator(network, user.email)
    db.session.commit()
    return network


def make_meeting(
    network: Network,
    *,
    starts_at: datetime | None = None,
    days: float = 10,
    hours: float = 2,
    status: str = MeetingStatus.SCHEDULED,
    host_code: str | None = None,
    title: str | None = None,
    capacity: int | None = None,
    place: str = "Stadshuset, Laholm",
    online_url: str = "",
    **fields,
) -> Meeting:
    """A meeting row made directly (no mail, no history), ``days`` from now unless ``starts_at``
    is given, hosted by the baton holder unless ``host_code`` is given; ``fields`` are set as they
    are (``created_by_id=…``)."""
    n = next(_counter)
    now = utcnow()
    starts_at = starts_at or now + timedelta(days=days)
    meeting = Meeting(
        network_id=network.id,
        host_code=host_code or network.baton_holder_code or "1381",
        title=title or f"Nätverksträff {n}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        place=place,
        online_url=online_url,
        capacity=capacity,
        status=status,
        open_slot=1 if status == MeetingStatus.SCHEDULED else None,
        uid=f"test-{n}-{now.timestamp()}@stafetten.se",
        created_at=now,
        updated_at=now,
        **fields,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


@pytest.fixture
def create_user(app):
    return make_user


@pytest.fixture
def create_network(app):
    return make_network


@pytest.fixture
def create_meeting(app):
    return make_meeting


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
