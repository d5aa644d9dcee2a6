"""A ROLLBACK keeps the connection's prepared statements
(``hub.core.db.keep_prepared_on_rollback``): psycopg forgot them all, and a write request that
ended without a commit made its worker send and plan every statement anew."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, text

from hub.core.db import keep_prepared_on_rollback

PREPARED = text("SELECT name FROM pg_prepared_statements ORDER BY name")
READ = text("SELECT count(*) FROM tag WHERE id > :n")


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """An engine set up as the app's (the tests' session is bound to one connection whose
    transaction the code tested never rolls back)."""
    keep_prepared_on_rollback(postgres_engine)
    return postgres_engine


def prepared(connection: Connection) -> list[str]:
    return connection.execute(PREPARED).scalars().all()


def status(connection: Connection) -> TransactionStatus:
    return connection.connection.driver_connection.pgconn.transaction_status


def test_a_rollback_keeps_the_prepared_statements(engine):
    with engine.connect() as connection:
        for n in range(7):  # psycopg prepares a statement from its sixth use
            connection.execute(READ, {"n": n})
        before = prepared(connection)
        assert before
        connection.rollback()
        assert status(connection) == TransactionStatus.IDLE
        assert prepared(connection) == before  # psycopg's rollback sent DEALLOCATE ALL: []
        connection.rollback()


def test_a_failed_transaction_is_rolled_back_and_its_prepared_statements_forgotten(engine):
    # A failure in the database may be a prepared statement gone stale (a migration changed a
    # column under a running worker); psycopg's own rollback forgets them, which mends that.
    with engine.connect() as connection:
        for n in range(7):
            connection.execute(READ, {"n": n})
        assert prepared(connection)
        with pytest.raises(Exception, match="division by zero"):
            connection.execute(text("SELECT 1 / 0"))
        assert status(connection) == TransactionStatus.INERROR
        connection.rollback()
        assert status(connection) == TransactionStatus.IDLE
        assert prepared(connection) == []
        assert connection.execute(READ, {"n": 0}).scalar() >= 0
        connection.rollback()


def test_a_pooled_connection_comes_back_rolled_back(engine):
    with engine.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE note (n int)"))
        connection.execute(text("INSERT INTO note VALUES (1)"))
    # the pool's reset on return rolled the transaction back: the table was never made
    with engine.connect() as connection:
        assert status(connection) == TransactionStatus.IDLE
        found = connection.execute(text("SELECT to_regclass('pg_temp.note')")).scalar()
        assert found is None
        connection.rollback()


def test_a_long_statements_conversion_is_kept(engine):
    """psycopg converts a text's marks to PostgreSQL's once and keeps the result, for the hub's
    texts longer than its own limit of 4,096 bytes too (``keep_long_statements_converted``, run
    by the app's set-up): the start page's statement (5.4 kB) was converted at every page."""
    from psycopg import _queries

    from hub.core.db import KEPT_STATEMENT_LENGTH

    assert _queries.MAX_CACHED_STATEMENT_LENGTH == KEPT_STATEMENT_LENGTH
    long = text("SELECT CAST(:n AS INTEGER) AS n" + " " * 5000)
    with engine.connect() as connection:
        before = _queries._query2pg.cache_info()
        assert [connection.execute(long, {"n": n}).scalar() for n in range(3)] == [0, 1, 2]
        after = _queries._query2pg.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)
