"""Small read-only Core statements sent straight to the driver's cursor, compiled once.

Through SQLAlchemy a statement's execution cost this process 0.03 ms (SQLite) to 0.10 ms
(PostgreSQL) of CPU on top of the driver's own work: the compiled cache's key, the parameters
processed (a list parameter's SQL rendered anew each time), a result object. The search page's
sections and the directory page send four such statements on every render (issue 17). A
``DriverStatement`` is compiled once per dialect and sent with the driver's cursor on the
session's connection (``cursor_rows``, which ``hub.forum.search.DriverSql`` sends the search's
own statements with), with the engine's cursor events, as SQLAlchemy would fire them.

A column whose type converts the driver's values (a date stored as text on SQLite, a UTC
``TypeDecorator``) goes through the type's own result processor, as SQLAlchemy would do.
Parameters go through their types' bind processors too (a UTC datetime as SQLite's text), so
callers pass the values they would give SQLAlchemy.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    any_,
    bindparam,
    cast,
    select,
)
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlalchemy.sql.visitors import replacement_traverse

from hub.core.db import reading_connection
from hub.extensions import db


def in_list(column: ColumnElement[int], name: str, hidden: bool = False) -> ColumnElement[bool]:
    """``column`` is one of the integers passed as the list ``name``. PostgreSQL: ``= ANY`` of
    an array, one SQL text for any number of them (prepared once per connection); ``hidden``:
    the array out of the planner's sight (an InitPlan), so that it keeps one plan for any list
    rather than planning for each list's length, which always looks cheaper than a kept plan.
    SQLite: an IN with a mark per value, its SQL kept per number of values (a list a
    table-valued function gives makes SQLite scan the table instead of searching its index
    once per value)."""
    if db.engine.dialect.name == "postgresql":
        values = bindparam(name, type_=ARRAY(Integer), required=True)
        if hidden:  # a cast: ANY (SELECT …) would compare with each row of the subquery
            values = cast(select(values).scalar_subquery(), ARRAY(Integer))
        return column == any_(values)
    return column.in_(bindparam(name, expanding=True, required=True))


def written_in(name: str, value: int | None = None) -> BindParameter:
    """An integer parameter (a limit) written into the statement's text when it is sent
    (``literal_execute``), by ``DriverStatement`` (a text kept per value) as by SQLAlchemy.
    Given ``LIMIT $1`` PostgreSQL assumes a tenth of the rows are wanted, finds the plan it
    could keep for every value dearer than one made for the values, and plans the statement at
    every call; written in, it keeps one plan. The one way the hub writes a value into a kept
    statement's text (the question lists, the start page, the directory's first pages, the
    search's people). ``value``: a fixed one (else passed with the statement's values)."""
    if value is None:
        return bindparam(name, type_=Integer(), literal_execute=True)
    return bindparam(name, value, type_=Integer(), literal_execute=True)


def limits_written_in(statement: Select, names: Iterable[str]) -> Select:
    """The statement with its parameters ``names`` made ``written_in``, wherever they are."""
    names = frozenset(names)

    def written(element: object) -> BindParameter | None:
        if isinstance(element, BindParameter) and element.key in names:
            return written_in(element.key)
        return None

    return replacement_traverse(statement, {}, written)


def cursor_rows(
    connection: Connection, sql: str, params: dict | Sequence, prepare: bool | None = None
) -> list[tuple]:
    """The rows of ``sql`` sent on the driver's cursor of ``connection`` (the session's), with
    the engine's cursor events around it, as SQLAlchemy sends them: the hub's own (a write
    begins a transaction) and those of the tests and benches that count, time and explain
    statements. Every statement the hub sends past SQLAlchemy goes through here. ``prepare``:
    psycopg's (True: prepared at once; False: never; None: from its fifth use)."""
    return _sent_rows(connection, sql, params, prepare, _kept_cursor(connection.connection, sql))


def _sent_rows(connection: Connection, sql: str, params, prepare: bool | None, cursor) -> list:
    """The rows of ``sql`` on ``cursor`` (None: a new one, closed after), between the events."""
    own = cursor is None
    if own:
        cursor = connection.connection.driver_connection.cursor()
    events = connection.dispatch
    events.before_cursor_execute(connection, cursor, sql, params, None, False)
    try:
        if prepare is None:
            cursor.execute(sql, params)
        else:
            cursor.execute(sql, params, prepare=prepare)
        found = cursor.fetchall()
    finally:
        if own:
            cursor.close()
    events.after_cursor_execute(connection, cursor, sql, params, None, False)
    return found


# In a pooled psycopg connection's info (emptied when the connection is closed or invalidated):
# its kept cursors, by the SQL text each sends.
KEPT_CURSORS = "hub_kept_cursors"
MAX_KEPT = 128  # cursors kept per connection: the hub's texts (and their written limits)


def _kept_cursor(pooled, sql: str, row: type | None = None):
    """psycopg: the cursor kept on the pooled connection for ``sql`` (a ``DriverStatement``'s
    text, or one of search's, which it makes once per filters), making rows of ``row`` (a named
    tuple) in psycopg's C where given. A new cursor per statement made its adapters' map, its
    transformer and its columns' loaders again; a cursor that sends the same text object again
    keeps them (the member's row: 52 → 30 µs of this process's CPU, bench/driver_loop.py; one
    cursor shared by three texts in turn cost 3.5 µs a statement more than one each). SQLite:
    None (a cursor costs little there, and one kept across statements would be one more thing
    to hold a read open)."""
    driver = pooled.driver_connection
    if not hasattr(driver, "pgconn"):
        return None
    info = pooled.info
    kept = info.get(KEPT_CURSORS)
    if kept is None:
        kept = info[KEPT_CURSORS] = {}
    cursor = kept.get(sql)
    if cursor is None:
        if len(kept) >= MAX_KEPT:  # written limits come from requests: keep the set bounded
            kept.clear()
        cursor = kept[sql] = driver.cursor()
        if row is not None:
            make = partial(tuple.__new__, row)
            cursor.row_factory = lambda _cursor: make
    return cursor


def _statement_cursor(pooled, sql: str, compiled: _Compiled):
    """The kept cursor of a ``DriverStatement``'s text: it makes the rows when no column needs
    its type's processor (``_made`` makes them from the driver's values otherwise)."""
    return _kept_cursor(pooled, sql, None if compiled.processors else compiled.row)


def _made(fetched: list, compiled: _Compiled) -> list[tuple]:
    """The statement's rows as named tuples, each column through its type's result processor
    where it has one. psycopg's cursor made them so already when no column has one."""
    if compiled.processors:
        make = partial(tuple.__new__, compiled.row)
        return [make(_processed(values, compiled.processors)) for values in fetched]
    if fetched and type(fetched[0]) is not compiled.row:  # SQLite's plain tuples
        return list(map(partial(tuple.__new__, compiled.row), fetched))
    return fetched


def _processed(values: Sequence, processors: tuple) -> list:
    """A row's values with each column's result processor applied where it has one."""
    values = list(values)
    for i, process in processors:
        values[i] = process(values[i])
    return values


MAX_WRITTEN = 256  # texts kept per statement and its literal integers or list lengths


class _Compiled(NamedTuple):
    """A statement compiled for one dialect, and what sending it needs."""

    sql: str  # with ``__[POSTCOMPILE_name]`` where a literal or (SQLite) a list's marks go
    defaults: dict[str, Any]  # values the statement holds (a literal compared, a limit)
    needed: frozenset[str]  # the parameters without a default
    written: tuple[str, ...]  # ``literal_execute`` parameters: integers written into the text
    order: tuple[str, ...]  # SQLite: the parameters' order (one mark each); PostgreSQL: ()
    lists: tuple[str, ...]  # SQLite: the list parameters, a mark per value
    binds: tuple[tuple[str, Callable], ...]  # the parameters whose type converts their value
    processors: tuple[tuple[int, Callable], ...] | None  # the columns whose type converts them
    row: type  # a named tuple of the statement's column names


class DriverStatement:
    """A statement built by ``build`` (on first use, for the app's dialect), run on the driver's
    cursor. ``lists``: the names of its ``in_list`` parameters, given as Python lists. A
    parameter bound with ``literal_execute=True`` is an integer written into the SQL text.
    Values go through their types' bind processing, as SQLAlchemy's own execution does (a UTC
    datetime as SQLite's text, a boolean as SQLite's integer): callers pass Python values."""

    def __init__(self, build: Callable[[], Select | CompoundSelect], lists: Sequence[str] = ()):
        self.build = build
        self.lists = frozenset(lists)
        self._statement: Select | CompoundSelect | None = None
        self._compiled: dict[str, _Compiled] = {}
        # The texts with literals and list marks written in, by the dialect's text (a process
        # may hold apps of both dialects in tests), the literals and the lists' lengths.
        self._texts: dict[tuple, str] = {}

    def rows(self, values: dict[str, Any] | None = None) -> list[tuple]:
        """The rows, as named tuples with the statement's column names. A parameter without a
        default that ``values`` leaves out is an error (KeyError), as in SQLAlchemy."""
        connection = reading_connection()
        sql, params = self.sent(values, connection.dialect)
        compiled = self._compiled[connection.dialect.name]
        cursor = _statement_cursor(connection.connection, sql, compiled)
        return _made(_sent_rows(connection, sql, params, None, cursor), compiled)

    def sent(self, values: dict[str, Any] | None, dialect) -> tuple[str, dict | tuple]:
        """The SQL and the parameters the driver is given for ``values``."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        params = compiled.defaults | (values or {})
        if not compiled.needed <= params.keys():
            missing = ", ".join(sorted(compiled.needed - params.keys()))
            raise KeyError(f"no value for {missing}")
        literals = tuple(int(params.pop(name)) for name in compiled.written)
        for name, process in compiled.binds:
            params[name] = process(params[name])
        lengths = tuple(len(params[name]) for name in compiled.lists)
        sql = self._text(compiled, literals, lengths) if literals or lengths else compiled.sql
        if not compiled.order:  # PostgreSQL: named parameters, a list as an array
            return sql, params
        # SQLite: a mark per value, in order
        return sql, tuple(v for name in compiled.order for v in self._values(name, params[name]))

    def _values(self, name: str, value: Any) -> Sequence:
        return value if name in self.lists else (value,)

    def _text(self, compiled: _Compiled, literals: tuple[int, ...], lengths: tuple) -> str:
        """The SQL with the integers of the statement's ``literal_execute`` parameters written
        in (a limit PostgreSQL then plans once for all its calls) and, on SQLite, a mark per
        value of each list, kept per values and lengths."""
        key = (compiled.sql, literals, lengths)
        found = self._texts.get(key)
        if found is None:
            found = compiled.sql
            for name, value in zip(compiled.written, literals, strict=True):
                found = found.replace(f"__[POSTCOMPILE_{name}]", str(value))
            for name, length in zip(compiled.lists, lengths, strict=True):
                # An empty list: a NULL, which no value equals (as SQLAlchemy does).
                marks = ", ".join("?" * length) if length else "NULL"
                found = found.replace(f"__[POSTCOMPILE_{name}]", marks)
            if len(self._texts) >= MAX_WRITTEN:  # page numbers and lengths come from requests
                self._texts.clear()
            self._texts[key] = found
        return found

    @property
    def statement(self) -> Select | CompoundSelect:
        """The SQLAlchemy statement, built on first use (``in_list`` reads the app's dialect)."""
        if self._statement is None:
            self._statement = self.build()
        return self._statement

    def _compile(self, dialect) -> _Compiled:
        statement = self.statement
        compiled = statement.compile(dialect=dialect)
        results = [
            column.type._cached_result_processor(dialect, None)
            for column in compiled._result_columns
        ]
        defaults = {k: v for k, v in compiled.params.items() if v is not None}
        # A key once, however many binds carry it (each topic's end, say): its value is one.
        written = tuple(sorted({bind.key for bind in compiled.literal_execute_params}))
        order = tuple(name for name in compiled.positiontup or () if name not in written)
        lists = tuple(sorted(self.lists.intersection(order)))
        # SQLAlchemy's own processors for the parameters (none for a literal written in): a
        # SQLite list's is its element type's, applied to each value.
        binds = tuple(
            (name, _each(process) if name in lists else process)
            for name, process in compiled._bind_processors.items()
            if name not in written
        )
        row = namedtuple("Row", list(statement.selected_columns.keys()), rename=True)
        # Only the columns with a processor are touched: most columns have none, and a
        # question page's twenty answers have seventeen columns each.
        converted = tuple((i, f) for i, f in enumerate(results) if f) or None
        return _Compiled(
            str(compiled), defaults, frozenset(compiled.params) - defaults.keys(), written,
            order, lists, binds, converted, row,
        )  # fmt: skip


def _each(process: Callable) -> Callable[[Sequence], list]:
    """A list's values each through ``process``."""
    return lambda values: [process(value) for value in values]


def json_array(found: str | list | None) -> list:
    """A JSON array column as the driver gives it: text on SQLite, a list (or None for no rows,
    ``json_agg`` over nothing) on PostgreSQL."""
    return json.loads(found) if isinstance(found, str) else found or []
