"""The search SQL uses the full-text index: FTS5 on SQLite, the GIN index on PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from hub.extensions import db
from hub.forum.search import DriverSql, remove_question, search, similar_questions


@contextmanager
def captured():
    """The SQL statements and parameters the search issues, through SQLAlchemy or straight to
    the driver's cursor (``DriverSql``)."""
    seen: list[tuple[str, object]] = []
    sent_to_driver = DriverSql.rows

    def listen(conn, cursor, statement, parameters, context, executemany):
        if "search_" in statement:
            seen.append((statement, parameters))

    def driver_rows(self, statement, parameters, **options):
        seen.append((statement, parameters))
        return sent_to_driver(self, statement, parameters, **options)

    event.listen(db.engine, "before_cursor_execute", listen)
    DriverSql.rows = driver_rows
    try:
        yield seen
    finally:
        DriverSql.rows = sent_to_driver
        event.remove(db.engine, "before_cursor_execute", listen)


def plans(statements) -> list[str]:
    connection = db.session.connection()
    out = []
    for statement, parameters in statements:
        if isinstance(parameters, list):  # positional, for a driver's cursor
            parameters = tuple(parameters)
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            out.append("\n".join(row[-1] for row in rows))
        else:
            # On a small table the planner may rightly prefer any other index and filter; what
            # matters is that the full-text index *can* serve the query, so leave it only that.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            out.append("\n".join(row[0] for row in rows))
    return out


# PostgreSQL's GIN indexes: the tiers' narrow tables (migration 0029), the similar questions'.
FULLTEXT_INDEXES = ("vector_words", "vector_terms", "title_words", "title_terms", "document_tsv")


@pytest.mark.parametrize(
    "options", [{}, {"answered": True}, {"category_id": 1, "tag_slug": "lås"}, {"page": 2}]
)
def test_search_uses_the_fulltext_index(create_question, options):
    for n in range(30):
        create_question(f"Mötet nummer {n}", answers=("Låset på mötet.",))
    with captured() as statements:
        search("möte lås", per_page=5, **options)
        similar_questions("Mötet om låset")
    fulltext = [s for s in statements if " MATCH " in s[0] or "@@" in s[0]]
    assert len(fulltext) >= 2
    for plan in plans(fulltext):
        if db.engine.dialect.name == "sqlite":
            assert "VIRTUAL TABLE INDEX" in plan, plan
        elif not options.keys() & {"category_id", "answered"}:
            # With a filter on the questions (a narrow category, answered only) PostgreSQL may
            # rightly start from that filter's index, depending on the statistics it has.
            assert any(f"ix_search_{index}" in plan for index in FULLTEXT_INDEXES), plan
    for plan in plans(statements):
        # Documents and questions are looked up by key for each hit, never scanned.
        assert "SCAN d" not in plan and "SCAN q" not in plan, plan
        for table in ("search_document", "search_vector", "search_title"):
            assert f"Seq Scan on {table}" not in plan, plan


def test_the_index_is_gin_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    definition = db.session.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_document_tsv'")
    )
    assert "USING gin (tsv)" in definition


def test_the_narrow_tables_follow_the_documents(create_question):
    """PostgreSQL's tier tables (migration 0029) are kept by triggers: a title row for a question
    only, new vectors when a document changes, nothing left when it goes."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    question = create_question("Surfplattan laddar inte", answers=("Byt laddaren.",))

    def vectors() -> list[tuple]:
        return db.session.execute(
            text(
                "SELECT v.words::text, v.terms::text, t.words::text FROM search_vector v"
                " LEFT JOIN search_title t ON t.id = v.id"
                " WHERE v.question_id = :q ORDER BY v.id"
            ),
            {"q": question.id},
        ).all()

    (words, _, title), (answer_words, _, answer_title) = vectors()
    assert "'surfplattan'" in words and "'surfplattan'" in title and "'laddaren'" in answer_words
    assert answer_title is None
    db.session.execute(
        text("UPDATE search_document SET body_words = 'lathund' WHERE answer_id IS NOT NULL")
    )
    assert vectors()[1][0] == "'lathund'"
    remove_question(question.id)
    assert vectors() == []


def test_the_pool_statement_is_planned_for_its_values_every_time(create_question):
    """psycopg prepares a statement sent five times; PostgreSQL then soon plans it once for any
    values, and that plan read each tier as if its words' frequency were unknown (twice the
    server's time). The pool statement is sent unprepared, so it is never given such a plan."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    create_question("Surfplattan laddar inte", answers=("Byt laddaren.",))
    for _ in range(12):
        search("surfplattan laddar")
    prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert not [statement for statement in prepared if "search_title" in statement]
    assert any("search_form" in statement for statement in prepared)  # the others are prepared
