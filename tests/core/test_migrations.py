"""The models and the migrations must agree, and the migrations must run both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from hub.directory.models import Municipality, Unit
from hub.extensions import db


def test_models_match_migrations(app):
    from hub.auth.accounts import EXPRESSION_INDEXES
    from hub.forum.search import include_name as search_names  # search tables: not in the models

    def include_name(name, type_, parent_names):
        if type_ == "index" and name in EXPRESSION_INDEXES:
            return False
        return search_names(name, type_, parent_names)

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


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the run's dialect: a SQLite file, or a database of its own on the
    PostgreSQL server of TEST_DATABASE_URL."""
    import os
    import secrets

    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"scratch_{secrets.token_hex(4)}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield str(make_url(url).set(database=name))
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        engine.dispose()


def test_0024_merges_tags_that_differed_only_by_the_old_slug_rules(scratch_url):
    """The forum's old rule made "lakemedels-robot" of a soft hyphen and "na-v" of "Naïv"."""
    from sqlalchemy import text

    from hub import create_app
    from hub.auth.models import User
    from hub.core.models import user_expertise
    from hub.forum.models import Category, Question, question_tag
    from tests.conftest import make_config

    app = create_app(make_config(scratch_url))
    with app.app_context():
        upgrade(revision="0023")
        run = db.session.execute
        # 0024 changes data only: the schema at 0023 is the models' schema.
        people = [User(email=f"{n}@laholm.se", name=n, password_hash="x") for n in ("a", "b")]
        category = Category(slug="v", name="V")
        db.session.add_all([*people, category])
        db.session.flush()
        questions = [
            Question(author_id=people[0].id, category_id=category.id, title="F", body_source="B",
                     body_html="B")
            for _ in range(2)
        ]  # fmt: skip
        db.session.add_all(questions)
        db.session.flush()
        run(text(
            "INSERT INTO tag (id, slug, name) VALUES (1, 'lakemedelsrobot', 'Läkemedelsrobot'), "
            "(2, 'lakemedels-robot', 'Läkemedels\u00adrobot'), (3, 'na-v', 'Naïv')"
        ))  # fmt: skip
        q1, q2 = (q.id for q in questions)
        u1, u2 = (p.id for p in people)
        for question_id, tag_id in ((q1, 1), (q1, 2), (q2, 2), (q2, 3)):
            run(question_tag.insert().values(question_id=question_id, tag_id=tag_id))
        for user_id, tag_id in ((u1, 2), (u2, 1), (u2, 2)):
            run(user_expertise.insert().values(user_id=user_id, tag_id=tag_id))
        db.session.commit()
        upgrade()
        tags = run(text("SELECT id, slug FROM tag ORDER BY id")).all()
        assert [tuple(t) for t in tags] == [(1, "lakemedelsrobot"), (3, "naiv")]
        links = run(text("SELECT question_id, tag_id FROM question_tag ORDER BY 1, 2")).all()
        assert [tuple(link) for link in links] == [(q1, 1), (q2, 1), (q2, 3)]
        experts = run(text("SELECT user_id, tag_id FROM user_expertise ORDER BY 1, 2")).all()
        assert [tuple(e) for e in experts] == [(u1, 1), (u2, 1)]
        db.session.remove()
        db.engine.dispose()
