"""Fixtures of the meetings tests: meetings made directly, without going through the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.extensions import db
from hub.meetings.models import Network

FILE_T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def build_race_app(url: str):
    """Halland with Laholm holding the baton since FILE_T0, three Laholm members (p0–p2@laholm.se,
    password "x"), one in Varberg and a coordinator; an empty outbox."""
    from flask_migrate import upgrade

    from hub import create_app
    from hub.auth.models import Role, User
    from hub.auth.passwords import hash_password
    from hub.mail.models import OutboxMessage
    from hub.meetings import rotation
    from hub.meetings.models import BatonPass, NetworkMunicipality, network_coordinator
    from tests.conftest import make_config

    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        network = Network(slug="halland", name="Halland", rhythm_months=3)
        db.session.add(network)
        db.session.flush()
        db.session.add_all(
            NetworkMunicipality(network_id=network.id, municipality_code=code, position=i)
            for i, code in enumerate(("1381", "1383"))
        )
        password = hash_password("x")
        people = [
            User(email=f"p{i}@laholm.se", name=f"P {i}", municipality_code="1381",
                 password_hash=password, email_confirmed_at=FILE_T0)
            for i in range(3)
        ]  # fmt: skip
        people.append(User(email="v@varberg.se", name="V", municipality_code="1383",
                           password_hash=password, email_confirmed_at=FILE_T0))  # fmt: skip
        coordinator = User(email="c@halland.se", name="C", role=Role.COORDINATOR,
                           password_hash=password, email_confirmed_at=FILE_T0)  # fmt: skip
        db.session.add_all([*people, coordinator])
        db.session.flush()
        db.session.execute(
            network_coordinator.insert().values(network_id=network.id, user_id=coordinator.id)
        )
        rotation.ensure_holder(network)
        db.session.execute(db.update(BatonPass).values(passed_at=FILE_T0))
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def file_app(tmp_path):
    """An app on its own database file, so that threads really commit and really race."""
    app = build_race_app(f"sqlite:///{tmp_path / 'race.db'}")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    """Like ``file_app``, on SQLite and (with TEST_DATABASE_URL) on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("file_app")
        return
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server")
    name = f"race_{uuid.uuid4().hex[:12]}"
    server = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    app = build_race_app(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def ical_checker(tmp_path_factory):
    from tests.meetings.libical import build_checker

    return build_checker(tmp_path_factory.mktemp("libical"))
