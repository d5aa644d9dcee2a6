"""Backup and restore through the real CLI commands, on a database file of its own."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from hub import create_app
from hub.auth.models import User
from hub.core.backup import table_counts
from hub.extensions import db
from tests.conftest import make_config


@pytest.fixture
def file_app(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'live.db'}", INSTANCE_PATH=tmp_path))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_backup_then_restore_brings_data_back(file_app, tmp_path):
    db.session.add(User(email="kvar@laholm.se", name="Kvar Kvarsson"))
    db.session.commit()
    before = table_counts(db.engine)
    runner = file_app.test_cli_runner()
    backup_file = tmp_path / "kopia.db"

    result = runner.invoke(args=["hub", "backup", "--output", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopia" in result.output

    db.session.add(User(email="efter@laholm.se", name="Efter Kopian"))
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["hub", "restore", str(backup_file)])
    assert result.exit_code != 0 and "--yes" in result.output  # nothing happens without --yes
    result = runner.invoke(args=["hub", "restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output

    emails = set(db.session.scalars(select(User.email)))
    db.session.rollback()  # outside a request every transaction holds SQLite's write lock
    assert emails == {"kvar@laholm.se"}
    assert table_counts(db.engine) == before
    db.session.rollback()


def test_damaged_backup_is_refused(file_app, tmp_path):
    broken = tmp_path / "trasig.db"
    broken.write_bytes(b"inte en databas" * 100)
    result = file_app.test_cli_runner().invoke(args=["hub", "restore", str(broken), "--check"])
    assert result.exit_code != 0


@pytest.fixture
def postgres_app(tmp_path):
    """A PostgreSQL database of its own, next to the test database, dropped afterwards."""
    import os

    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = "stafetten_backup_test"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    own_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    app = create_app(make_config(own_url, INSTANCE_PATH=tmp_path))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def test_backup_and_restore_on_postgresql(postgres_app, tmp_path):
    db.session.add(User(email="kvar@laholm.se", name="Kvar Kvarsson"))
    db.session.commit()
    runner = postgres_app.test_cli_runner()
    backup_file = tmp_path / "kopia.dump"
    result = runner.invoke(args=["hub", "backup", "--output", str(backup_file)])
    assert result.exit_code == 0, result.output
    db.session.add(User(email="efter@laholm.se", name="Efter Kopian"))
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["hub", "restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(User.email))) == {"kvar@laholm.se"}
