"""The search SQL uses the full-text index: FTS5 on SQLite, the GIN index on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import insert, text

from hub.extensions import db
from hub.forum import search_plan
from hub.forum.search import (
    DriverSql,
    PostgresBackend,
    remove_question,
    search,
    similar_questions,
)
from tests.plans import sqlite_plan, statements_sent


def plans(statements) -> list[str]:
    connection = db.session.connection()
    out = []
    for statement, parameters in statements:
        if isinstance(parameters, list):  # positional, for a driver's cursor
            parameters = tuple(parameters)
        if db.engine.dialect.name == "sqlite":
            out.append(sqlite_plan(statement, parameters))
        else:
            # On a small table the planner may rightly prefer any other index and filter; what
            # matters is that the full-text index *can* serve the query, so leave it only that.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            out.append("\n".join(row[0] for row in rows))
    return out


# PostgreSQL's GIN indexes: the tiers' narrow tables (migration 0029), the similar questions'.
FULLTEXT_INDEXES = ("words_words", "terms_terms", "title_words", "title_terms", "document_tsv")


@pytest.mark.parametrize(
    "options", [{}, {"answered": True}, {"category_id": 1, "tag_slug": "lås"}, {"page": 2}]
)
def test_search_uses_the_fulltext_index(create_question, options):
    for n in range(30):
        create_question(f"Mötet nummer {n}", answers=("Låset på mötet.",))
    with statements_sent("search_") as statements:
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
        for table in ("search_document", "search_words", "search_terms", "search_title"):
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
                "SELECT w.words::text, v.terms::text, t.words::text FROM search_terms v"
                " JOIN search_words w ON w.id = v.id"
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


def pool_plans(reading: str = "search_title") -> dict[str, tuple[int, int]]:
    """The connection's prepared pool statements (those ``reading`` a table, by default the
    forum's): (generic plans, custom plans) each."""
    rows = db.session.execute(
        text(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE :reading"
        ),
        {"reading": f"%{reading}%"},
    )
    return {statement: (generic, custom) for statement, generic, custom in rows}


def plans_since(
    before: dict[str, tuple[int, int]], reading: str = "search_title"
) -> dict[str, tuple[int, int]]:
    """The prepared statements whose plans changed since ``before`` (``pool_plans``), with the
    (generic, custom) plans made since: an earlier test on this connection may have prepared
    the same statement, and its counts are the connection's totals."""
    changed = {}
    for statement, plans in pool_plans(reading).items():
        earlier = before.get(statement, (0, 0))
        if plans != earlier:
            changed[statement] = (plans[0] - earlier[0], plans[1] - earlier[1])
    return changed


@pytest.fixture
def gin_only(monkeypatch):
    """Every search's first page from the tier tables' GIN indexes and walks, as several words
    and any filter read it: a one-word query without filters reads ``search_posting``."""
    monkeypatch.setattr(PostgresBackend, "in_postings", staticmethod(lambda *_: False))


@pytest.mark.parametrize(
    "filters", [{}, {"answered": True}, {"category_id": "own"}, {"tag_slug": "lås"}]
)
def test_the_pool_statement_runs_one_plan_for_any_words(
    create_question, category, filters, gin_only
):
    """Each tier's plan is chosen in Python (``hub.forum.search_plan``) and written into the
    statement with the words and filters out of the planner's sight, so the statement is
    prepared and, after a few executions on a connection, runs PostgreSQL's one generic plan:
    no planning per search (it cost 0.4-0.9 ms of server time each)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    if filters.get("category_id") == "own":
        filters = {"category_id": category.id}
    create_question("Surfplattan laddar inte", answers=("Byt laddaren.",))
    before = pool_plans()
    for _ in range(4):
        for query in ("surfplattan", "laddaren", "installation", "surfplattan laddar"):
            search(query, **filters)
    changed = plans_since(before)
    assert len(changed) == 1  # one statement for every word
    [(generic, custom)] = changed.values()
    assert custom <= 5 and generic >= 11


def test_the_meetings_and_topics_statement_is_one_prepared_statement_for_any_words(
    app, create_user
):
    """Meetings and topics are few: their pools' plan for any words (GIN's lists, sorted) is
    the one PostgreSQL makes for each word's, so their one statement is prepared and, at the
    bench's sizes, runs the generic plan: no planning per search (0.26-0.35 ms of server time
    at large; bench/search_server.py). The text is what is pinned: whether PostgreSQL keeps the
    generic plan is its costing of the data and of the statement's earlier custom plans on this
    connection, which earlier tests' data sway (as in tests/forum/test_start_plans.py)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from hub.forum.search_items import MEETING, TOPIC, search_items

    before = pool_plans("FROM search_item d")
    for _ in range(4):
        for query in ("möte", "larmet", "surfplattan laddar", "installation"):
            search_items(query, (MEETING, TOPIC), 5)
    changed = plans_since(before, "FROM search_item d")
    assert len(changed) == 1  # one statement for every word, both kinds
    [(generic, custom)] = changed.values()
    # Prepared from its sixth use (psycopg), or from the first if an earlier test prepared it.
    assert 11 <= generic + custom <= 16


@pytest.fixture
def analysed(create_question, monkeypatch, gin_only):
    """A forum where "surfplattan" is in every post and "läkemedelsroboten" in one, analysed (in
    the test's transaction), with the statistics read afresh."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    for n in range(40):
        create_question(f"Surfplattan nummer {n}", "Surfplattan laddar.", answers=("Surfplattan.",))
    create_question("Läkemedelsroboten larmar", "Läkemedelsroboten piper.")
    db.session.execute(text("ANALYZE search_words"))
    db.session.execute(text("ANALYZE search_terms"))
    db.session.execute(text("ANALYZE search_title"))
    monkeypatch.setattr(search_plan, "MIN_ROWS", 0)
    search_plan.forget()
    yield
    search_plan.forget()


def pool_statement(query: str) -> tuple[str, dict]:
    with statements_sent("search_") as statements:
        search(query)
    pools = [s for s in statements if "search_title" in s[0]]
    assert len(pools) == 1
    return pools[0]


def pool_plan(query: str, *off: str) -> str:
    pools = [pool_statement(query)]
    connection = db.session.connection()
    # A table this small is cheaper to read whole (or by a bitmap of its keys) and sort: leave
    # the planner the ways it takes on a big one.
    for setting in ("seqscan", *off):
        connection.exec_driver_sql(f"SET LOCAL enable_{setting} = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {pools[0][0]}", pools[0][1])
    return "\n".join(row[0] for row in rows)


def test_a_common_word_walks_the_newest_rows_and_a_rare_one_reads_gin(analysed):
    stats = search_plan.statistics(DriverSql().rows)
    assert stats.rows == {"search_words": 81, "search_terms": 81, "search_title": 41}
    assert stats.shares[("search_words", "words")]["surfplattan"] == pytest.approx(80 / 81)
    assert stats.answered["search_terms"] == pytest.approx(80 / 81)
    common = pool_plan("surfplattan", "bitmapscan")
    assert "Index Scan Backward using search_words_pkey" in common, common
    assert "ix_search_words" not in common.split("CTE")[1]  # the walk itself reads no GIN
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = on")
    rare = pool_plan("läkemedelsroboten")
    # the statistics put it in 80 documents: no count
    with statements_sent("search_") as statements:
        assert PostgresBackend().hit_count(("surfplattan",), 3) == 3
    assert statements == []
    assert "ix_search_terms_terms" in rare, rare
    # Its tiers walk back no ids: all its hits come from GIN's lists.
    _, params = pool_statement("läkemedelsroboten")
    assert [params[f"s{n}"] for n in range(4)] == [0, 0, 0, 0]
    _, params = pool_statement("surfplattan")
    assert params["s3"] > 0


def test_walked_and_listed_words_share_one_generic_plan(analysed):
    """A walked widest tier is counted from its walk, a listed one from its pool (the branches
    run under a value the planner does not see): the statement still runs one generic plan for
    both kinds of words, not a custom plan per search."""
    before = pool_plans()
    for _ in range(4):
        for query in ("surfplattan", "läkemedelsroboten", "surfplattan laddar", "larmar"):
            search(query)
    changed = plans_since(before)
    assert len(changed) == 1
    [(generic, custom)] = changed.values()
    assert custom <= 5 and generic >= 11, (generic, custom)


def test_walked_and_listed_tiers_share_one_statement(analysed):
    """Whichever way each tier reads, the statement's text is the same: a connection plans it
    once (five custom plans, then the generic one), not once per mix of walks and lists."""
    common, _ = pool_statement("surfplattan")
    rare, _ = pool_statement("läkemedelsroboten")
    assert common == rare


def test_a_page_full_of_title_hits_reads_no_lesser_tier(create_question, gin_only):
    """The tiers are read best first and only as far as the page needs (``FIRST_PAGE_SQL``):
    with twenty titles holding the word as written, the tier of words anywhere and of base
    forms in titles is not read."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    for n in range(22):
        create_question(f"Surfplattan nummer {n}", answers=("Surfplattan laddar.",))
    loops = subplan_loops(*pool_statement("surfplattan"))
    # The widest tier's pool is read for the count (a listed word: see wide_hits), not the page.
    assert loops["CTE p1"] == 0 and loops["CTE p0"] == 1, loops
    page = search("surfplattan")
    assert len(page.hits) == 20 and page.total == 44


def test_a_walk_that_falls_short_is_counted_on_from_gin_not_from_the_pool(analysed, monkeypatch):
    """A common word's walk can find fewer hits than the count's cap in its span (the newest
    rows rarer in the word than the statistics say). What it lacks is counted from GIN's list
    in any order: the widest tier's pool, which reads every older hit and sorts it (at xlarge
    21,836 buffers for "surfplattan"), is read only if the page needs it."""
    monkeypatch.setattr(search_plan, "walk_rows", lambda *_: 10)  # every tier walks 10 ids
    sql, params = pool_statement("surfplattan")
    assert params["s3"] == 10
    loops = subplan_loops(sql, params)
    assert loops["CTE w3"] == 1 and loops["CTE p0"] == 1 and loops["CTE p2"] == 0, loops
    page = search("surfplattan")
    assert len(page.hits) == 20 and page.total == 80


def subplan_loops(sql: str, params: dict) -> dict[str, int]:
    """How many times each CTE and subplan of the statement ran (EXPLAIN ANALYZE)."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
    loops = {}

    def visit(node: dict) -> None:
        if "Subplan Name" in node:
            loops[node["Subplan Name"]] = node["Actual Loops"]
        for child in node.get("Plans", []):
            visit(child)

    visit(cursor.fetchone()[0][0]["Plan"])
    return loops


def test_a_word_surely_over_the_cap_is_not_counted(analysed, monkeypatch):
    """A one-word query without filters that the statistics put in ten times the cap's
    documents is not counted (``PostgresBackend.surely_over``): the page says "over 100"
    either way, and neither the widest tier's walk nor its pool runs for a count. Two words
    (their shares together a guess) are counted."""
    monkeypatch.setattr(search_plan, "SURE", 0.5)  # 80 documents: surely over 101 × 0.5
    sql, params = pool_statement("surfplattan")
    assert params["sure"] is True
    loops = subplan_loops(sql, params)
    assert loops["CTE p0"] == 1 and loops["CTE w3"] == 0 and loops["CTE p2"] == 0, loops
    page = search("surfplattan")
    assert page.total_capped and len(page.hits) == 20
    for query, options in (("surfplattan laddar", {}), ("surfplattan", {"answered": True})):
        with statements_sent("search_") as statements:
            search(query, **options)
        [(_, params)] = [s for s in statements if "search_title" in s[0]]
        assert params["sure"] is False, query


@pytest.fixture
def items_analysed(app):
    """The meetings' and topics' index as at 10x the data, small: 400 meetings titled
    "Nätverksträff n" (as the demo's), one about "läkemedelsroboten" and two topics, analysed
    (in the test's transaction), with the statistics read afresh."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from hub.forum.search_items import meeting_rows, search_item
    from hub.meetings.models import Network
    from tests.search.test_sections import make_meeting

    network = Network(slug="natverk-planer", name="Halland", rhythm_months=3)
    db.session.add(network)
    db.session.flush()
    meeting = make_meeting(network, "Vårträffen")
    rows = []
    for n in range(400):
        held = SimpleNamespace(
            id=meeting.id, title=f"Nätverksträff {n}", agenda_html="<p>Erfarenheter</p>",
            minutes_html="",
        )  # fmt: skip
        rows += meeting_rows(held, [])
    robot = SimpleNamespace(
        id=meeting.id, title="Läkemedelsroboten", agenda_html="", minutes_html=""
    )
    topics = [SimpleNamespace(id=None, text=t) for t in ("Nätverkets framtid", "Larmet")]
    rows += meeting_rows(robot, topics)
    db.session.execute(insert(search_item), rows)
    db.session.execute(text("ANALYZE search_item"))
    search_plan.forget()
    yield
    search_plan.forget()


def items_statement(query: str) -> tuple[str, dict]:
    from hub.forum.search_items import MEETING, TOPIC, search_items

    with statements_sent("search_") as statements:
        search_items(query, (MEETING, TOPIC), 5)
    pools = [s for s in statements if "FROM search_item d" in s[0]]
    assert len(pools) == 1
    return pools[0]


def scan_rows(sql: str, params: dict) -> int:
    """The rows the statement's scans of tables read (returned, and removed by a filter), as
    EXPLAIN ANALYZE counts them: not the CTEs' and subqueries' rows again."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)

    def read(node: dict) -> int:
        own = 0
        if "Relation Name" in node:
            own = node["Actual Loops"] * (
                node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            )
        return own + sum(read(child) for child in node.get("Plans", []))

    return read(cursor.fetchone()[0][0]["Plan"])


def test_a_word_in_every_meeting_walks_the_newest_meetings_not_every_one(
    items_analysed, monkeypatch
):
    """A word in every meeting's title ("nätverket": "nätverk" is a title term of each) walks
    the newest meetings until its tiers' pools are full, and the topics' part reads the topics
    alone: 400 meetings read four times over before (GIN's list of every hit, sorted, the
    topics' part dropping every meeting's row), 5,000 a tier at 10x the data."""
    from hub.forum.search_items import MEETING, TOPIC, search_items

    sql, params = items_statement("nätverket")
    assert params["s0_3"] > 0 and params["s1_3"] > 0  # both walk: the two topics by their index
    # The two walked tiers' pools (101 each), the topics, the kinds' newest ids: 1,600 before.
    assert scan_rows(sql, params) < 250
    walked = search_items("nätverket", (MEETING, TOPIC), 5)
    monkeypatch.setattr(search_plan, "item_walk", lambda *_: 0)  # every tier from GIN's list
    search_plan.forget()  # the walks chosen are kept with the statistics
    listed_sql, listed = items_statement("nätverket")
    assert listed_sql == sql and listed["s0_3"] == 0  # one statement for any words, either way
    assert search_items("nätverket", (MEETING, TOPIC), 5) == walked
    assert walked[0].total == 101 and walked[1].total == 1


def test_a_word_in_every_agenda_reads_no_meeting_for_the_title_tiers(items_analysed):
    """ "erfarenheter" is in every meeting's agenda and in no title: the title tiers have vectors
    of their own (migration 0054), whose statistics know that, and list nothing; with one
    weighted vector the word looked common to them too, and they read every meeting from GIN's
    list after a short walk (2 x 400 rows here)."""
    sql, params = items_statement("erfarenheter")
    assert params["s0_0"] == 0 and params["s0_2"] == 0  # the title tiers: GIN's (empty) lists
    assert params["s0_1"] > 0 and params["s0_3"] > 0  # words anywhere: walked
    assert scan_rows(sql, params) < 250


def test_a_rare_word_reads_each_kinds_own_gin_list(items_analysed):
    sql, params = items_statement("läkemedelsroboten")
    assert all(params[f"s{part}_{n}"] == 0 for part in (0, 1) for n in range(4))
    assert scan_rows(sql, params) < 40  # its hits, and a few rows at the kinds' newest ends
    connection = db.session.connection()
    for setting in ("seqscan", "indexscan"):  # a table this small: leave it GIN's lists
        connection.exec_driver_sql(f"SET LOCAL enable_{setting} = off")
    plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params))
    # The meetings' own list (the two topics are read by their kind's ids, rightly, at any size)
    assert "ix_search_item_meeting_tsv" in plan, plan
    assert "Seq Scan on search_item" not in plan, plan


def index_rows(sql: str, params: dict) -> dict[str, int]:
    """The rows each index's scans read (returned, and removed by a filter), as EXPLAIN ANALYZE
    counts them; a scan never run reads none."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
    found: dict[str, int] = {}

    def read(node: dict) -> None:
        if "Index Name" in node:
            own = node["Actual Loops"] * (
                node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            )
            found[node["Index Name"]] = found.get(node["Index Name"], 0) + own
        for child in node.get("Plans", []):
            read(child)

    read(cursor.fetchone()[0][0]["Plan"])
    return found


def test_a_kind_without_the_word_reads_no_walk_nor_list(items_analysed):
    """A kind none of whose items holds the words in any form (the widest tier: one look at its
    GIN index) reads no newest id, no walk and no list: most searches find no meeting nor
    topic, and read 42 buffers for it at large before, 5 now. A kind with the word is read as
    before. (Here the two topics are read by their kind's index, whose filter a missing tsquery
    does not stop; at large their GIN lists, which stop.)"""
    from hub.forum.search_items import MEETING, TOPIC, Section, search_items

    sql, params = items_statement("dammsugare")
    read = index_rows(sql, params)
    # The meetings' newest id and walks (the key), and their lists (GIN): no row.
    meetings = sum(n for name, n in read.items() if name.startswith("ix_search_item_meeting_"))
    assert meetings == 0 and read.get("search_item_pkey", 0) == 0, read
    assert search_items("dammsugare", (MEETING, TOPIC), 5) == [Section(), Section()]
    larmet = search_items("larmet", (MEETING, TOPIC), 5)  # a topic, in no meeting
    assert (larmet[0].total, larmet[1].total) == (0, 1)
    assert "Larmet" in larmet[1].hits[0].title_html
    sql, params = items_statement("larmet")
    read = index_rows(sql, params)
    meetings = sum(n for name, n in read.items() if name.startswith("ix_search_item_meeting_"))
    assert meetings == 0 and read.get("search_item_pkey", 0) == 0, read


def test_the_forum_gin_indexes_keep_their_pending_lists_short(app):
    """Every scan of a GIN index reads its pending list whole (migration 0050): at the bench's
    xlarge data set 237 pages of it, 448 buffers for a word without hits. The limit keeps it to
    8 pages."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    names = ["ix_search_title_words", "ix_search_title_terms", "ix_search_words_words",
             "ix_search_terms_terms", "ix_search_document_tsv", "ix_search_word_trgm"]  # fmt: skip
    rows = db.session.execute(
        text("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
        {"names": names},
    )
    assert dict(rows.all()) == {name: ["gin_pending_list_limit=64"] for name in names}


def test_the_statements_of_every_search_keep_their_conversion_in_psycopg():
    """psycopg keeps a text's conversion for the server (placeholders to $n) only up to
    MAX_CACHED_STATEMENT_LENGTH bytes, and converts a longer one again on every execute (the
    meetings' and topics' pools at 4.7 kB: ~70 µs of the worker's CPU a search). The posts'
    first page (without filters, answered or not, in a category) and the items' pools stay
    under it."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from hub.forum.search import (
        ITEMS,
        PYFORMAT,
        Filters,
        first_page_sql,
        item_pools_sql,
        postings_first_page_sql,
    )
    from hub.forum.search_items import MEETING, TOPIC

    for kinds in ((MEETING, TOPIC), (MEETING,), (TOPIC,)):
        assert len(item_pools_sql(kinds, ITEMS).encode()) <= MAX_CACHED_STATEMENT_LENGTH
    assert len(postings_first_page_sql().encode()) <= MAX_CACHED_STATEMENT_LENGTH
    for filters in (Filters(), Filters(answered=True), Filters(answered=False), Filters(1)):
        where, _ = filters.sql(PYFORMAT, narrow=True)
        assert len(first_page_sql(where).encode()) <= MAX_CACHED_STATEMENT_LENGTH
