"""The models and the migrations must agree, and the migrations must run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from hub.directory.models import Municipality, Unit
from hub.extensions import db


def test_models_match_migrations(app):
    from hub.forum.search import include_name  # the search index tables are not in the models

    context = MigrationContext.configure(
        db.session.connection(),
        opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
    )
    diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_reference_data_is_loaded(app):
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == 32
    assert db.session.get(Municipality, "1381").name == "Laholm"
    assert db.session.get(Municipality, "0180").name == "Stockholm"
    units = db.session.scalars(select(Unit.name).where(Unit.municipality_code == "0180")).all()
    assert "Rinkeby-Kista" in units and len(units) == 13


def test_upgrade_then_downgrade_to_base(tmp_path):
    from hub import create_app
    from tests.conftest import make_config

    app = create_app(make_config(f"sqlite:///{tmp_path / 'roundtrip.db'}"))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = db.inspect(db.engine).get_table_names()
        assert set(tables) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_data_migrations_fill_surname_keys_and_seal_two_factor_secrets(tmp_path):
    """0010 and 0011 rewrite rows that exist when they run, and 0011 undoes its rewrite."""
    from sqlalchemy import text

    from hub import create_app
    from hub.auth import twofactor
    from tests.conftest import make_config

    app = create_app(make_config(f"sqlite:///{tmp_path / 'data.db'}"))
    with app.app_context():
        upgrade(revision="0009")
        db.session.execute(
            text(
                "INSERT INTO user (email, name, name_key, role, active, session_version, "
                "created_at, locale, title, totp_secret) VALUES ('a@laholm.se', 'Anna Lindqvist', "
                "'anna lindqvist', 'member', 1, 1, '2026-01-01', 'sv', '', 'JBSWY3DPEHPK3PXP')"
            )
        )
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT surname_key, totp_secret FROM user")).one()
        assert row.surname_key == "lindqvist"
        assert twofactor.open_secret(row.totp_secret) == "JBSWY3DPEHPK3PXP"
        db.session.rollback()  # outside a request every transaction holds the write lock
        downgrade(revision="0010")
        assert db.session.scalar(text("SELECT totp_secret FROM user")) == "JBSWY3DPEHPK3PXP"
        db.session.remove()
        db.engine.dispose()
