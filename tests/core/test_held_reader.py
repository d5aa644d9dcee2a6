"""A GET or HEAD request on PostgreSQL reads on a connection the process holds, until its session
takes a connection of its own; the held connection is checked at each request's first use as
the pool checks its connections, and never writes (``hub.core.db.HeldReader``)."""

from __future__ import annotations

import select
import threading

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from hub.core import db as core_db
from hub.core.db import (
    HELD_READER,
    HeldReader,
    configure_postgres,
    held_reader_connection,
    reading_connection,
)
from hub.core.models import Tag
from hub.extensions import db


@pytest.fixture
def reader(postgres_engine: Engine) -> HeldReader:
    """The reader of an engine set up as the app's."""
    configure_postgres(postgres_engine)
    return postgres_engine.__dict__[HELD_READER]


def backend(connection) -> int:
    return connection.scalar(text("SELECT pg_backend_pid()"))


def terminate(pid: int) -> None:
    with db.engine.connect() as other:  # not the engine under test
        assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_the_reader_keeps_one_connection_in_autocommit(app, reader):
    with app.test_request_context("/", method="GET"):
        first = reader.connection()
        pid = backend(first)
        assert reader.connection() is first and backend(first) == pid
        assert first.connection.driver_connection.autocommit


def test_an_execute_s_own_transaction_ends_at_the_next_use(app, reader):
    with app.test_request_context("/", method="GET"):
        connection = reader.connection()
        backend(connection)  # SQLAlchemy begins its transaction; psycopg sends nothing
        assert connection.in_transaction()
        assert reader.connection() is connection and not connection.in_transaction()


def test_the_held_connection_refuses_to_write(app, reader):
    with app.test_request_context("/", method="GET"):
        connection = reader.connection()
        with pytest.raises(RuntimeError, match="held reading connection"):
            connection.execute(text("DELETE FROM tag WHERE slug = 'ingen'"))
        status = connection.connection.driver_connection.pgconn.transaction_status
        assert status == TransactionStatus.IDLE  # nothing begun, nothing sent


def test_a_connection_the_server_closed_is_replaced(app, reader):
    with app.test_request_context("/", method="GET"):
        closed = reader.connection()
        pid = backend(closed)
        terminate(pid)
        socket = closed.connection.driver_connection.pgconn.socket
        select.select([socket], [], [], 5)  # the server's goodbye has arrived

        replaced = reader.connection()
        assert replaced is not closed and backend(replaced) != pid


def test_a_connection_left_in_a_transaction_is_replaced(app, reader):
    with app.test_request_context("/", method="GET"):
        left = reader.connection()
        driver = left.connection.driver_connection
        driver.autocommit = False
        driver.execute("SELECT 1")  # psycopg began a transaction
        assert reader.connection() is not left


def test_an_idle_connection_is_pinged_and_one_that_does_not_answer_replaced(
    app, reader, monkeypatch
):
    sent: list[int] = []
    real_ping = reader._engine().dialect.do_ping

    def counted(driver):
        sent.append(1)
        return real_ping(driver)

    monkeypatch.setattr(reader._engine().dialect, "do_ping", counted)
    first = reader.connection()
    assert reader.connection() is first and sent == []  # in use: no round trip
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", -1.0)
    assert reader.connection() is first and sent == [1]

    def silent(_driver):
        raise OSError("no answer")

    monkeypatch.setattr(reader._engine().dialect, "do_ping", silent)
    assert reader.connection() is not first


def test_each_thread_has_its_own(app, postgres_engine):
    engine = create_engine(postgres_engine.url, pool_size=2, max_overflow=0)
    configure_postgres(engine)
    reader = engine.__dict__[HELD_READER]
    try:
        mine = reader.connection()
        theirs = []
        thread = threading.Thread(target=lambda: theirs.append(reader.connection()))
        thread.start()
        thread.join()

        assert theirs[0] is not mine and reader.connection() is mine
    finally:
        engine.dispose()


def test_a_forked_process_leaves_its_parent_s_connection_alone(reader):
    inherited = reader.connection()
    reader.forget_after_fork()  # what the child runs after a fork, then ``dispose_after_fork``'s
    reader._engine().dispose(close=False)

    assert reader.connection() is not inherited
    assert not inherited.closed  # the parent's socket: never closed by the child
    inherited.invalidate()  # the "parent" is done with it


def test_disposing_of_the_engine_closes_it(reader):
    held = reader.connection()
    reader._engine().dispose()
    assert held.closed
    assert reader.connection() is not held


def test_a_get_of_a_session_without_a_connection_reads_on_the_held_one(app, postgres_engine):
    """The app's engine holds one; a session bound to nothing (production's) reads on it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's held reader")
    held = db.engine.__dict__[HELD_READER]
    session = Session()
    try:
        with app.test_request_context("/", method="GET"):
            assert held_reader_connection(session) is held.connection()
        with app.test_request_context("/", method="POST"):
            assert held_reader_connection(session) is None  # a POST takes the session's
        with app.test_request_context("/", method="GET"):
            session.begin()
            assert held_reader_connection(session) is None  # begun: its own, once it has one
    finally:
        session.close()
        held.close()


def test_a_session_bound_to_a_connection_reads_on_it(app):
    """The tests' sessions: every statement on the test's one connection, none on another."""
    with app.test_request_context("/", method="GET"):
        connection = reading_connection()
        if db.engine.dialect.name == "sqlite":  # no held reader: the session's, as before
            assert connection is db.session.connection()
            return
        assert db.session().get_transaction() is None  # no connection asked of the session yet
        assert connection is db.session().bind


def test_reads_after_a_write_are_the_sessions_own(app):
    with app.test_request_context("/", method="GET"):
        reading_connection()
        db.session.add(Tag(slug="las-pa-distans", name="Lås på distans"))
        connection = reading_connection()  # flushed: the session holds its connection

        assert connection is db.session.connection()
        found = connection.execute(text("SELECT name FROM tag WHERE slug = 'las-pa-distans'"))
        assert found.scalar() == "Lås på distans"
