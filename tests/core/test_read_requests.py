"""A request that only reads sends no BEGIN and no ROLLBACK; its first write begins the
transaction, which holds every write after it (``hub.core.db.configure_postgres`` and
``configure_sqlite``)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, text

from hub.core.db import configure_sqlite, is_plain_read, read_only
from hub.extensions import db


@pytest.mark.parametrize(
    "statement",
    [
        'SELECT "user".id FROM "user" WHERE "user".id = %(id)s',
        "  select updated_at, deleted_at from question",
        "WITH track AS (SELECT 1 AS n) SELECT n FROM track",
    ],
)
def test_plain_reads(statement):
    assert is_plain_read(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO tag (slug, name) VALUES (%(slug)s, %(name)s)",
        'UPDATE "user" SET last_seen_on = %(day)s',
        "DELETE FROM notification",
        "SAVEPOINT sa_savepoint_1",
        "SELECT id FROM mail_message FOR UPDATE SKIP LOCKED",
        "SELECT id FROM network FOR NO KEY UPDATE",
        "SELECT id FROM network FOR KEY SHARE",
        "WITH gone AS (DELETE FROM notification RETURNING id) SELECT count(*) FROM gone",
        "CREATE TEMPORARY TABLE t (n int)",
    ],
)
def test_writes_and_locks_are_not_plain_reads(statement):
    assert not is_plain_read(statement)


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's transactions")
    return app


def status(connection) -> TransactionStatus:
    return connection.connection.driver_connection.pgconn.transaction_status


@contextmanager
def sent_to_server(connection) -> Iterator[list[str]]:
    """The messages the client sent the server within the block, by type (libpq's trace)."""
    pgconn = connection.connection.driver_connection.pgconn
    sent: list[str] = []
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        try:
            yield sent
        finally:
            pgconn.untrace()
            trace.seek(0)
            sent += [line.split("\t")[3].split()[0] for line in trace if "\tF\t" in line]


def test_the_trace_sees_what_is_sent(postgres):
    with db.engine.connect() as connection, sent_to_server(connection) as sent:
        connection.execute(text("SELECT 1"))
        connection.commit()
    assert "Query" in sent or "Parse" in sent  # BEGIN and COMMIT at least (outside a request)


def test_a_get_reads_outside_a_transaction_until_it_writes(postgres):
    with postgres.test_request_context("/fragor"), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert status(connection) == TransactionStatus.IDLE  # no BEGIN was sent

        connection.execute(text("CREATE TEMPORARY TABLE written (n int) ON COMMIT DROP"))
        connection.execute(text("INSERT INTO written VALUES (1)"))
        assert status(connection) == TransactionStatus.INTRANS
        assert connection.scalar(text("SELECT count(*) FROM written")) == 1
        connection.rollback()

        # The rollback took the table with it: both statements were in one transaction.
        assert connection.scalar(text("SELECT to_regclass('pg_temp.written')")) is None
        assert status(connection) == TransactionStatus.IDLE


def test_a_post_reads_outside_a_transaction_until_it_writes(postgres):
    """A POST whose first transaction only read (the member, before ``flush_views`` commits)
    sent BEGIN and COMMIT for nothing; its writes are still one transaction."""
    posting = postgres.test_request_context("/fragor", method="POST")
    with posting, db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert status(connection) == TransactionStatus.IDLE  # no BEGIN was sent
        with sent_to_server(connection) as sent:
            connection.commit()  # nothing to commit
        assert sent == []  # nothing sent: no COMMIT, no round trip

        connection.execute(text("SELECT id FROM tag FOR UPDATE"))  # locks: begins at once
        assert status(connection) == TransactionStatus.INTRANS
        connection.rollback()

        connection.execute(text("CREATE TEMPORARY TABLE posted (n int) ON COMMIT DROP"))
        connection.execute(text("INSERT INTO posted VALUES (1)"))
        assert status(connection) == TransactionStatus.INTRANS
        connection.rollback()
        assert connection.scalar(text("SELECT to_regclass('pg_temp.posted')")) is None


def test_code_outside_requests_begins_at_once(postgres):
    with postgres.test_request_context("/fragor"), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # the pooled connection left in autocommit
    with db.engine.connect() as connection:  # the same pooled connection, out of autocommit
        connection.execute(text("SELECT 1"))
        assert status(connection) == TransactionStatus.INTRANS


def test_read_only_reads_outside_a_transaction(postgres):
    # A session of its own: the tests' session is bound to a connection already in a transaction.
    with db.engine.connect() as connection, read_only():
        connection.execute(text("SELECT 1"))
        assert status(connection) == TransactionStatus.IDLE


def test_a_connection_set_to_autocommit_by_its_user_stays_so(postgres):
    reading = postgres.test_request_context("/fragor")
    own = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with reading, own as connection:
        connection.execute(text("SELECT 1"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE TEMPORARY TABLE kept (n int)"))
        assert status(connection) == TransactionStatus.IDLE
        connection.execute(text("DROP TABLE kept"))


@pytest.fixture
def sqlite_engine(tmp_path):
    """A SQLite file of its own: the tests' connection holds the write lock of theirs."""
    engine = create_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    configure_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (n int)"))
    yield engine
    engine.dispose()


def in_transaction(connection) -> bool:
    return connection.connection.driver_connection.in_transaction


def test_sqlite_a_get_reads_outside_a_transaction_until_it_writes(app, sqlite_engine):
    with app.test_request_context("/fragor"), sqlite_engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM note"))
        assert not in_transaction(connection)  # no BEGIN was sent

        connection.execute(text("INSERT INTO note VALUES (1)"))
        connection.execute(text("INSERT INTO note VALUES (2)"))
        assert in_transaction(connection)
        connection.rollback()

        assert connection.scalar(text("SELECT count(*) FROM note")) == 0  # both undone
        assert not in_transaction(connection)


def test_sqlite_a_post_begins_at_once_with_the_write_lock(app, sqlite_engine):
    posting = app.test_request_context("/fragor", method="POST")
    with posting, sqlite_engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM note"))
        assert in_transaction(connection)
        other = sqlite_engine.raw_connection()
        other.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
