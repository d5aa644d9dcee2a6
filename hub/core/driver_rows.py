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
Parameters go to the driver as given, with no type's bind processor: ids, names, numbers and
lists of ids only. A parameter whose type converts its value on the way in (a UTC datetime, an
enum) needs SQLAlchemy's own execution.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    any_,
    bindparam,
)
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlalchemy.sql.visitors import replacement_traverse

from hub.core.db import reading_connection
from hub.extensions import db


def in_list(column: ColumnElement[int], name: str) -> ColumnElement[bool]:
    """``column`` is one of the integers passed as the list ``name``. PostgreSQL: ``= ANY`` of
    an array, one SQL text for any number of them (prepared once per connection). SQLite: an
    IN with a mark per value, its SQL kept per number of values (a list a table-valued function
    gives makes SQLite scan the table instead of searching its index once per value)."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer), required=True))
    return column.in_(bindparam(name, expanding=True, required=True))


def written_in(name: str) -> BindParameter:
    """An integer parameter (a limit) written into the statement's text when it is sent
    (``literal_execute``), by ``DriverStatement`` (a text kept per value) as by SQLAlchemy.
    Given ``LIMIT $1`` PostgreSQL assumes a tenth of the rows are wanted, finds the plan it
    could keep for every value dearer than one made for the values, and plans the statement at
    every call; written in, it keeps one plan. The one way the hub writes a value into a kept
    statement's text (the question lists, the start page, the directory's first pages)."""
    return bindparam(name, type_=Integer(), literal_execute=True)


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
        cursor.close()
    events.after_cursor_execute(connection, cursor, sql, params, None, False)
    return found


def _processed(values: Sequence, processors: tuple) -> list:
    """A row's values with each column's result processor applied where it has one."""
    values = list(values)
    for i, process in processors:
        values[i] = process(values[i])
    return values


MAX_WRITTEN = 256  # texts kept per statement and its literal integers or list lengths


class DriverStatement:
    """A statement built by ``build`` (on first use, for the app's dialect), run on the driver's
    cursor. ``lists``: the names of its ``in_list`` parameters, given as Python lists. A
    parameter bound with ``literal_execute=True`` is an integer written into the SQL text."""

    def __init__(self, build: Callable[[], Select | CompoundSelect], lists: Sequence[str] = ()):
        self.build = build
        self.lists = frozenset(lists)
        self._statement: Select | CompoundSelect | None = None
        self._compiled: dict[str, tuple] = {}
        self._by_length: dict[tuple, str] = {}
        self._by_values: dict[tuple, str] = {}

    def rows(self, values: dict[str, Any] | None = None) -> list[tuple]:
        """The rows, as named tuples with the statement's column names. A parameter without a
        default that ``values`` leaves out is an error (KeyError), as in SQLAlchemy."""
        connection = reading_connection()
        sql, params = self.sent(values, connection.dialect)
        *_, processors, row = self._compiled[connection.dialect.name]
        fetched = cursor_rows(connection, sql, params)
        if processors:
            fetched = [_processed(values, processors) for values in fetched]
        return list(map(row._make, fetched))

    def sent(self, values: dict[str, Any] | None, dialect) -> tuple[str, dict | tuple]:
        """The SQL and the parameters the driver is given for ``values``."""
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        sql, defaults, needed, order, written, *_ = found
        params = defaults | (values or {})
        if not needed <= params.keys():
            raise KeyError(f"no value for {', '.join(sorted(needed - params.keys()))}")
        literals = tuple(int(params.pop(name)) for name in written)
        if literals:
            sql = self._written_in(sql, written, literals)
        if not order:  # PostgreSQL: named parameters, a list as an array
            return sql, params
        # SQLite: a mark per value, in order
        lists = self.lists.intersection(order)
        sql = self._expanded(sql, {name: len(params[name]) for name in lists}, literals)
        return sql, tuple(v for name in order for v in self._values(name, params[name]))

    def _values(self, name: str, value: Any) -> Sequence:
        return value if name in self.lists else (value,)

    def _expanded(self, sql: str, lengths: dict[str, int], literals: tuple[int, ...]) -> str:
        key = (*lengths.items(), literals)
        found = self._by_length.get(key)
        if found is None:
            found = sql
            for name, length in lengths.items():
                # An empty list: a NULL, which no value equals (as SQLAlchemy does).
                marks = ", ".join("?" * length) if length else "NULL"
                found = found.replace(f"__[POSTCOMPILE_{name}]", marks)
            if len(self._by_length) >= MAX_WRITTEN:  # literals written in come from addresses
                self._by_length.clear()
            found = self._by_length[key] = found
        return found

    def _written_in(self, sql: str, names: tuple[str, ...], values: tuple[int, ...]) -> str:
        """The SQL with the integers of the statement's ``literal_execute`` parameters written
        in (a limit PostgreSQL then plans once for all its calls), kept per values."""
        key = (sql, values)  # sql: the dialect's text (a process may hold two apps in tests)
        found = self._by_values.get(key)
        if found is None:
            found = sql
            for name, value in zip(names, values, strict=True):
                found = found.replace(f"__[POSTCOMPILE_{name}]", str(value))
            if len(self._by_values) >= MAX_WRITTEN:  # page numbers come from addresses
                self._by_values.clear()
            self._by_values[key] = found
        return found

    @property
    def statement(self) -> Select | CompoundSelect:
        """The SQLAlchemy statement, built on first use (``in_list`` reads the app's dialect)."""
        if self._statement is None:
            self._statement = self.build()
        return self._statement

    def _compile(self, dialect) -> tuple:
        statement = self.statement
        compiled = statement.compile(dialect=dialect)
        processors = [
            column.type._cached_result_processor(dialect, None)
            for column in compiled._result_columns
        ]
        defaults = {k: v for k, v in compiled.params.items() if v is not None}
        needed = frozenset(compiled.params) - defaults.keys()
        # A key once, however many binds carry it (each topic's end, say): its value is one.
        written = tuple(sorted({bind.key for bind in compiled.literal_execute_params}))
        order = tuple(name for name in compiled.positiontup or () if name not in written)
        row = namedtuple("Row", list(statement.selected_columns.keys()), rename=True)
        # Only the columns with a processor are touched: most columns have none, and a
        # question page's twenty answers have seventeen columns each.
        converted = tuple((i, f) for i, f in enumerate(processors) if f) or None
        return str(compiled), defaults, needed, order, written, converted, row
