"""PostgreSQL's postings (migration 0057): kept in step with the tier tables, and a one-word first
page read from them newest first, with the same hits as GIN's lists and walks give."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hub.extensions import db
from hub.forum.models import Answer
from hub.forum.search import (
    Filters,
    ParsedQuery,
    PostgresBackend,
    index_new_answer,
    parse_query,
    remove_question,
    search,
)
from tests.plans import statements_sent
from tests.search.test_query_plan import plans_since, pool_plans


@pytest.fixture(autouse=True)
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")


# Every posting the tier tables' vectors imply, and every one kept, as (src, term, id, boosted).
IMPLIED = """
    SELECT 0, t, id, boosted FROM search_title, unnest(tsvector_to_array(words)) AS t
    UNION ALL SELECT 2, t, id, boosted FROM search_title, unnest(tsvector_to_array(terms)) AS t
    UNION ALL SELECT 1, t, id, boosted FROM search_words, unnest(tsvector_to_array(words)) AS t
    UNION ALL SELECT 3, t, id, boosted FROM search_terms, unnest(tsvector_to_array(terms)) AS t
"""
KEPT = "SELECT src, term, id, boosted FROM search_posting"


def postings() -> tuple[set[tuple], set[tuple]]:
    """(implied, kept)."""
    return tuple(set(db.session.execute(text(sql)).all()) for sql in (IMPLIED, KEPT))


def assert_in_step() -> None:
    implied, kept = postings()
    assert implied == kept and implied


def test_the_postings_follow_the_documents_and_the_questions_flags(create_question):
    question = create_question("Surfplattan laddar inte", answers=("Byt laddaren.",))
    create_question("Skrivaren skriver inte", answers=("Starta om skrivaren.",))
    assert_in_step()
    implied, _ = postings()
    assert {(src, "surfplattan") for src, term, *_ in implied if term == "surfplattan"} == {
        (0, "surfplattan"),
        (1, "surfplattan"),
        (2, "surfplattan"),
        (3, "surfplattan"),
    }
    # A helpful mark boosts every row of the question (the question's trigger, migration 0032).
    question.helpful_count = 1
    db.session.flush()
    assert_in_step()
    assert all(boosted for src, term, _, boosted in postings()[1] if term == "laddaren")
    # A document's text changed in place, an answer added as the forum adds it, the question gone.
    db.session.execute(
        text("UPDATE search_document SET body_words = 'lathund' WHERE answer_id IS NOT NULL")
    )
    assert_in_step()
    answer = Answer(question_id=question.id, body_source="Ladda över natten.")
    answer.body_html = "<p>Ladda över natten.</p>"
    db.session.add(answer)
    db.session.flush()
    index_new_answer(question.id, answer)
    assert_in_step()
    remove_question(question.id)
    assert_in_step()
    assert not any(term == "surfplattan" for _, term, *_ in postings()[1])


def first_page_statement(query: str) -> tuple[str, dict]:
    with statements_sent("search_") as statements:
        search(query)
    [found] = [s for s in statements if "p0 AS MATERIALIZED" in s[0]]
    return found


def test_a_one_word_first_page_reads_each_tiers_newest_postings(create_question):
    """Each tier's pool is an index scan of its term's newest postings (of each form's), stopped
    at the pool's size: no GIN list read whole, no walk; with filters or several words, GIN."""
    for n in range(30):
        create_question(f"Surfplattan nummer {n}", "Surfplattorna laddar.", answers=("Larmet.",))
    sql, params = first_page_statement("surfplattan")
    assert "search_posting" in sql and params["word"] == "surfplattan"
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(f"EXPLAIN {sql}", params)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("Scan Backward using search_posting_pkey") == 4, plan
    # No tier's GIN list nor walk (the page's documents may come by their question's index: the
    # forum tests' churn before makes that plan the cheaper one).
    gin_lists = ("ix_search_title_words", "ix_search_title_terms", "ix_search_terms_terms")
    assert not any(name in plan for name in gin_lists) and "search_words" not in plan, plan
    for query, options in (("surfplattan larmet", {}), ("surfplattan", {"answered": True})):
        with statements_sent("search_") as statements:
            search(query, **options)
        assert not any("search_posting" in s[0] for s in statements), query


def test_the_postings_statement_runs_one_generic_plan_for_any_word(create_question):
    """The word and its forms out of the planner's sight: PostgreSQL keeps the generic plan
    after five custom ones (with them in sight a rare word's plan looked cheaper every time:
    the statement was planned at every search)."""
    create_question("Surfplattan laddar inte", answers=("Byt laddaren.",))
    before = pool_plans("search_posting")
    for _ in range(4):
        for query in ("surfplattan", "laddaren", "installation", "saknas"):
            search(query)
    changed = plans_since(before, "search_posting")
    assert len(changed) == 1
    [(generic, custom)] = changed.values()
    assert custom <= 5 and generic >= 11, (generic, custom)


@pytest.mark.parametrize("query", ["surfplattan", "surfplattorna", "larmet", "nummer", "saknas"])
@pytest.mark.parametrize("page", [1, 2, 3])
def test_postings_find_what_gin_finds(create_question, monkeypatch, query, page):
    """Ranked, paged and counted alike: only the pools are read another way."""
    for n in range(45):
        create_question(
            f"Surfplattan nummer {n}" if n % 3 else f"Larmet nummer {n}",
            "Surfplattorna laddar." if n % 2 else "Inget här.",
            answers=("Larmet.",) * (n % 4),
            helpful_count=n % 5 == 0,
        )
    assert PostgresBackend.in_postings(parse_query(query), Filters())  # not GIN against GIN
    with_postings = search(query, page=page, per_page=10)
    monkeypatch.setattr(PostgresBackend, "in_postings", staticmethod(lambda *_: False))
    with_gin = search(query, page=page, per_page=10)
    assert (with_postings.hits, with_postings.total) == (with_gin.hits, with_gin.total)
    assert with_postings.total or query == "saknas"


def test_only_words_of_letters_and_digits_read_postings():
    one = PostgresBackend.in_postings
    assert one(ParsedQuery(("wifi2",), (("wifi2",),)), Filters())
    assert not one(ParsedQuery(("wifi",), (("wifi", "wi_fi"),)), Filters())
    assert not one(ParsedQuery(("a", "b"), (("a",), ("b",))), Filters())
    assert not one(ParsedQuery(("a",), (("a",),)), Filters(category_id=1))
    assert not one(ParsedQuery((), ()), Filters())
