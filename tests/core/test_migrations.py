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
