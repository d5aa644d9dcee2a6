"""Test fixtures: the schema is built once by the real migrations; each test runs in a transaction
that is rolled back, so tests are isolated and fast. Set TEST_DATABASE_URL to run on PostgreSQL."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from hub import create_app
from hub.core import kept
from hub.extensions import db

pytest_plugins = ["tests.factories"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (races, thousands of rows); ./scripts/test does",
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the number of workers
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The quick suite (``pytest -m "not e2e"``, no paths given) runs on two worker processes,
    one per core, each with an app and a database of its own (pytest-xdist); a file or folder
    runs in one process. ``-n 0`` (or ``-n N``) decides for yourself. ./scripts/test passes
    ``-n 2`` itself: there each worker that runs browser tests has its own live server, database
    and browser."""
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    without_browser = "not e2e" in (config.getoption("markexpr") or "")
    if (
        whole_suite
        and without_browser
        and "PYTEST_XDIST_WORKER" not in os.environ  # a worker runs its share itself
        and getattr(config.option, "numprocesses", 0) is None
        and not config.getoption("usepdb")
        and not config.getoption("--slow")  # the race tests time several processes of their own
    ):
        config.option.numprocesses = 2
        config.option.dist = "loadfile"  # a module's shared fixtures are built once


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The multi-process race tests take half a minute of a 2-core machine: the quick loop
    leaves them out, ./scripts/test (CI) runs them; so does ``-m slow``."""
    if config.getoption("--slow") or "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def make_config(database_url: str, **overrides) -> type[TestConfig]:
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


@pytest.fixture(scope="session")
def empty_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database for this run: TEST_DATABASE_URL (emptied first) or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if worker := os.environ.get("PYTEST_XDIST_WORKER"):
            url = worker_database(url, worker)
        reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def session_app(empty_database_url: str) -> Iterator[Flask]:
    """The one app of the test run, on a database migrated to head by the real migrations.

    Tests get it through ``app``, which puts its configuration and caches back after each
    test; a test that must change the app itself (add a route) takes ``fresh_app``."""
    app = create_app(make_config(empty_database_url))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(session_app: Flask) -> str:
    """The run's database, migrated to head."""
    return session_app.config["SQLALCHEMY_DATABASE_URI"]


def worker_database(url: str, worker: str) -> str:
    """A PostgreSQL database of the worker's own beside TEST_DATABASE_URL's (``…_gw0``)."""
    name = f"{make_url(url).database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = text("SELECT 1 FROM pg_database WHERE datname = :name")
        if connection.execute(known, {"name": name}).scalar() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


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
def app(session_app: Flask) -> Iterator[Flask]:
    """The session's app, in a transaction rolled back after the test; what the test changed in
    its configuration or caches is put back."""
    with restored(session_app), rolled_back(session_app):
        yield session_app


@contextmanager
def restored(app: Flask) -> Iterator[None]:
    """What a test changes in the app's configuration or caches is put back after it."""
    # Reference data kept by a fixture's requests outside a test (the security matrix's) would
    # be another test's categories and tags (ids come again after a rollback).
    app.extensions.pop(kept.KEPT, None)
    config = dict(app.config)
    extensions = dict(app.extensions)
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)
        reset_caches(app)


@pytest.fixture
def fresh_app(database_url: str) -> Iterator[Flask]:
    """An app of its own, for the few tests that change the app itself (a route, a hook)."""
    app = create_app(make_config(database_url))
    app.test_client_class = RequestIsolatingClient
    try:
        with rolled_back(app):
            yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Every request and test step share one connection, rolled back at the end.

    Commits inside the code under test only release a SAVEPOINT, so nothing leaks between tests.
    """
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
            yield
        finally:
            db.session.remove()
            db.session = original_session
            transaction.rollback()
            connection.close()


def reset_caches(app: Flask) -> None:
    """Views counted in memory by one test's question pages would land on the next test's
    question with the same (rolled back and reused) id."""
    from hub.forum import viewcounts

    with viewcounts._lock:
        viewcounts._pending.clear()


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
    """``with count_queries() as counter: ...``; then ``counter.count``."""

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
