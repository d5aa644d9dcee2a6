"""A pooled PostgreSQL connection is checked at checkout without a round trip, and one the
server closed (a restart, an administrator) is replaced before a request meets it
(``hub.core.db.check_at_checkout``)."""

from __future__ import annotations

import select
import time

import pytest
from sqlalchemy import Engine, text

from hub.core import db as core_db
from hub.core.db import LAST_CHECKIN, check_at_checkout
from hub.extensions import db


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """An engine set up as the app's."""
    check_at_checkout(postgres_engine)
    return postgres_engine


@pytest.fixture
def pings(engine, monkeypatch) -> list[int]:
    """The round trips the checks make."""
    sent: list[int] = []
    real_ping = engine.dialect.do_ping

    def counted(driver):
        sent.append(1)
        return real_ping(driver)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def terminate(pid: int) -> None:
    """What a server's shutdown does to each of its backends."""
    with db.engine.connect() as other:  # the test's own connection, not the pool under test
        assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def wait_until_told(engine: Engine) -> None:
    """The server's goodbye has reached the pooled connection's socket."""
    record = engine.pool._pool.queue[0]  # the one pooled connection
    select.select([record.dbapi_connection.pgconn.socket], [], [], 5)


def test_a_connection_in_use_is_not_pinged(engine, pings):
    first = backend(engine)
    for _ in range(5):
        assert backend(engine) == first
    assert pings == []


def test_a_connection_the_server_closed_is_replaced_before_it_is_used(engine, pings):
    closed = backend(engine)
    terminate(closed)
    wait_until_told(engine)

    with engine.connect() as connection:
        replaced = connection.scalar(text("SELECT pg_backend_pid()"))

    assert replaced != closed
    assert pings == []  # seen on the socket, not by a round trip


def test_a_connection_idle_for_long_is_pinged_first(engine, pings, monkeypatch):
    first = backend(engine)
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 0.0)
    time.sleep(0.01)

    assert backend(engine) == first
    assert len(pings) == 1


def test_an_idle_connection_that_does_not_answer_is_replaced(engine, pings, monkeypatch):
    first = backend(engine)
    record = engine.pool._pool.queue[0]
    record.info[LAST_CHECKIN] -= 2 * core_db.PING_AFTER_IDLE

    def silent(_driver):
        raise OSError("no answer")

    monkeypatch.setattr(engine.dialect, "do_ping", silent)
    assert backend(engine) != first
