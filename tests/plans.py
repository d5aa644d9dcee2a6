"""Helpers for looking at PostgreSQL's plans, shared by plan tests and bench/ scripts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import event

from hub.extensions import db

NAMED = re.compile(r"%\((\w+)\)s")


def numbered(sql: str) -> tuple[str, list[str]]:
    """psycopg's ``%(name)s`` placeholders as PREPARE's ``$n``, and the names in that order:
    a statement PREPAREd by name runs as the plan a worker's connection keeps for any values
    (with ``plan_cache_mode = force_generic_plan``)."""
    names: list[str] = []

    def number(found: re.Match) -> str:
        if found[1] not in names:
            names.append(found[1])
        return f"${names.index(found[1]) + 1}"

    return NAMED.sub(number, sql), names


@contextmanager
def statements_sent(having: str = "") -> Iterator[list[tuple[str, object]]]:
    """The statements sent meanwhile whose text has ``having``, with their parameters: through
    SQLAlchemy or straight to the driver's cursor (``DriverSql``, ``DriverStatement``), which
    fire the engine's cursor events too."""
    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if having in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def sent_with(action: Callable[[], object], having: str = "") -> list[tuple[str, object]]:
    """The statements ``action()`` sends whose text has ``having``, with their parameters."""
    with statements_sent(having) as sent:
        action()
    return sent


def plan_of(statement: str, parameters) -> str:
    """The statement's plan; on PostgreSQL with scans and sorts priced out (the tests' tables are
    small): an index that gives the order leaves no Sort in the plan."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        return sqlite_plan(statement, parameters)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
    return "\n".join(str(row[0]) for row in rows)


def sqlite_plan(statement: str, parameters) -> str:
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(str(row[-1]) for row in rows)


def kept_plan(statement: str, parameters: dict, options: str = "") -> list[tuple]:
    """``EXPLAIN (options)`` of the plan a worker's connection keeps for any values (after
    five calls): the statement PREPAREd with ``plan_cache_mode = force_generic_plan``.
    PostgreSQL only."""
    body, names = numbered(statement)
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    cursor = psycopg.ClientCursor(connection.connection.driver_connection)
    cursor.execute(f"PREPARE kept_plan AS {body}")
    try:
        marks = f"({', '.join(['%s'] * len(names))})" if names else ""
        explain = f"EXPLAIN ({options}) " if options else "EXPLAIN "
        cursor.execute(f"{explain}EXECUTE kept_plan {marks}", [parameters[n] for n in names])
        return cursor.fetchall()
    finally:
        cursor.execute("DEALLOCATE kept_plan")


def kept_plan_text(statement: str, parameters) -> str:
    """The plan kept for any values as text (SQLite: its one plan, which sees no values)."""
    if db.engine.dialect.name == "sqlite":
        return sqlite_plan(statement, parameters)
    connection = db.session.connection()
    for scan in ("seqscan", "bitmapscan"):  # the tests' tables are small: price the scans out
        connection.exec_driver_sql(f"SET LOCAL enable_{scan} = off")
    return "\n".join(str(row[0]) for row in kept_plan(statement, parameters))
