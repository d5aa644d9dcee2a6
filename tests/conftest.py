"""Test fixtures: the schema is built once by the real migrations; each test runs in a transaction
that is rolled back, so tests are isolated and fast. Set TEST_DATABASE_URL to run on PostgreSQL."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from hub import create_app
from hub.extensions import db

pytest_plugins = ["tests.factories"]


def make_config(database_url: str, **overrides) -> type[TestConfig]:
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, once per test run (a worker-private one under xdist)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context (g, current_user, db session), as in production,
    although the test itself runs inside an app context."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()  # the test sees what the request wrote
        return response


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app whose every request and test step share one connection, rolled back at the end.

    Commits inside the code under test only release a SAVEPOINT, so nothing leaks between tests.
    """
    app = create_app(make_config(database_url))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original_session = db.session
        # A plain Session: Flask-SQLAlchemy's own one would pick the engine (a new connection)
        # over the bound connection.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield app
        finally:
            db.session.remove()
            db.session = original_session
            transaction.rollback()
            connection.close()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class QueryCounter:
    """Counts the SQL statements the app issues, for the fixed-statement-count tests."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as counter: ...``; then ``counter.count``.

    The counts are what the views cost, so the page cache is off (tests/core/test_pagecache.py
    counts a cached page's statements itself)."""
    from contextlib import contextmanager

    app.extensions.pop("page_cache", None)

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
