"""A statement sent on the driver's cursor (``hub.core.driver_rows``) gives SQLAlchemy's rows,
values converted as SQLAlchemy converts them, needs every value it has no default for, and is
seen by the engine's cursor events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Integer, bindparam, event, select, union_all, update

from hub.core import driver_rows
from hub.core.db import core_rows, reading_connection
from hub.core.driver_rows import DriverStatement, cursor_rows, in_list, limits_written_in
from hub.core.models import Tag
from hub.extensions import db
from hub.meetings.models import Meeting, MeetingStatus, Network
from tests.search.test_sections import make_meeting

NAMES = ["Appar", "Bildtelefon", "Cykellarm", "Dosett"]


@pytest.fixture
def tags(app):
    db.session.add_all(Tag(slug=name.lower(), name=name) for name in NAMES)
    db.session.commit()
    return {tag.name: tag.id for tag in db.session.scalars(select(Tag))}


def by_ids():
    return (
        select(Tag.id, Tag.name.label("label"))
        .where(in_list(Tag.id, "ids"), Tag.name >= bindparam("from_name", required=True))
        .order_by(Tag.name)
        .limit(3)
    )


@pytest.mark.parametrize("chosen", [NAMES, NAMES[1:2], NAMES[:3], []])
def test_the_rows_are_sqlalchemys_for_any_number_of_values(tags, chosen):
    statement = DriverStatement(by_ids, lists=("ids",))
    values = {"ids": [tags[name] for name in chosen], "from_name": "B"}
    expected = [tuple(row) for row in core_rows(by_ids(), values)]
    found = statement.rows(values)
    assert found == expected
    assert [row.label for row in found] == [name for _id, name in expected]


def test_a_value_left_out_is_an_error_not_a_default(tags):
    statement = DriverStatement(by_ids, lists=("ids",))
    with pytest.raises(KeyError, match="from_name"):
        statement.rows({"ids": [1]})


def test_the_engines_cursor_events_see_the_statement(tags, count_queries):
    statement = DriverStatement(by_ids, lists=("ids",))
    with count_queries() as counter:
        statement.rows({"ids": list(tags.values()), "from_name": ""})
    assert counter.count == 1


def test_a_column_is_converted_as_sqlalchemy_converts_it(app):
    network = Network(slug="halland", name="Halland", rhythm_months=3)
    db.session.add(network)
    db.session.flush()
    make_meeting(network, "Träff om larmen")
    statement = DriverStatement(lambda: select(Meeting.starts_at, Meeting.title))
    expected = [tuple(row) for row in core_rows(select(Meeting.starts_at, Meeting.title))]
    assert statement.rows() == expected and expected[0][0].tzinfo is not None


def coming_after():
    return select(Meeting.title).where(
        Meeting.ends_at > bindparam("now"), Meeting.status == MeetingStatus.SCHEDULED
    )


def test_a_value_is_sent_as_sqlalchemy_sends_it(app):
    """Values go through their types' bind processing: a UTC datetime as SQLite's text, a
    string enum as its value. Given as it was, sqlite3 wrote the datetime as ``…05+00:00``,
    which sorts before the stored ``…05.000000``: a meeting ending at that very moment was
    still to come."""
    network = Network(slug="halland", name="Halland", rhythm_months=3)
    db.session.add(network)
    db.session.flush()
    ends_at = make_meeting(network, "Träff om larmen").ends_at.replace(microsecond=0)
    db.session.execute(update(Meeting).values(ends_at=ends_at))
    statement = DriverStatement(coming_after)
    for now in (ends_at - timedelta(seconds=1), ends_at, ends_at + timedelta(seconds=1)):
        expected = [tuple(row) for row in core_rows(coming_after(), {"now": now})]
        assert statement.rows({"now": now}) == expected
    assert statement.rows({"now": ends_at}) == []


def firsts_of_two_letters():
    """The first ``n`` tags from A and from B on: one ``literal_execute`` key in two binds."""
    return union_all(
        *(
            select(Tag.name).where(Tag.name >= start).order_by(Tag.name)
            .limit(bindparam("n", type_=Integer, literal_execute=True)).subquery().select()
            for start in ("A", "B")
        )
    )  # fmt: skip


@pytest.mark.parametrize("n", [1, 2])
def test_a_literal_is_written_into_the_text_wherever_it_is_used(tags, count_queries, n):
    statement = DriverStatement(firsts_of_two_letters)
    with count_queries() as counter:
        found = statement.rows({"n": n})
    assert found == [tuple(row) for row in core_rows(firsts_of_two_letters(), {"n": n})]
    assert len(found) == 2 * n
    [sent] = counter.statements
    assert sent.count(f"LIMIT {n}") == 2 and "POSTCOMPILE" not in sent


def cursors_seen(action) -> list:
    """The driver's cursors the statements of ``action()`` were sent on."""
    seen = []

    def keep(_conn, cursor, *_args) -> None:
        seen.append(cursor)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def test_a_statement_sent_again_is_sent_on_the_cursor_kept_for_it(tags):
    """psycopg: one cursor per pooled connection and statement, its loaders made once; its
    rows the statement's named tuples as before."""
    statement = DriverStatement(by_ids, lists=("ids",))
    values = {"ids": list(tags.values()), "from_name": "B"}
    found = []
    first, second = cursors_seen(lambda: found.extend(statement.rows(values) for _ in "ab"))
    assert found[0] == found[1] == [tuple(row) for row in core_rows(by_ids(), values)]
    assert [row.label for row in found[1]] == ["Bildtelefon", "Cykellarm", "Dosett"]
    assert (first is second) == (db.engine.dialect.name == "postgresql")


def test_the_cursors_kept_are_bounded(tags, monkeypatch):
    """A text per limit written in (``written_in``): the kept cursors are bounded per
    connection; a statement whose cursor was let go gets a new one."""
    monkeypatch.setattr(driver_rows, "MAX_KEPT", 2)
    statement = DriverStatement(
        lambda: limits_written_in(by_ids(), ["n"]).limit(bindparam("n")), lists=("ids",)
    )
    values = {"ids": list(tags.values()), "from_name": ""}
    for _ in range(2):
        assert [len(statement.rows(values | {"n": n})) for n in (1, 2, 3)] == [1, 2, 3]
    kept = db.session.connection().connection.info.get(driver_rows.KEPT_CURSORS, {})
    assert len(kept) <= 2


def test_a_text_sent_past_driver_statements_has_a_kept_cursor_of_its_own(tags):
    """``cursor_rows`` (search's own texts): a cursor per text on psycopg, as a statement's."""
    mark = "%s" if db.engine.dialect.name == "postgresql" else "?"
    texts = [f"SELECT name FROM tag WHERE id = {mark}", f"SELECT slug FROM tag WHERE id = {mark}"]
    connection = reading_connection()
    found = []
    seen = cursors_seen(
        lambda: found.extend(
            cursor_rows(connection, sql, (tags["Dosett"],)) for sql in texts + texts
        )
    )
    assert found == [[("Dosett",)], [("dosett",)]] * 2
    assert (seen[0] is seen[2] and seen[1] is seen[3] and seen[0] is not seen[1]) == (
        db.engine.dialect.name == "postgresql"
    )
