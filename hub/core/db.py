"""Database engine set-up that differs by dialect."""

from __future__ import annotations

import os
import re
import select
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Executable,
    Row,
    event,
    inspect,
    text,
)
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.types import TypeDecorator

from hub.core.rules import RuleError
from hub.extensions import db

# Set by ``read_only()``: transactions begun inside only read (see ``configure_sqlite``).
_reading: ContextVar[bool] = ContextVar("reading", default=False)

# Replaced only by ``simulated_clock`` (the relay simulation steps a clock through the real code).
_clock: Callable[[], datetime] | None = None

M = TypeVar("M")  # a model class, for delete_owned


def utcnow() -> datetime:
    return _clock() if _clock is not None else datetime.now(UTC)


@contextmanager
def simulated_clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Let ``utcnow()`` answer with ``now()`` inside the block, for simulations and nothing else."""
    global _clock
    previous, _clock = _clock, now
    try:
        yield
    finally:
        _clock = previous


# In Session.info: the connection of the session's transaction, while it lasts.
READING_CONNECTION = "hub_reading_connection"


def reading_connection() -> Connection:
    """The connection for statements that load no ORM objects (rows, counts): the session's
    own execute costs as much again as a small statement (0.05 ms) for ORM work no row needs.
    Pending changes are flushed first, as the session's execute would do.

    The session's connection once its transaction holds one (kept in ``session.info`` from its
    begin: ``Session.connection()`` walks the session's transaction and its state checks on
    every call, and a page sends four or five such statements); inside a savepoint the session
    is asked each time, as it begins the savepoint on its first use there. Before that, in a GET
    or HEAD request on PostgreSQL, the process's held reading connection (``HeldReader``)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    connection = session.info.get(READING_CONNECTION)
    if connection is None:
        connection = held_reader_connection(session) or session.connection()
        session.info[READING_CONNECTION] = connection
    elif session.in_nested_transaction():
        connection = session.info[READING_CONNECTION] = session.connection()
    return connection


@event.listens_for(Session, "after_begin")
def _note_reading_connection(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    # From now on the request reads where it writes (its own writes, in its transaction).
    session.info[READING_CONNECTION] = connection


@event.listens_for(Session, "after_transaction_end")
def _forget_reading_connection(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction's end gives the connection back: the next one asks anew.
    if transaction.parent is None:
        session.info.pop(READING_CONNECTION, None)


# In an engine: its ``HeldReader`` (PostgreSQL with psycopg only, see ``configure_postgres``).
HELD_READER = "hub_held_reader"


def held_reader(engine: Engine) -> HeldReader | None:
    """The engine's keeper of held reading connections (``hold_a_reader``), if it has one."""
    return engine.__dict__.get(HELD_READER)


def held_reader_connection(session: Session) -> Connection | None:
    """For a session that holds no connection yet, in a GET or HEAD request: the process's held
    reading connection, or the one connection a session bound to one is given (the tests': all
    of a test's statements share it). None elsewhere: the session's own is taken."""
    if session.get_transaction() is not None or not is_read_only_request():
        return None
    bind = session.bind
    if isinstance(bind, Connection):
        return bind if held_reader(bind.engine) is not None else None
    reader = held_reader(db.engine)
    return reader.connection() if reader is not None else None


class HeldReader:
    """A connection held outside the pool, for the reads of GET and HEAD requests before the
    request's session takes a connection of its own.

    A signed-in page of plain reads (the member, a list) paid for the session's connection
    lifecycle on every request: the session's transaction, the pool's checkout with its events
    (``check_at_checkout``) and the checkin with its reset at the end: a tenth of a signed-in
    static page's instructions in the worker. Its reads run without a transaction anyway
    (``configure_postgres``: autocommit until the first write, READ COMMITTED), so a
    connection that stays in autocommit sees the same rows. Once the request's session takes
    its own connection (an ORM query, a flush, a write) the request's later reads go there, in
    its transaction, and see its writes (``reading_connection``). The held connection never
    writes: a statement on it that is not a plain read is refused
    (``begin_before_first_write``) rather than committed on its own.

    One connection per thread (gunicorn's sync workers have one; a threaded server must not
    share a connection between two requests at once). Checked at each request's first use as
    the pool checks its connections (``check_at_checkout``): one the server hung up on, that a
    failed request left inside a transaction, or that no longer answers after a long idle time
    is replaced. A forked process leaves its parent's alone (never closes them: the parent's
    sockets) and opens its own.
    """

    def __init__(self, engine: Engine) -> None:
        from psycopg.pq import TransactionStatus

        self._engine = weakref.ref(engine)
        # By thread: the connection and when it was last used. A thread's entry outlives it
        # and serves the next thread given its number (a pool of threads: bounded).
        self._held: dict[int, tuple[Connection, float]] = {}
        self._inherited: list[Connection] = []  # a parent's, kept from the garbage collector
        self._idle = TransactionStatus.IDLE
        reader = weakref.ref(self)  # a later app's reader must not keep this one alive

        def after_in_child() -> None:
            inherited = reader()
            if inherited is not None:
                inherited.forget_after_fork()

        os.register_at_fork(after_in_child=after_in_child)

    def connection(self) -> Connection:
        thread = threading.get_ident()
        held = self._held.get(thread)
        connection = held[0] if held is not None and self._usable(*held) else self._connect()
        self._held[thread] = (connection, time.monotonic())
        return connection

    def _connect(self) -> Connection:
        connection = self._engine().connect()
        record = connection.connection
        record.driver_connection.autocommit = True
        record.info[READS_WITHOUT_TRANSACTION] = HELD
        return connection

    def _usable(self, connection: Connection, used: float) -> bool:
        if connection.invalidated or connection.closed:
            return False
        driver = connection.connection.driver_connection
        if (
            server_hung_up(driver)
            or driver.pgconn.transaction_status != self._idle
            or (
                time.monotonic() - used > PING_AFTER_IDLE and not answers(connection.engine, driver)
            )
        ):
            connection.invalidate()
            connection.close()
            return False
        if connection.in_transaction():  # SQLAlchemy's own, begun by an execute: nothing sent
            connection.rollback()
        return True

    def close(self) -> None:
        """Closed for good (the engine's disposal): not given back to a pool that is gone."""
        held, self._held = self._held, {}
        for connection, _used in held.values():
            connection.invalidate()
            connection.close()

    def forget_after_fork(self) -> None:
        self._inherited.extend(connection for connection, _used in self._held.values())
        self._held = {}


def core_rows(statement: Executable, params: dict | None = None) -> list[Row]:
    """The rows of a statement that loads no ORM objects (see ``reading_connection``)."""
    return reading_connection().execute(statement, params).all()


def persistent_from_row(model: type[M], row: Row) -> M:
    """The ``model`` instance a Core row stands for, in the session as if a query had loaded it
    (changes to it flush, a commit expires it): the session's own when it holds one already, as
    a query would give it. The row begins with the model's mapped columns in mapper order
    (``mapped_columns(model)``); later columns are the caller's. For a hot statement whose
    row the ORM's query machinery would cost as much again as the statement (the member of every
    signed-in request)."""
    session = db.session()
    mapper, keys, primary_key = _row_layout(model)
    key = mapper.identity_key_from_primary_key(tuple(row[i] for i in primary_key))
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    manager = mapper.class_manager
    instance = manager.new_instance()
    state = instance_state(instance)
    state.dict.update(zip(keys, row, strict=False))  # as loaded: no history, nothing changed
    if manager.dispatch.load or session.dispatch.loaded_as_persistent:
        # Someone listens for loads: attach it the documented way (no load event either way).
        make_transient_to_detached(instance)
        session.add(instance)
        return instance
    # Attached as the ORM's own loading attaches a row's new instance (``loading._instance``):
    # its key, the session's id, the identity map. ``Session.add`` walked the relationships'
    # cascade and the attach events for a member who has none: a tenth of a static page.
    state.key, state.identity_token = key, key[2]
    state.session_id = session.hash_key
    session.identity_map.add(state)
    return instance


@lru_cache(maxsize=64)
def mapped_columns(model: type) -> tuple:
    """The model's mapped columns in mapper order: what a row for ``persistent_from_row``
    begins with."""
    return tuple(prop.columns[0] for prop in inspect(model).column_attrs)


@lru_cache(maxsize=64)
def _row_layout(model: type) -> tuple[Mapper, tuple[str, ...], tuple[int, ...]]:
    """The model's mapper (``inspect`` walks the class's type's MRO to find it, on every call),
    the mapped attributes in mapper order, and the positions of the primary key's."""
    mapper = inspect(model)
    keys = tuple(prop.key for prop in mapper.column_attrs)
    columns = mapped_columns(model)
    positions = tuple(
        next(i for i, column in enumerate(columns) if column is key_column)
        for key_column in mapper.primary_key
    )
    return mapper, keys, positions


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every dialect (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection.

    pysqlite's own transaction handling does not emit BEGIN before SELECTs and breaks SAVEPOINT,
    so we take it over as SQLAlchemy's documentation recommends. Transactions that may write
    (anything but a GET or HEAD request) start with BEGIN IMMEDIATE: the write lock is taken up
    front and waits for the busy timeout, instead of failing with "database is locked" when a
    read transaction later tries to write after another process has. The price: CLI code must
    end its transactions promptly (commit or rollback), since each one holds the write lock;
    code outside requests that only reads (a poll, a count) says so with ``read_only()``.

    A GET or HEAD request (or ``read_only()``) sends no BEGIN: its reads run on their own, as
    on PostgreSQL (``configure_postgres``), and its first write begins with BEGIN IMMEDIATE,
    which then holds every write after it: it waits for the lock, where a write after reads in
    a BEGIN failed at once when another process had written since those reads.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # SQLite's advice for every new connection: gather planner statistics where they are
        # missing or stale, within a small work limit (SQLite 3.46+; older versions skip it).
        cursor.execute("PRAGMA optimize = 0x10002")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        record = connection.connection
        if _reading.get() or is_read_only_request():
            record.info[READS_WITHOUT_TRANSACTION] = True
        else:
            record.info.pop(READS_WITHOUT_TRANSACTION, None)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def begin_writing(record) -> None:
        record.driver_connection.execute("BEGIN IMMEDIATE")

    begin_before_first_write(engine, begin_writing)


# In a pooled connection's info: its driver reads without a transaction until a write comes;
# HELD: it is a ``HeldReader``'s, which never writes.
READS_WITHOUT_TRANSACTION = "reads_without_transaction"
HELD = "held"
# Words of a statement that writes or locks rows (SELECT … FOR UPDATE / FOR SHARE too). A read
# taken for a write only begins its transaction sooner; the other way round must not happen.
_WRITING = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE)\b", re.IGNORECASE)
_READING = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def is_plain_read(statement: str) -> bool:
    """Whether the statement only reads and locks nothing, so that it may run outside a
    transaction (kept per statement: SQLAlchemy sends the same string each time)."""
    return bool(_READING.match(statement)) and not _WRITING.search(statement)


def configure_postgres(engine: Engine) -> None:
    """A request's reads are sent without BEGIN, COMMIT or ROLLBACK.

    Every PostgreSQL statement is a round trip, with the client's and the server's CPU on the
    same machine; a GET wrapped in a transaction paid two more (BEGIN, ROLLBACK) for nothing:
    at READ COMMITTED, PostgreSQL's level, each statement sees the data committed when it
    starts, inside a transaction or not. So a transaction begun in a request (or in
    ``read_only()``) runs with the driver in autocommit, until a statement that is not a plain
    SELECT: the transaction then begins before it, and every write of the request is in it, to
    be committed or rolled back at the edge as always. A ROLLBACK also emptied psycopg's cache of
    prepared statements, so that no statement was ever prepared across requests.

    A POST too: its reads before its first write lock nothing and see what they would see
    inside the transaction (READ COMMITTED), and whatever locks or writes (``SELECT … FOR
    UPDATE``/``SHARE``, SAVEPOINT, INSERT, UPDATE, DELETE) is not a plain read and begins the
    transaction before it. A POST whose first transaction only read (the member, before
    ``viewcounts.flush_views`` commits) or that wrote nothing (a refused form) sent BEGIN and
    COMMIT or ROLLBACK for nothing. Not on SQLite, where a POST's BEGIN IMMEDIATE up front
    serialises its reads with its writes (a limit counted, then a row added); nor outside
    requests (CLI commands, the worker), which begin at once.
    """

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        record = connection.connection
        driver = record.driver_connection
        if _reading.get() or has_request_context():
            if not driver.autocommit:
                driver.autocommit = True
                record.info[READS_WITHOUT_TRANSACTION] = True
        elif record.info.pop(READS_WITHOUT_TRANSACTION, False):
            driver.autocommit = False

    def begin_writing(record) -> None:
        record.driver_connection.autocommit = False  # psycopg sends BEGIN before the statement

    begin_before_first_write(engine, begin_writing)
    if engine.dialect.driver == "psycopg":
        check_at_checkout(engine)
        keep_prepared_on_rollback(engine)
        hold_a_reader(engine)
        keep_long_statements_converted()


# psycopg turns a statement's marks (``%(name)s``) into PostgreSQL's (``$1``) with a regular
# expression over the whole text, and keeps the result per text (an LRU of 128) only for texts up
# to 4,096 bytes (``psycopg._queries.MAX_CACHED_STATEMENT_LENGTH``: an ORM's multi-row INSERTs,
# each text new, are not worth keeping). The hub's own texts are made once each (a few dozen
# kept), and some are longer: the start page's one statement (5.4 kB) and the directory page's
# (4.5-5.3 kB) were converted anew on every page, 85 µs of the worker's CPU each (issue 17).
KEPT_STATEMENT_LENGTH = 16384


def keep_long_statements_converted() -> None:
    """psycopg keeps the conversion of texts up to ``KEPT_STATEMENT_LENGTH`` bytes (still at most
    128 texts, the least recently used forgotten): a limit of psycopg's own module, read at each
    statement. One that is already higher is left as it is."""
    from psycopg import _queries

    if _queries.MAX_CACHED_STATEMENT_LENGTH < KEPT_STATEMENT_LENGTH:
        _queries.MAX_CACHED_STATEMENT_LENGTH = KEPT_STATEMENT_LENGTH


def hold_a_reader(engine: Engine) -> None:
    """GET and HEAD requests read on a connection the process holds (``HeldReader``)."""
    reader = engine.__dict__[HELD_READER] = HeldReader(engine)

    @event.listens_for(engine, "engine_disposed")
    def on_disposed(_engine: Engine) -> None:
        reader.close()


def keep_prepared_on_rollback(engine: Engine) -> None:
    """A ROLLBACK keeps the connection's prepared statements.

    psycopg forgets them all on ``rollback()`` and sends ``DEALLOCATE ALL`` (a round trip), to be
    safe should the transaction have dropped or altered what they read. The hub changes no
    table inside a request, and PostgreSQL keeps prepared statements through a ROLLBACK (they
    are not transactional). Forgotten, every statement of the worker was sent unprepared five
    times again and planned five times more by the server after each write request that ended
    without a commit (a form refused after its first statement, a rule error). So the ROLLBACK
    is sent through libpq as psycopg sends it, without the forgetting; should that fail,
    psycopg's own rollback runs and raises as it would. (SQLAlchemy never uses psycopg's
    pipeline mode, in which this would not do.) A transaction that failed in the database
    still goes through psycopg's rollback: the failure may be a prepared statement gone stale
    (a migration changed a column under a running worker: "cached plan must not change result
    type"), which only forgetting them mends.
    """
    from psycopg.pq import ExecStatus, TransactionStatus

    plain = engine.dialect.do_rollback

    def rolled_back(pgconn) -> bool:
        try:
            return pgconn.exec_(b"ROLLBACK").status == ExecStatus.COMMAND_OK
        except Exception:  # no answer (the socket is gone): the caller falls back to psycopg
            return False

    def do_rollback(dbapi_connection) -> None:
        pgconn = dbapi_connection.pgconn
        if pgconn.transaction_status == TransactionStatus.IDLE:
            return  # nothing begun: psycopg sends nothing either
        if pgconn.transaction_status != TransactionStatus.INTRANS or not rolled_back(pgconn):
            plain(dbapi_connection)  # failed or broken: psycopg forgets, or says why not

    engine.dialect.do_rollback = do_rollback


# A pooled connection idle this long is pinged (a round trip) before it is used again: a firewall
# or a proxy between here and the server may drop an idle connection without a word.
PING_AFTER_IDLE = 30.0  # seconds
LAST_CHECKIN = "last_checkin"  # in a pooled connection's info: time.monotonic() of its checkin


def check_at_checkout(engine: Engine) -> None:
    """A pooled PostgreSQL connection is checked before each use without a round trip.

    ``pool_pre_ping`` sent a statement before every request's first one: a round trip, with the
    client's and the server's CPU, on every page. A server that restarts, or ends a backend,
    says so on the connection and closes it: the socket of an idle connection then has
    something to read, which a look at it shows. Only a connection idle for
    ``PING_AFTER_IDLE`` is pinged as before. A dead one is replaced by SQLAlchemy's pool
    (``DisconnectionError`` in a checkout listener), so the request never meets it.
    """

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[LAST_CHECKIN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get(LAST_CHECKIN)
        if checked_in is None:
            return  # new: just connected
        if server_hung_up(dbapi_connection):
            raise DisconnectionError("the server closed the connection")
        idle = time.monotonic() - checked_in
        if idle > PING_AFTER_IDLE and not answers(engine, dbapi_connection):
            raise DisconnectionError("the connection did not answer after a long idle time")


def server_hung_up(driver) -> bool:
    """Whether an idle psycopg connection is closed or has something to read: between two uses
    the server sends nothing unless it ends the connection (a restart, an administrator)."""
    if driver.closed or driver.broken:
        return True
    try:
        socket = driver.pgconn.socket
    except Exception:  # psycopg: no socket any more
        return True
    # poll, not select: select refuses a descriptor above 1023 (a process with many files open).
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))  # readable, hung up or in error


def answers(engine: Engine, driver) -> bool:
    try:
        engine.dialect.do_ping(driver)
    except Exception:  # whatever stops the ping, the connection is not to be used
        return False
    return True


def begin_before_first_write(engine: Engine, begin: Callable[[object], None]) -> None:
    """On a connection reading without a transaction, ``begin(pooled connection)`` before the
    first statement that is not a plain read."""

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, *_args) -> None:
        record = connection.connection
        reading = record.info.get(READS_WITHOUT_TRANSACTION)
        if reading and not is_plain_read(statement):
            if reading is HELD:
                raise RuntimeError(
                    "a statement that writes or locks, sent on the held reading "
                    "connection (``reading_connection`` is for plain reads)"
                )
            record.info.pop(READS_WITHOUT_TRANSACTION)
            begin(record)


def dispose_after_fork(engine: Engine) -> None:
    """A forked process (a gunicorn worker under ``--preload``) drops the pooled connections it
    inherited and opens its own: two processes on one socket or one SQLite handle corrupt each
    other's conversation. ``close=False`` leaves them open for the parent, as SQLAlchemy advises.
    """
    engine_ref = weakref.ref(engine)  # a later app's engine must not keep this one alive

    def after_in_child() -> None:
        inherited = engine_ref()
        if inherited is not None:
            inherited.dispose(close=False)

    os.register_at_fork(after_in_child=after_in_child)


def flush_unique(field: str, message: str) -> None:
    """Flush, turning a unique-constraint race (two admins saving the same name at once) into a
    rule error at ``field`` instead of a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise RuleError(message, field=field) from error


def delete_owned(model: type[M], key: object, belongs: Callable[[M], bool]) -> M | None:
    """Delete the ``model`` row with primary key ``key`` when ``belongs(row)``: the row, or None
    when it is missing or someone else's (so a forged id in a form removes nothing)."""
    row = db.session.get(model, key)
    if row is None or not belongs(row):
        return None
    db.session.delete(row)
    db.session.flush()
    return row


def is_read_only_request() -> bool:
    return has_request_context() and request.method in ("GET", "HEAD")


@contextmanager
def read_only() -> Iterator[None]:
    """Reads outside a request, e.g. a poll or a count: on SQLite they begin a plain BEGIN,
    which does not take the write lock (a poll in BEGIN IMMEDIATE ten times a second starves
    the writers). Do not write inside. The transaction begun here ends here; inside one already
    begun, the reads simply join it."""
    if db.session().in_transaction():
        yield
        return
    token = _reading.set(True)
    try:
        yield
    finally:
        db.session.rollback()
        _reading.reset(token)


def database_reachable() -> bool:
    """For the health check: the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return False
    return True
