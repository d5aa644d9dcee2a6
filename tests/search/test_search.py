"""Ranking, filters, index upkeep, snippets, hostile queries and people: through ``search()``."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from hub.core.db import utcnow
from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum import search as search_module
from hub.forum.models import Answer
from hub.forum.search import rebuild_index, reindex_question, search
from hub.forum.search_items import search_people
from tests.search.conftest import make_category


def ids(page) -> list[int]:
    return [hit.question_id for hit in page.hits]


def test_a_title_hit_ranks_above_a_body_hit(create_question):
    in_body = create_question("Hjälp med inloggning", "Hur laddar man surfplattan på natten?")
    in_title = create_question("Surfplattan laddar inte", "Den står i laddaren hela natten.")
    assert ids(search("surfplatta")) == [in_title.id, in_body.id]


def test_all_query_words_must_match(create_question):
    both = create_question("Läkemedelsroboten larmar", "Larmet går på natten.")
    create_question("Läkemedelsroboten", "Den fungerar bra.")
    assert ids(search("läkemedelsrobot natt")) == [both.id]


def test_answers_are_found_and_marked_as_answers(create_question):
    question = create_question("Teams på surfplattan", answers=("Prova att starta om routern.",))
    page = search("routern")
    assert ids(page) == [question.id]
    assert page.hits[0].in_answer
    assert page.hits[0].title == "Teams på surfplattan"


def test_filters_by_category_tag_and_answered(create_question):
    other = make_category("Etik och integritet")
    answered = create_question("Nattsensorer och integritet", answers=("Vi frågar alltid.",))
    unanswered = create_question("Sensorer i korridoren", tags=("sensorer",))
    elsewhere = create_question("Sensorn piper", category_id=other.id)
    assert set(ids(search("sensor"))) == {answered.id, unanswered.id, elsewhere.id}
    assert ids(search("sensor", category_id=other.id)) == [elsewhere.id]
    assert ids(search("sensor", tag_slug="sensorer")) == [unanswered.id]
    assert ids(search("sensor", answered=True)) == [answered.id]
    assert set(ids(search("sensor", answered=False))) == {unanswered.id, elsewhere.id}


def test_filters_and_boost_follow_the_question_without_a_reindex(create_question):
    """An answer, a helpful mark or a move changes the question, not its indexed text: the
    filters and the boost see the change at once (on PostgreSQL a trigger copies them into the
    tier tables, migration 0032)."""
    other = make_category("Etik och integritet")
    older = create_question("Nattsensorn piper")
    newer = create_question("Nattsensorn larmar")
    assert ids(search("nattsensor", answered=True)) == []
    assert ids(search("nattsensor")) == [newer.id, older.id]
    older.answer_count, older.helpful_count = 1, 1  # as answers.py does, without a reindex
    db.session.commit()
    assert ids(search("nattsensor", answered=True)) == [older.id]
    assert ids(search("nattsensor")) == [older.id, newer.id]  # helped: first in its tier
    newer.category_id = other.id
    db.session.commit()
    assert ids(search("nattsensor", category_id=other.id)) == [newer.id]
    older.answer_count, older.helpful_count = 0, 0
    db.session.commit()
    assert set(ids(search("nattsensor", answered=False))) == {older.id, newer.id}
    assert ids(search("nattsensor")) == [newer.id, older.id]


def test_pagination_counts_every_hit(create_question):
    for n in range(5):
        create_question(f"Mötet nummer {n}")
    first = search("möte", per_page=2)
    assert (first.total, first.pages, len(first.hits)) == (5, 3, 2)
    last = search("möte", per_page=2, page=3)
    assert len(last.hits) == 1 and not last.has_next
    assert {h.question_id for h in first.hits}.isdisjoint(h.question_id for h in last.hits)


@pytest.mark.parametrize(
    "change",
    [
        lambda q: setattr(q, "hidden", True),
        lambda q: setattr(q, "deleted_at", utcnow()),
    ],
    ids=["hidden", "deleted"],
)
def test_hidden_or_deleted_questions_leave_the_index(create_question, change):
    question = create_question("Digitala lås på boendet", answers=("Låset har batteri.",))
    change(question)
    reindex_question(question.id)
    db.session.commit()
    assert search("lås").hits == []


def test_hidden_answers_leave_the_index_but_the_question_stays(create_question):
    question = create_question("Digitala lås", answers=("Batteriet i dörren tar slut.",))
    answer = db.session.scalar(db.select(Answer).where(Answer.question_id == question.id))
    answer.hidden = True
    reindex_question(question.id)
    db.session.commit()
    assert search("batteri").hits == []
    assert ids(search("lås")) == [question.id]


def test_an_edit_replaces_the_old_text(create_question):
    question = create_question("Videosamtal med anhöriga", "Vi använder Skype.")
    question.body_source = "Vi använder Teams."
    question.body_html = render_markdown(question.body_source)
    reindex_question(question.id)
    db.session.commit()
    assert search("skype").hits == []
    assert ids(search("teams")) == [question.id]


def test_a_new_answer_is_found_after_reindex(create_question):
    question = create_question("E-learning om välfärdsteknik")
    db.session.add(
        Answer(question_id=question.id, body_source="Kursen finns i lärplattformen.",
               body_html=render_markdown("Kursen finns i lärplattformen."))
    )  # fmt: skip
    reindex_question(question.id)
    db.session.commit()
    assert ids(search("lärplattform")) == [question.id]


def index_rows() -> list[tuple]:
    """The index's documents without their ids, in id order."""
    columns = "question_id, answer_id, title_words, title_terms, body_words, body_terms, body"
    return list(db.session.execute(text(f"SELECT {columns} FROM search_document ORDER BY id")))


def rows_sent(work) -> tuple[list[tuple], list[int]]:
    """The index after ``work``, and the rows of each statement it sent (an executemany: many)."""
    sent: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(len(parameters) if executemany else 1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return index_rows(), sent


def test_a_new_answer_indexes_only_itself_and_leaves_what_a_reindex_would(create_question):
    """``index_new_answer`` (answers.create_answer) copies the question's documents to new ids
    and lemmatises only the answer: the index as a re-index leaves it (the question the newest),
    with a fixed number of rows sent, not each document, form and word of the question again."""
    said = tuple(
        f"Svar {n}: batteriet i dörrlåset laddas varje natt med laddaren." for n in range(6)
    )
    question = create_question("Digitala lås på boendet", answers=said)
    create_question("Larmet på natten", answers=("Larmet går till nattpersonalen.",))
    key = "Nyckelbrickan"
    answer = Answer(question_id=question.id, body_source=key, body_html=render_markdown(key))
    db.session.add(answer)
    db.session.flush()
    copied, new_answer = rows_sent(lambda: search_module.index_new_answer(question.id, answer))
    reindexed, again = rows_sent(lambda: reindex_question(question.id))
    # max id, copy, delete, the answer, its word, its 4 forms: 9 rows; a re-index sends 56
    assert sum(new_answer) <= 9 and sum(again) > 5 * sum(new_answer), (new_answer, again)
    assert reindexed == copied
    assert [row.question_id for row in copied][-8:] == [question.id] * 8
    db.session.commit()
    assert ids(search("nyckelbricka")) == [question.id]


def test_rebuild_indexes_only_visible_content(create_question):
    visible = create_question("Lösenord på delade datorer", answers=("Byt lösenordet ofta.",))
    hidden = create_question("Lösenordet syns", hidden=True)
    db.session.execute(db.text("DELETE FROM search_document"))
    assert search("lösenord").hits == []
    assert rebuild_index() == 2
    db.session.commit()
    assert set(ids(search("lösenord"))) == {visible.id}
    assert hidden.id not in ids(search("syns"))


def test_snippets_escape_html_and_mark_hits(create_question):
    create_question(
        "Varför visas <script>alert(1)</script> i mötet?",
        'I mötet skrev jag <script>alert("x")</script> och <img src=x onerror=alert(1)>.',
    )
    hit = search("möte").hits[0]
    title, snippet = str(hit.title_html), str(hit.snippet_html)
    assert "<script>" not in title and "<script>" not in snippet and "<img" not in snippet
    assert "&lt;script&gt;" in title and "&lt;script&gt;" in snippet
    assert "<mark>mötet</mark>" in title and "<mark>mötet</mark>" in snippet


def test_the_page_marks_its_hits_without_the_lexicon(create_question, monkeypatch):
    # The written words of each term were stored when the post was indexed (search_form).
    create_question("Läkemedelsrobotarna larmar", "Roboten på boendet larmar i onödan.")

    def lexicon_at_query_time(word):
        raise AssertionError(f"the lexicon was asked about {word!r} while the page was made")

    monkeypatch.setattr(search_module, "index_terms", lexicon_at_query_time)
    hit = search("läkemedelsrobot").hits[0]
    assert "<mark>Läkemedelsrobotarna</mark>" in str(hit.title_html)
    hit = search("robot boende").hits[0]
    assert str(hit.snippet_html).startswith("<mark>Roboten</mark> på <mark>boendet</mark> larmar")


def test_an_index_made_before_the_word_forms_marks_through_the_lexicon(create_question):
    create_question("Läkemedelsrobotarna larmar", "Roboten på boendet larmar i onödan.")
    db.session.execute(text("DELETE FROM search_form"))
    db.session.commit()
    hit = search("robot").hits[0]
    assert "<mark>Läkemedelsrobotarna</mark>" in str(hit.title_html)
    assert "<mark>Roboten</mark>" in str(hit.snippet_html)


def test_a_long_body_is_cut_around_the_first_hit(create_question):
    filler = " ".join(f"ord{n}" for n in range(200))
    create_question("Fråga", f"{filler} här kommer trygghetslarmet {filler}")
    snippet = str(search("trygghetslarm").hits[0].snippet_html)
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>trygghetslarmet</mark>" in snippet and len(snippet) < 400


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    "'",
    "*",
    "-",
    "-möte",
    "möte*",
    '"möte',
    "möte OR lås",
    "NOT möte",
    "möte AND",
    "NEAR(möte lås)",
    "title_terms:möte",
    "^möte",
    "möte:*",
    "möte & | ! ( ) <->",
    "möte\x00lås",
    "\x00",
    "😀 möte 🎉",
    "ö" * 500,
    "möte " * 100,
    "och att det",
    "'; DROP TABLE question; --",
    "%_%",
    "\\",
    "{möte}",
    "a",
    "x" * 10_000,
    "!!! ??? ... ,,,",
    "möte NEAR lås",
    "NEAR",
    "OR",
    "möte:",
    ":möte",
    "SELECT * FROM question WHERE 1=1",
    "1; DELETE FROM search_document",
    "漢字 мир Ωμέγα möte",
    "مرحبا",
    "mö\u200bte",
    "\u200b\u200c\u200d\ufeff",
    "möte\u202e",
    "😀",
    "surfplatan" * 4,
    "möte " + "abcdefghijklmnopqrstuvwxyzåäö" * 2,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break(create_question, query):
    create_question("Mötet om lås")
    page = search(query)
    assert page.total == len(page.hits)


def test_operators_are_plain_words(create_question):
    question = create_question("Mötet om lås")
    assert ids(search('"mötet" -lås*')) == [question.id]
    assert search("NOT möte").hits == []  # "not" is a word here, and no post has it


QUERIES_FOR_NAMES = ("ann", "åBE", "åsa lind", "lind-ö", "nna", "")


def test_people_by_name_prefix_any_case(create_user):
    """The directory's own name rule (whole name or surname), as /katalog?q= finds people."""
    anna = create_user(name="Anna Åberg")
    asa = create_user(name="Åsa Lind-Öberg")
    create_user(name="Bertil Svensson")
    create_user(name="Anna Gone", active=False)
    found = {query: [p.id for p in search_people(query).hits] for query in QUERIES_FOR_NAMES}
    assert found == {"ann": [anna.id], "åBE": [anna.id], "åsa lind": [asa.id],
                     "lind-ö": [asa.id], "nna": [], "": []}  # fmt: skip
    assert search_people("ann").hits[0].name == "Anna Åberg"


def test_search_rebuild_command(app, create_question):
    question = create_question("Trygghetslarmet piper")
    db.session.execute(db.text("DELETE FROM search_document"))
    result = app.test_cli_runner().invoke(args=["hub", "search-rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 dokument" in result.output
    assert ids(search("trygghetslarm")) == [question.id]


def test_a_rebuild_leaves_each_fts_table_in_one_segment(app, create_question):
    """SQLite looks each query term up once per segment of an FTS5 table; a rebuild made one
    per batch and per delete (10-18 on the demo forum) and now merges them."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    for n in range(6):
        create_question(f"Trygghetslarmet nummer {n}", answers=("Byt batteriet.",))
    result = app.test_cli_runner().invoke(args=["hub", "search-rebuild"])
    assert result.exit_code == 0, result.output
    segments = {
        table: db.session.scalar(text(f"SELECT count(DISTINCT segid) FROM {table}_idx"))
        for table in search_module.FTS_TABLES
    }
    assert max(segments.values()) == 1, segments  # (none for an empty table)


def test_the_warm_up_reads_the_search_indexes_in_bulk(app, monkeypatch):
    """PostgreSQL with pg_prewarm (migration 0037): what a first search reads is read before
    the workers start, within a budget; SQLite has nothing to read ahead."""
    with db.engine.connect() as connection:
        read = search_module.prewarm_index(connection)
        if db.engine.dialect.name == "sqlite":
            assert read == 0
            return
        assert 0 < read <= search_module.PREWARM_BLOCKS
        monkeypatch.setattr(search_module, "PREWARM_BLOCKS", 5)
        assert search_module.prewarm_index(connection) == 5


def test_the_warm_up_reads_within_a_table_cut_short_since_its_size_was_read(app, monkeypatch):
    """VACUUM may cut empty pages off a table's end between the sizes read and the reading: the
    reading keeps within the size it finds then (pg_prewarm refused, a DataError, in a test run)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("pg_prewarm: PostgreSQL only")
    grown = (
        f"SELECT relname, size + 50 FROM ({search_module.PREWARM_SIZES_SQL}) AS s (relname, size)"
    )
    monkeypatch.setattr(search_module, "PREWARM_SIZES_SQL", grown)
    with db.engine.connect() as connection:
        assert 0 < search_module.prewarm_index(connection) <= search_module.PREWARM_BLOCKS


def test_the_worker_warm_up_sends_each_kind_of_search_statement(create_question, count_queries):
    create_question("Lösenordet på surfplattan", "Vi byter lösenordet varje månad.")
    with count_queries() as counter:
        search_module.warm_search()
    # PostgreSQL: the planner's statistics (pg_stats) are read once per worker, by the first
    # search of any test; they name the filters' columns too.
    sent = [sql for sql in counter.statements if "pg_stats" not in sql]
    joined = "\n".join(sent)
    filtered = sum("answer_count" in sql or "answered" in sql for sql in sent)
    assert filtered == 1  # the pools, with and without a filter
    for statement in ("count(", "search_word", "search_document d", "search_form"):
        assert statement in joined
