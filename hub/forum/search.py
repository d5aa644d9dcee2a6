"""Full-text search over questions and answers, and people by name.

The forum calls ``reindex_question`` after every change to a question or its answers (create, edit,
delete, hide, merge), in the same transaction. The index holds visible content only, one document
per question or answer, with its text normalised by ``hub.forum.lemmas`` in Python so that SQLite
(FTS5) and PostgreSQL (a tsvector ``simple`` with GIN) agree on what matches. The tables are made by
migrations 0005 and 0012 and kept out of the models' metadata.

Ranking is the same on both dialects, because it is decided here and not by bm25 or ts_rank: each
hit gets a *tier* (every query word as written in the title; as written anywhere, or in its base
forms in the title; in any form anywhere; a typo's correction), then questions with an accepted or
helpful answer come first within a tier, then the newest.

Interface: ``reindex_question``, ``remove_question``, ``rebuild_index``, ``optimize_index``
(after ``rebuild_index`` and ``search_items.rebuild_items``), ``prewarm_index`` (at start),
``search`` (a ``SearchPage`` of ``SearchHit``) and ``similar_questions``; meetings, topics and
people are in ``hub.forum.search_items``.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter

from markupsafe import Markup
from psycopg.types.numeric import Int8
from rapidfuzz.distance import OSA
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
)

from hub.core.db import reading_connection
from hub.core.driver_rows import cursor_rows
from hub.extensions import db
from hub.forum import search_plan
from hub.forum.lemmas import STOPWORDS, WORD_RE, index_terms, index_text, query_terms, words
from hub.forum.models import Answer, Question

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
# How many of the newest hits per tier are ranked; counting stops there too, and past it the page
# says "over 100 hits".
POOL = 100
COUNT_CAP = POOL
SNIPPET_WORDS = 30
# A hit further into a long post than this is not looked for; its opening is shown instead.
MAX_SNIPPET_SCAN = 2000
REBUILD_BATCH = 500
# Typo tolerance: a word with fewer hits than FEW_HITS is tried against the index's words one edit
# away, two from LONG_WORD letters on. Each edit leaves one of edits + 1 pieces of the word whole,
# and a piece must have three letters for a trigram index to find it: hence the lengths.
FEW_HITS = 3
TYPO_MIN_LENGTH = 6
LONG_WORD = 9
MAX_CANDIDATES = 2000

# Tiers, best first.
TITLE_EXACT, EXACT_OR_TITLE, ANY_FORM, TYPO = range(4)

# Core-only description for inserts and deletes; deliberately not in db.metadata (see
# migrations 0005 and 0012 for the real, dialect-specific tables).
_search_metadata = MetaData()
search_document = Table(
    "search_document",
    _search_metadata,
    Column("id", Integer, primary_key=True),
    Column("question_id", Integer, nullable=False),
    Column("answer_id", Integer),
    Column("title_words", Text, nullable=False),
    Column("title_terms", Text, nullable=False),
    Column("body_words", Text, nullable=False),
    Column("body_terms", Text, nullable=False),
    Column("body", Text, nullable=False),
)
SEARCH_TABLES = frozenset(
    {
        "search_document",
        "search_fts",
        "search_title_fts",
        "search_word",
        "search_word_trigram",
        "search_form",
        "search_item",
        "search_title",
        "search_words",
        "search_terms",
        "search_item_fts",
        "search_words_fts",
        "search_posting",
    }
)
SHADOW_PREFIXES = (
    "search_fts_",
    "search_title_fts_",
    "search_words_fts_",
    "search_word_trigram_",
    "search_item_fts_",
)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search tables (and FTS5's shadow tables) are not in the models."""
    if type_ == "table" and name:
        return name not in SEARCH_TABLES and not name.startswith(SHADOW_PREFIXES)
    return True


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    question_id: int
    answer_id: int | None
    title: str
    title_html: Markup
    snippet_html: Markup

    @property
    def in_answer(self) -> bool:
        return self.answer_id is not None


@dataclass
class SearchPage:
    """One page of hits, shaped like a pagination object for the ``pagination`` macro."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    searched: bool = False  # False when the query held no searchable word
    corrected: str | None = None  # the query as searched after typo correction, if it was
    # The written forms read for a set of terms (``hit_test``), for the sections to mark with.
    forms: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)
    # The kinds of meetings' and topics' items (ITEM_KINDS) of which some holds the query's
    # words in some form, when the posts' statement looked (``FirstPage.item_kinds``); None:
    # not looked. A kind not among them has no hit: its section needs no statement.
    item_kinds: frozenset[str] | None = None

    @property
    def total_capped(self) -> bool:
        """More hits than we count; ``total`` then reads COUNT_CAP + 1."""
        return self.total > COUNT_CAP

    @property
    def shown_total(self) -> int:
        return min(self.total, COUNT_CAP)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.shown_total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class SimilarQuestion:
    id: int
    title: str


# --- Indexing ------------------------------------------------------------------------------------


def plain_text(html: str) -> str:
    """Text of sanitised HTML, entities decoded, whitespace collapsed."""
    return Markup(html).striptags()  # noqa: S704  (only read as text, never output)


def written_words(text: str) -> str:
    """A text's words as written (lower case, no stopwords): what an exact match is made of."""
    return " ".join(words(text))


def question_rows(question, answers: Iterable) -> list[dict]:
    """The index documents for a visible question and its visible answers (any objects with
    ``id``, ``title``/``body_html``: ORM instances or rows)."""
    body = plain_text(question.body_html)
    rows = [
        {
            "question_id": question.id,
            "answer_id": None,
            "title_words": written_words(question.title),
            "title_terms": index_text(question.title),
            "body_words": written_words(body),
            "body_terms": index_text(body),
            "body": body,
        }
    ]
    rows.extend(answer_row(question.id, answer) for answer in answers)
    return rows


def answer_row(question_id: int, answer) -> dict:
    """An answer's index document (``id`` and ``body_html``: an ORM instance or a row)."""
    body = plain_text(answer.body_html)
    return {
        "question_id": question_id,
        "answer_id": answer.id,
        "title_words": "",
        "title_terms": "",
        "body_words": written_words(body),
        "body_terms": index_text(body),
        "body": body,
    }


def remember_words(rows: list[dict]) -> None:
    """Add the documents' words to the vocabulary the typo fallback looks in, and each word's
    terms to ``search_form``, where a result page finds the written words to mark. Words are
    never taken out: a word no post has any more finds nothing, and is then not offered."""
    vocabulary, terms, written = _vocabulary(rows)
    if db.session.get_bind().dialect.name == "postgresql":
        if written:  # one statement, each table's rows as arrays: not one per word and form
            db.session.execute(_REMEMBER_PG, _vocabulary_params(vocabulary, terms, written))
        return
    if vocabulary:
        db.session.execute(
            text("INSERT INTO search_word (word) VALUES (:word) ON CONFLICT (word) DO NOTHING"),
            [{"word": word} for word in vocabulary],
        )
    if terms:
        db.session.execute(
            text(
                "INSERT INTO search_form (term, word) VALUES (:term, :word) ON CONFLICT DO NOTHING"
            ),
            [{"term": term, "word": word} for term, word in zip(terms, written, strict=True)],
        )


def _vocabulary(rows: list[dict]) -> tuple[list[str], list[str], list[str]]:
    """The words for ``search_word``, and ``search_form``'s (term, word) pairs as two lists, each
    sorted (concurrent writers then take the rows' locks in one order)."""
    written = {word for row in rows for word in f"{row['title_words']} {row['body_words']}".split()}
    vocabulary = sorted(w for w in written if len(w) >= TYPO_MIN_LENGTH - 1 and not w.isdigit())
    # The terms were worked out for the index a moment ago: index_terms has them cached.
    pairs = [(term, word) for word in sorted(written) for term in index_terms(word)]
    return vocabulary, [term for term, _ in pairs], [word for _, word in pairs]


def _vocabulary_params(vocabulary: list[str], terms: list[str], written: list[str]) -> dict:
    return {"vocabulary": vocabulary, "terms": terms, "written": written}


# PostgreSQL: the vocabulary's two inserts as common table expressions, {when} a condition.
_VOCABULARY_PG = """
    vocabulary AS (
        INSERT INTO search_word (word)
        SELECT word FROM unnest(CAST(:vocabulary AS text[])) AS v(word) {when}
        ON CONFLICT (word) DO NOTHING),
    forms AS (
        INSERT INTO search_form (term, word)
        SELECT term, word
        FROM unnest(CAST(:terms AS text[]), CAST(:written AS text[])) AS f(term, word) {when}
        ON CONFLICT DO NOTHING)"""
_REMEMBER_PG = text(f"WITH {_VOCABULARY_PG.format(when='')} SELECT 1")


VISIBLE_QUESTIONS = (
    select(Question.id, Question.title, Question.body_html)
    .where(Question.deleted_at.is_(None), Question.hidden.is_(False))
    .where(Question.merged_into_id.is_(None))
)


def visible_answers(question_ids: Sequence[int]) -> Select:
    return (
        select(Answer.id, Answer.question_id, Answer.body_html)
        .where(Answer.question_id.in_(question_ids), Answer.deleted_at.is_(None))
        .where(Answer.hidden.is_(False))
        .order_by(Answer.id)
    )


def reindex_question(question_id: int) -> None:
    """Bring the search index in step with a question and its answers (flushes, never commits)."""
    session = db.session
    session.flush()
    remove_question(question_id)
    question = session.execute(VISIBLE_QUESTIONS.where(Question.id == question_id)).first()
    if question is None:
        return
    answers = session.execute(visible_answers([question_id])).all()
    rows = question_rows(question, answers)
    session.execute(insert(search_document), rows)
    remember_words(rows)


def index_new_answer(question_id: int, answer) -> None:
    """A new answer: the question's documents as ``reindex_question`` would write them, with only
    the answer lemmatised. The others are copied as they are, in their order, to new ids (so the
    question becomes the newest, as a re-index makes it) and the old rows deleted: on PostgreSQL
    one statement with its triggers, not each document deleted and inserted again with its
    forms and words (some 90 statements, a third of an answer's CPU)."""
    session = db.session
    session.flush()
    if answer.hidden:  # not in the index: as it was
        reindex_question(question_id)
        return
    row = answer_row(question_id, answer)
    if session.get_bind().dialect.name == "postgresql":
        parameters = {**row, **_vocabulary_params(*_vocabulary([row]))}
        if not session.scalar(_MOVE_AND_ADD_PG, parameters):
            reindex_question(question_id)  # the question was not in the index (merged, hidden)
        return
    documents = search_document.c
    newest = select(func.max(documents.id)).where(documents.question_id == question_id)
    last = session.scalar(newest)
    if last is None:  # not in the index (merged, hidden): as it was
        reindex_question(question_id)
        return
    copied = [c for c in search_document.columns if c.name != "id"]
    session.execute(
        insert(search_document).from_select(
            [c.name for c in copied],
            select(*copied).where(documents.question_id == question_id).order_by(documents.id),
        )
    )
    session.execute(
        delete(search_document).where(documents.question_id == question_id, documents.id <= last)
    )
    session.execute(insert(search_document), [row])
    remember_words([row])


_DOCUMENT_COLUMNS = "question_id, answer_id, title_words, title_terms, body_words, body_terms, body"
# The question's documents deleted and inserted again in their order, the answer's last, to new
# ids; its words remembered; nothing written when the question has no documents (``moved`` 0).
_MOVE_AND_ADD_PG = text(
    f"""
WITH old AS (
    DELETE FROM search_document WHERE question_id = :question_id
    RETURNING id, {_DOCUMENT_COLUMNS}),
documents AS (
    SELECT 0 AS added, id, {_DOCUMENT_COLUMNS} FROM old
    UNION ALL
    SELECT 1, NULL, :question_id, :answer_id, :title_words, :title_terms, :body_words,
        :body_terms, :body
    WHERE EXISTS (SELECT FROM old)),
moved AS (
    INSERT INTO search_document ({_DOCUMENT_COLUMNS})
    SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY added, id
    RETURNING 1),
{_VOCABULARY_PG.format(when="WHERE EXISTS (SELECT FROM old)")}
SELECT count(*) FROM moved"""  # noqa: S608  (fixed names)
)


def remove_question(question_id: int) -> None:
    """Take a question and its answers out of the index."""
    db.session.execute(delete(search_document).where(search_document.c.question_id == question_id))


def rebuild_index() -> int:
    """Rebuild the whole index from the visible questions; returns the number of documents."""
    session = db.session
    session.flush()
    session.execute(delete(search_document))
    session.execute(text("DELETE FROM search_word"))
    session.execute(text("DELETE FROM search_form"))
    count, last_id = 0, 0
    while True:
        batch = session.execute(
            VISIBLE_QUESTIONS.where(Question.id > last_id)
            .order_by(Question.id)
            .limit(REBUILD_BATCH)
        ).all()
        if not batch:
            return count
        by_question: dict[int, list] = {q.id: [] for q in batch}
        for answer in session.execute(visible_answers(list(by_question))):
            by_question[answer.question_id].append(answer)
        rows = [row for q in batch for row in question_rows(q, by_question[q.id])]
        session.execute(insert(search_document), rows)
        remember_words(rows)
        count += len(rows)
        last_id = batch[-1].id


# SQLite: the FTS5 tables, each made of segments that a look-up reads one by one.
FTS_TABLES = (
    "search_fts",
    "search_title_fts",
    "search_words_fts",
    "search_word_trigram",
    "search_item_fts",
)


def optimize_index() -> None:
    """After a rebuild (or a seed): merge each FTS5 table's segments into one. A rebuild leaves
    4-24 segments per table, and a query looks each term up once per segment (the search page on
    the large demo forum: 23.1 M instructions against 20.0 M with one segment). FTS5's automerge
    keeps what later changes add small. PostgreSQL's GIN indexes need nothing of the kind."""
    if db.engine.dialect.name != "sqlite":
        return
    for table in FTS_TABLES:
        db.session.execute(text(f"INSERT INTO {table} ({table}) VALUES ('optimize')"))  # noqa: S608  (fixed names)


# PostgreSQL: what a search reads, best first, for ``prewarm_index``: the words' forms and the
# typo fallback's vocabulary, the tier tables' keys (walks), their GIN indexes (lists), the
# titles, and the newest rows of the tables a walk and a result page read (True: from the end).
PREWARM = (
    ("search_form", False),
    ("search_form_pkey", False),
    ("ix_search_word_trgm", False),
    ("search_title_pkey", False),
    ("search_words_pkey", False),
    ("search_terms_pkey", False),
    ("search_document_pkey", False),
    ("pk_question", False),
    ("ix_search_title_words", False),
    ("ix_search_title_terms", False),
    ("search_title", False),
    ("ix_search_words_words", False),
    ("ix_search_terms_terms", False),
    ("search_terms", True),
    ("search_words", True),
    ("search_document", True),
)
# At most this many 8 kB blocks in all (64 MB: 100,000 posts need about 40 MB), and of a table
# read from its end at most NEWEST_BLOCKS (a walk reads a few thousand of the newest rows).
PREWARM_BLOCKS = 8192
NEWEST_BLOCKS = 1024
PREWARM_SIZES_SQL = (
    "SELECT c.relname, pg_relation_size(c.oid) / current_setting('block_size')::int"
    " FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
    " AND c.relname = ANY(%(names)s)"
)
# The range kept within the relation's size when it is read: VACUUM may have cut empty pages off a
# table's end since the sizes were read, and pg_prewarm refuses a block past the end (a DataError).
PREWARM_SQL = (
    "SELECT coalesce((SELECT pg_prewarm(r.oid, 'read', 'main', least(%(first)s, r.blocks - 1),"
    " least(%(last)s, r.blocks - 1)) FROM (SELECT %(name)s::regclass AS oid,"
    " pg_relation_size(%(name)s::regclass) / current_setting('block_size')::int AS blocks) r"
    " WHERE r.blocks > 0), 0)"
)


def prewarm_index(connection: Connection) -> int:
    """PostgreSQL: read what a first search reads into the operating system's cache, in bulk
    (``pg_prewarm``, migration 0037), so that it does not wait for some 200 random reads from
    disk after a start (35-120 ms); the number of blocks read. Called in the warm-up before the
    workers are forked. Nothing without the extension, nor on SQLite (one file, in this
    process)."""
    if connection.dialect.name != "postgresql":
        return 0
    run = connection.exec_driver_sql
    if run("SELECT to_regproc('pg_prewarm')").scalar() is None:
        return 0
    names = [name for name, _ in PREWARM]
    sizes = dict(run(PREWARM_SIZES_SQL, {"names": names}).all())
    left, read = PREWARM_BLOCKS, 0
    for name, newest in PREWARM:
        blocks = min(sizes.get(name, 0), left, NEWEST_BLOCKS if newest else left)
        if blocks <= 0:
            continue
        first = sizes[name] - blocks if newest else 0
        bounds = {"name": name, "first": first, "last": first + blocks - 1}
        read += run(PREWARM_SQL, bounds).scalar()
        left -= blocks
    return read


# --- Searching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    """The query's words as typed and, for each, the terms (base forms) it matches."""

    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.words)


def parse_query(query: str, limit: int = MAX_QUERY_WORDS) -> ParsedQuery:
    found: dict[str, tuple[str, ...]] = {}
    for word in words(query[:MAX_QUERY_LENGTH]):
        terms = query_terms(word)
        if terms and word not in found:
            found[word] = terms
        if len(found) >= limit:
            break
    return ParsedQuery(tuple(found), tuple(found.values()))


# How the drivers name a bound value: sqlite3 ``:name``, psycopg ``%(name)s``.
Placeholder = Callable[[str], str]
COLON: Placeholder = ":{}".format
PYFORMAT: Placeholder = "%({})s".format


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None
    tag_slug: str | None = None
    answered: bool | None = None

    def sql(self, mark: Placeholder = COLON, narrow: bool = False) -> tuple[str, dict]:
        """The filters as SQL on the question ``q``, or with ``narrow`` on the row ``d`` of
        PostgreSQL's tier tables, which carry their question's category and whether it is
        answered (migration 0032), so that a walk tests them without a join."""
        clauses, params = [], {}
        on, question_id = ("d", "d.question_id") if narrow else ("q", "q.id")
        if self.category_id is not None:
            clauses.append(f"{on}.category_id = {mark('category_id')}")
            params["category_id"] = self.category_id
        if self.answered is not None and narrow:
            clauses.append("d.answered" if self.answered else "NOT d.answered")
        elif self.answered is not None:
            clauses.append("q.answer_count > 0" if self.answered else "q.answer_count = 0")
        if self.tag_slug is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM question_tag qt JOIN tag t ON t.id = qt.tag_id"  # noqa: S608  (a placeholder)
                f" WHERE qt.question_id = {question_id} AND t.slug = {mark('tag_slug')})"
            )
            params["tag_slug"] = self.tag_slug
        return "".join(f" AND {c}" for c in clauses), params


@dataclass(frozen=True)
class KindFilter:
    """Meetings or topic suggestions, in the index of both."""

    kind: str
    param: str = "kind"  # its value's name: each kind's own when several share a statement

    def sql(self, mark: Placeholder = COLON, narrow: bool = False) -> tuple[str, dict]:
        return f" AND d.kind = {mark(self.param)}", {self.param: self.kind}


def kinds_apart(kinds: Sequence[str]) -> list[KindFilter]:
    """A filter for each kind, for one statement of each kind's pools (``pools_apart``)."""
    return [KindFilter(kind, f"kind{n}") for n, kind in enumerate(kinds)]


def split_parts(rows: list[tuple], parts: int) -> list[list[tuple[int, int, int]]]:
    """``pools_apart``'s rows (part, tier, id, boost), as each part's pools (tier, id, boost)."""
    apart: list[list[tuple[int, int, int]]] = [[] for _ in range(parts)]
    for part, *pool in rows:
        apart[part].append(tuple(pool))
    return apart


@dataclass(frozen=True)
class Scope:
    """What a search walks: the forum's documents, or the meetings' and topics' items.

    Each tier reads the index whose lists hold just what it asks for, so that a word common in
    some form but rare as written costs a short list, not a filtered walk down a long one.
    """

    table: str  # the documents, aliased d
    join: str  # SQLite: what the boost and the filters need
    boost: str  # SQLite: 1 lifts a hit within its tier
    keys: str  # PostgreSQL: a tier table's row d as (id, boost), or id alone
    # SQLite: FTS5 tables of the terms, the words as written, and the titles (words and terms).
    fts: str
    words_fts: str
    title_fts: str
    # PostgreSQL: (table, tsvector column, weights) for each tier, as in tier_queries. The
    # forum's are narrow tables of their own (migration 0029): a walk or a list of hits reads
    # small rows, not the documents' text, and each row carries its question's filters and
    # boost (migration 0032).
    tsvectors: tuple[tuple[str, str, str], ...]


# A question with an accepted answer or an answer marked helpful ranks a little higher.
BOOST_SQL = "CASE WHEN q.accepted_answer_id IS NOT NULL OR q.helpful_count > 0 THEN 1 ELSE 0 END"
FORUM = Scope(
    table="search_document",
    join=" JOIN question q ON q.id = d.question_id",
    boost=BOOST_SQL,
    keys="d.id, d.boosted::int AS boost",
    fts="search_fts",
    words_fts="search_words_fts",
    title_fts="search_title_fts",
    tsvectors=(
        ("search_title", "words", ""),
        ("search_words", "words", ""),
        ("search_title", "terms", ""),
        ("search_terms", "terms", ""),
    ),
)
# Meetings and topics: on SQLite one FTS5 index, its columns told apart by filter; on PostgreSQL
# a vector per tier in one table, each kind read through indexes of its own (migrations 0052, 0054).
ITEMS = Scope(
    table="search_item",
    join="",
    boost="0",
    keys="d.id",  # no boost: 0 (``item_pools_sql``)
    fts="search_item_fts",
    words_fts="search_item_fts",
    title_fts="search_item_fts",
    # PostgreSQL: a vector per tier (migration 0054), unweighted, so that each has statistics
    # of its own (``search_plan.item_walk``); the last, every part of the item.
    tsvectors=(
        ("search_item", "tsv_title_words", ""),
        ("search_item", "tsv_words", ""),
        ("search_item", "tsv_title", ""),
        ("search_item", "tsv", ""),
    ),
)


class DriverSql:
    """Statements sent straight to the driver's cursor, in the session's transaction, with the
    engine's cursor events (``hub.core.driver_rows.cursor_rows``).

    A search sends a handful of small statements; through SQLAlchemy each cost about 0.3 ms of
    this process's CPU (compiling, result objects), through the cursor 0.035 ms. psycopg prepares
    a statement it has seen five times on a connection, so the server parses it once per
    connection; ``prepare=True`` prepares it at its first use (the pools: their texts are few).
    """

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def rows(self, sql: str, params: dict | Sequence, prepare: bool | None = None) -> list[tuple]:
        if self._connection is None:  # once per search: looking it up cost as much as a row
            self._connection = reading_connection()
        return cursor_rows(self._connection, sql, params, prepare)

    def scalar(self, sql: str, params: dict | Sequence) -> object:
        found = self.rows(sql, params)
        return found[0][0] if found else None


class SqliteBackend(DriverSql):
    """FTS5 over the words and terms. A tier's pool is a walk down FTS5's rowid order (newest
    first, no sort) to ``POOL`` hits, so even a word in every other post costs a few hundred rows.
    ``search_title_fts`` holds the titles alone and ``search_words_fts`` the words as written,
    whose lists are short."""

    @staticmethod
    def all_of(words: Iterable[str]) -> str:
        # Terms are letters and digits only, and each is quoted: no FTS5 syntax can get through.
        return " AND ".join(f'"{w}"' for w in words)

    @staticmethod
    def groups(groups: Iterable[tuple[str, ...]], joiner: str = " AND ") -> str:
        return joiner.join("(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in groups)

    def tier_matches(self, query: ParsedQuery, scope: Scope) -> list[tuple[int, str, str]]:
        exact, forms = self.all_of(query.words), self.groups(query.groups)
        return [
            (TITLE_EXACT, scope.title_fts, f"{{title_words}} : ({exact})"),
            (EXACT_OR_TITLE, scope.words_fts, f"{{title_words body_words}} : ({exact})"),
            (EXACT_OR_TITLE, scope.title_fts, f"{{title_terms}} : ({forms})"),
            (ANY_FORM, scope.fts, f"{{title_terms body_terms}} : ({forms})"),
        ]

    def pools(
        self, query: ParsedQuery, filters: Filters | KindFilter, scope: Scope = FORUM
    ) -> list[tuple[int, int, int]]:
        """(tier, document id, boost) for the newest POOL hits of each tier (the last, widest
        tier: POOL + 1, so that its length counts the hits up to the cap)."""
        selects, params = self.pool_selects(query, filters, scope)
        return self.rows(" UNION ALL ".join(selects), params)

    def pools_apart(
        self, query: ParsedQuery, parts: Sequence[KindFilter], scope: Scope = ITEMS
    ) -> list[list[tuple[int, int, int]]]:
        """``pools`` for each filter of ``parts``, in one statement."""
        selects, params = [], {}
        for part, filters in enumerate(parts):
            more, values = self.pool_selects(query, filters, scope, part)
            selects += more
            params |= values
        return split_parts(self.rows(" UNION ALL ".join(selects), params), len(parts))

    def pool_selects(
        self,
        query: ParsedQuery,
        filters: Filters | KindFilter,
        scope: Scope,
        part: int | None = None,
    ) -> tuple[list[str], dict]:
        """The pools' SELECTs, one per tier (led by ``part``, when given), and their values."""
        where, params = filters.sql()
        lead = "" if part is None else f"{part} AS part, "
        selects = []
        for n, (tier, table, match) in enumerate(self.tier_matches(query, scope)):
            params[f"m{n}"] = match
            limit = COUNT_CAP + 1 if tier == ANY_FORM else POOL
            selects.append(
                f"SELECT {lead}{tier} AS tier, id, boost FROM ("  # noqa: S608  (fixed SQL; values bound)
                f"SELECT {table}.rowid AS id, {scope.boost} AS boost FROM {table}"
                f" JOIN {scope.table} d ON d.id = {table}.rowid{scope.join}"
                f" WHERE {table} MATCH :m{n}{where} ORDER BY {table}.rowid DESC LIMIT {limit})"
            )
        return selects, params

    def first_page(
        self,
        query: ParsedQuery,
        filters: Filters,
        offset: int,
        per_page: int,
        terms: list[str],
        typos: bool = False,
    ) -> FirstPage:
        return pooled_first_page(self, query, filters, offset, per_page, terms, typos)

    def hit_count(self, group: tuple[str, ...], cap: int) -> int:
        sql = "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :m LIMIT :cap)"
        return self.scalar(sql, {"m": self.groups([group]), "cap": cap})

    def words_containing(self, pieces: list[str], shortest: int, longest: int) -> list[str]:
        sql = (
            "SELECT word FROM search_word_trigram WHERE search_word_trigram MATCH :m"
            " AND length(word) BETWEEN :lo AND :hi ORDER BY word LIMIT :cap"
        )
        params = {"m": " OR ".join(f'"{p}"' for p in pieces), "lo": shortest, "hi": longest}
        return [row[0] for row in self.rows(sql, params | {"cap": MAX_CANDIDATES})]

    def words_with_terms(self, terms: list[str]) -> list[tuple]:
        marks = ", ".join("?" * len(terms))
        return self.rows(FORMS_SQL.format(terms=f"IN ({marks})"), tuple(terms))

    def page(self, ids: list[int], terms: list[str]) -> list[tuple]:
        # One mark per value: sqlite3 takes no list.
        id_marks, term_marks = ", ".join("?" * len(ids)), ", ".join("?" * len(terms))
        sql = PAGE_SQL.format(ids=f"IN ({id_marks})", terms=f"IN ({term_marks})")
        return self.rows(sql, (*ids, *terms))

    def similar(self, groups, limit: int):
        # Only questions have title terms, so the title index finds questions only.
        sql = (
            "SELECT q.id, q.title FROM ("
            " SELECT rowid AS id, rank AS score FROM search_title_fts"
            " WHERE search_title_fts MATCH :match ORDER BY rowid DESC LIMIT :pool) AS hit"
            " JOIN search_document d ON d.id = hit.id JOIN question q ON q.id = d.question_id"
            " ORDER BY hit.score, hit.id DESC LIMIT :limit"
        )
        match = f"{{title_terms}} : ({self.groups(groups, ' OR ')})"
        params = {"match": match, "pool": COUNT_CAP, "limit": limit}
        return db.session.execute(text(sql), params).all()


DOCUMENTS_SQL = (
    "SELECT d.id, d.question_id, d.answer_id, d.body, q.title FROM search_document d"
    " JOIN question q ON q.id = d.question_id WHERE d.id {ids}"
)
FORMS_SQL = "SELECT DISTINCT word FROM search_form WHERE term {terms}"
# A result page's documents and the written words to mark in them, in one round trip: the words
# come as rows without an id.
PAGE_SQL = (
    f"{DOCUMENTS_SQL} UNION ALL"  # noqa: S608  (fixed SQL; values bound)
    " SELECT DISTINCT CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), word,"
    " CAST(NULL AS TEXT) FROM search_form WHERE term {terms}"
)


# PostgreSQL: the pools ranked as ``ranked`` does (each document's best tier, then boost, then
# the newest), the page's documents joined to their ranks (all ranks when there are fewer than
# FEW_HITS hits: the typo fallback adds to them), and the written forms as rows without a rank.
#
# The tiers are read best first and only as far as the page needs: the tiers' hits are an Append
# of each tier's pool less the documents of the better tiers, under a LIMIT at the page's end, and
# PostgreSQL's Append runs its parts in turn and stops at the LIMIT, so a tier after a page full
# of better hits is never read (nor its walk, a MATERIALIZED CTE read on demand). The hits are
# counted, up to COUNT_CAP + 1, in the widest tier (some form anywhere), whose pool ``p2`` holds
# every document of the other tiers (a word as written is one of its own terms, and a title is
# part of its document), as ``{wide}`` reads it. When that tier lists (GIN), from its pool.
# When it walks (a common word) from its walk, the cheaper count: GIN's list of a word in most
# posts is long (at xlarge 4-6 times the walk's time); only what a short walk lacks is counted
# from GIN's list, in any order. Not at all (``sure``) when the statistics put a one-word query
# in ten times the cap's documents (``PostgresBackend.surely_over``): the page says "over 100"
# either way, and the count was a third of the statement's time (the walk, or every hit of a
# listed tier read and sorted: "kamera" at large 985 of 2,206 buffers). The count runs under a
# CASE on a value the planner does not see (an InitPlan, evaluated only when reached).
FIRST_PAGE_SQL = (
    "WITH {ctes}p0 AS MATERIALIZED ({tier0}), p1 AS MATERIALIZED ({tier1}),"  # noqa: S608  (fixed SQL; values bound)
    " p2 AS MATERIALIZED ({tier2}),"
    f" counts AS (SELECT CASE WHEN (SELECT %(sure)s) THEN {COUNT_CAP + 1}"
    " ELSE (SELECT count(*) FROM ({wide}) AS c) END AS wide),"
    " hits AS ((SELECT * FROM p0 ORDER BY boost DESC, id DESC) UNION ALL"
    " (SELECT * FROM p1 WHERE id NOT IN (SELECT id FROM p0) ORDER BY boost DESC, id DESC)"
    " UNION ALL (SELECT * FROM p2 WHERE id NOT IN (SELECT id FROM p0)"
    " AND id NOT IN (SELECT id FROM p1) ORDER BY boost DESC, id DESC)"
    " LIMIT greatest(%(offset)s + %(per_page)s, %(few)s)),"
    f" ranks AS (SELECT h.id, h.tier, h.boost, least(c.wide, {COUNT_CAP + 1}) AS total, c.wide,"
    " row_number() OVER (ORDER BY h.tier, h.boost DESC, h.id DESC) AS n FROM hits h, counts c)"
    " SELECT r.n, r.id, r.tier, r.boost, r.total, r.wide,"
    " d.question_id, d.answer_id, d.body, q.title FROM ranks r"
    " LEFT JOIN search_document d ON d.id = r.id AND r.n > %(offset)s"
    " LEFT JOIN question q ON q.id = d.question_id"
    " WHERE r.n > %(offset)s AND r.n <= %(offset)s + %(per_page)s OR r.total < %(few)s"
    " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, word, NULL"
    " FROM (SELECT DISTINCT word FROM search_form WHERE term = ANY(%(terms)s)) AS f"
)


@dataclass(frozen=True)
class Document:
    id: int
    question_id: int
    answer_id: int | None
    body: str
    title: str


@dataclass(frozen=True)
class FirstPage:
    """What a search needs before any typo fallback: its hits' ranking keys (every hit's when
    there are fewer than FEW_HITS, so that a correction's hits can join them; else at least the
    page's), how many hits (``total``) and how many in the widest tier's pool (``any_form``),
    and the page's documents with the written words to mark in them."""

    best: dict[int, tuple]
    total: int
    any_form: int
    documents: list[Document]
    written: frozenset[str]
    forms_read: bool = True  # False: no page, so ``written`` was not read (SQLite)
    item_kinds: frozenset[str] | None = None  # ``SearchPage.item_kinds``
    # The index's words a typo's correction looks among (``TYPO_CANDIDATES``); None: not read.
    candidates: tuple[str, ...] | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple], items_probed: bool = False) -> FirstPage:
        """From ``FIRST_PAGE_SQL``'s rows: (rank, id, tier, boost, total, any_form, question,
        answer, body, title) per hit, the written forms as rows without a rank, and with
        ``items_probed`` (``ITEMS_PROBE``) each kind of item holding the words as a row with
        only its kind (in the title's place); a typo's candidates (``TYPO_CANDIDATES``) are
        rows without a rank whose tier is CANDIDATE."""
        hits = sorted((row for row in rows if row[0] is not None), key=itemgetter(0))
        total, any_form = (hits[0][4], hits[0][5]) if hits else (0, 0)
        return cls(
            best={row[1]: (row[2], -row[3], -row[1]) for row in hits},
            total=total,
            any_form=any_form,
            documents=[Document(row[1], *row[6:]) for row in hits if row[6] is not None],
            written=frozenset(
                row[8] for row in rows if row[0] is None and row[8] is not None and row[2] is None
            ),
            item_kinds=(
                frozenset(row[9] for row in rows if row[0] is None and row[9] is not None)
                if items_probed
                else None
            ),
            candidates=_candidates(
                [row[8] for row in rows if row[0] is None and row[2] == CANDIDATE]
            ),
        )


def _candidates(rows: list[str | None]) -> tuple[str, ...] | None:
    """``TYPO_CANDIDATES``' words: none read (no row), or those found (a NULL: none)."""
    return tuple(word for word in rows if word is not None) if rows else None


def pooled_first_page(
    engine,
    query: ParsedQuery,
    filters: Filters,
    offset: int,
    per_page: int,
    terms: list[str],
    typos: bool = False,
) -> FirstPage:
    """``FirstPage`` from the pools, ranked here (SQLite: its statements are calls in this
    process, not round trips; a typo's candidates are read when the correction looks)."""
    pools = engine.pools(query, filters)
    best = ranked(pools)
    ids = sorted(best, key=best.__getitem__)[offset : offset + per_page]
    documents, is_hit = page_documents(ids, set(terms), engine)
    any_form = list(map(itemgetter(0), pools)).count(ANY_FORM)
    return FirstPage(best, len(best), any_form, documents, is_hit.written, bool(ids))


def page_documents(
    ids: list[int], wanted: set[str], engine: DriverSql
) -> tuple[list[Document], HitTest]:
    """A result page's documents in the order given, and the hit test for their words, read in
    one statement (see ``hit_test``)."""
    if not ids:
        return [], HitTest(wanted, frozenset())
    by_id, written = {}, set()
    for row in engine.page(ids, sorted(wanted)):
        if row[0] is None:
            written.add(row[3])
        else:
            by_id[row[0]] = Document(*row)
    return [by_id[i] for i in ids if i in by_id], HitTest(wanted, frozenset(written))


# A typo's hits, counted up to a cap (walked) or all (listed: the plan for a rare word, whose
# list is short; a LIMIT there might tempt the planner into reading the table in the hope of an
# early stop). The tsquery is an InitPlan: one plan for any word (see hub.forum.search_plan).
_TSQUERY = "(SELECT to_tsquery('simple', %(q)s))"
HITS_WALKED = (
    "SELECT count(*) FROM (SELECT 1 FROM search_terms d"  # noqa: S608  (fixed SQL)
    f" WHERE ts_match_vq(d.terms, {_TSQUERY}) LIMIT %(cap)s) AS h"
)
HITS_LISTED = f"SELECT count(*) FROM search_terms d WHERE d.terms @@ {_TSQUERY}"  # noqa: S608


def walk_then_list(
    name: str,
    keys: str,
    column: str,
    top: str,
    limit: int,
    where: str = "",
    tsq: str = "",
    materialized: str = " MATERIALIZED",
) -> tuple[str, str]:
    """A PostgreSQL tier's walk and its pool, both reading ``keys`` (a SELECT of rows d ending in
    WHERE or AND) whose ``column`` matches the tsquery ``%(q<name>)s`` (or the SQL ``tsq``): the
    walk (the CTE ``w<name>``) goes down the newest rows back ``%(s<name>)s`` ids from ``top``
    (0: one look at the key); the pool takes its rows, and only if the walk left it short of
    ``limit`` older ones from GIN's list of hits (LIMIT 0 runs nothing). The tsquery is an
    InitPlan and the span a bigint (psycopg sends an int as the smallest type that holds it, and
    a statement with other types is another prepared statement): one plan for any words. The
    walk is read twice (its rows, its count), so PostgreSQL keeps it whether or not it is written
    ``materialized``."""
    tsq = tsq or f"(SELECT to_tsquery('simple', %(q{name})s))"
    edge = f"{top} - %(s{name})s"
    walk = (
        f"w{name} AS{materialized} ({keys} d.id > {edge}"
        f" AND ts_match_vq(d.{column}, {tsq}){where}"
        f" ORDER BY d.id DESC LIMIT {limit})"
    )
    pool = (
        f"SELECT * FROM w{name} UNION ALL ({keys} d.{column} @@ {tsq}{where}"  # noqa: S608  (fixed SQL)
        f" AND d.id + 0 <= {edge}"
        f" ORDER BY d.id + 0 DESC LIMIT {limit} - (SELECT count(*) FROM w{name}))"
    )
    return walk, pool


def wide_hits(where: str) -> str:
    """The widest tier's hits under the filters' SQL ``where``, for ``FIRST_PAGE_SQL`` to count
    up to COUNT_CAP + 1: its walk ``w3`` when the tier walks (``s3``, ids back: a common word,
    whose walk is short), else its pool ``p2`` (GIN's list, sorted). GIN's list up to the cap in
    any order read less for a listed word at large ("kamera": 1,303 buffers against 2,203), but
    its plan for any words is a sequential scan that stops at the cap: at xlarge a word with no
    hits read the whole table (~130 ms against ~6). The branches run under one-time filters on
    ``s3`` hidden from the planner (an InitPlan): in its sight, PostgreSQL planned the statement
    for each search's branch (1.1 ms a search) instead of keeping one plan."""
    table, column, _ = FORUM.tsvectors[-1]  # the last tier, its tsquery q3
    tsquery = "(SELECT to_tsquery('simple', %(q3)s))"
    listed = f"SELECT 1 FROM {table} d WHERE d.{column} @@ {tsquery}{where}"  # noqa: S608
    # A walk that falls short (its newest rows rarer in the word than ANALYZE's sample of the
    # whole table says: at xlarge "surfplattan" found 80 of 101 in its span) counts the older
    # hits from GIN's list in any order, up to what it lacks, instead of counting p2, which
    # reads every older hit and sorts it (21,836 buffers, ~130 ms; now 534). LIMIT 0 runs
    # nothing.
    return (
        "SELECT 1 FROM w3 WHERE (SELECT %(s3)s) > 0 UNION ALL"  # noqa: S608  (fixed SQL; values bound)
        f" ({listed} AND (SELECT %(s3)s) > 0"
        f" AND d.id + 0 <= (SELECT max(id) FROM {table}) - %(s3)s"
        f" LIMIT {COUNT_CAP + 1} - (SELECT count(*) FROM w3)) UNION ALL"
        " SELECT 1 FROM p2 WHERE (SELECT %(s3)s) = 0"
    )


# The forum's tiers, best first, as ``PostgresBackend.tier_queries`` gives them (and the scopes'
# ``tsvectors`` list them).
TIER_ORDER = (TITLE_EXACT, EXACT_OR_TITLE, EXACT_OR_TITLE, ANY_FORM)
# What each tier's tsquery is made of: every word as written, or some form of each.
TIER_TSQUERIES = ("words", "words", "forms", "forms")


def tier_limit(tier: int) -> int:
    """A tier's pool: POOL hits, the widest tier's one more (its length counts up to the cap)."""
    return COUNT_CAP + 1 if tier == ANY_FORM else POOL


# PostgreSQL's pool statements are the same text for any words: made once per process for each
# set of filters (or kinds), their values per search. Made per search, the texts cost a twentieth
# of a search's CPU in the worker (~0.1 ms).


@functools.lru_cache(maxsize=64)
def forum_pool_parts(where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The forum's pool statement under the filters' SQL ``where`` (``Filters.sql``, narrow) as
    its walks (CTEs) and its tiers' pools (tier, id, boost), as in ``tier_queries``. Every tier
    walks and then lists, whichever way was chosen: a tier that lists walks back 0 ids (one look
    at the key), so that the statement's text is the same for any words and each connection
    plans it once per set of filters, not once per combination of walked and listed tiers (16
    in the bench's queries, each planned for its values five times before PostgreSQL keeps its
    generic plan: 0.6-0.9 ms each)."""
    walks, selects = [], []
    for n, (tier, (table, column, _)) in enumerate(zip(TIER_ORDER, FORUM.tsvectors, strict=True)):
        keys = f"SELECT {FORUM.keys} FROM {table} d WHERE"  # noqa: S608  (fixed SQL; values bound)
        top = f"(SELECT max(id) FROM {table})"  # noqa: S608
        walk, pool = walk_then_list(str(n), keys, column, top, tier_limit(tier), where)
        walks.append(walk)
        selects.append(f"SELECT {tier} AS tier, d.id, d.boost FROM ({pool}) AS d")  # noqa: S608
    return tuple(walks), tuple(selects)


@functools.lru_cache(maxsize=64)
def forum_pools_sql(where: str) -> str:
    """The forum's pools (tier, id, boost) in one statement (``PostgresBackend.pools``)."""
    walks, selects = forum_pool_parts(where)
    return f"WITH {', '.join(walks)} {' UNION ALL '.join(selects)}"


@functools.lru_cache(maxsize=64)
def first_page_sql(where: str) -> str:
    """``FIRST_PAGE_SQL`` under the filters' SQL ``where``."""
    walks, (tier0, tier1a, tier1b, tier2) = forum_pool_parts(where)
    return FIRST_PAGE_SQL.format(
        ctes="".join(f"{w}, " for w in walks),
        tier0=tier0,
        tier1=f"{tier1a} UNION {tier1b}",  # the same document twice: the same boost
        tier2=tier2,
        wide=wide_hits(where),
    )


# PostgreSQL: a word's newest hits in each tier from ``search_posting`` (migration 0057: one row
# per term of each tier table's vector, keyed (src, term, id), the row's boost beside it), for a
# one-word query without filters: each tier's pool is an index-only scan of its newest entries,
# not GIN's every hit read and sorted nor a walk testing every row (at large "kamera" 1,216
# buffers, "inloggning" 4,905 rows read). The word as written is one term; its forms are read
# each up to the pool's size, the newest of them kept (a document with two forms is one hit).
# The same ranking, page and count as ``FIRST_PAGE_SQL`` over GIN: only the pools differ. The
# word and its forms are InitPlans, out of the planner's sight: seen, a rare word's plan looked
# so much cheaper than the generic one that PostgreSQL planned the statement at every search.
POSTINGS_WRITTEN = (
    "SELECT {tier} AS tier, id, boosted::int AS boost FROM search_posting"
    " WHERE src = {src} AND term = (SELECT %(word)s) ORDER BY id DESC LIMIT {limit}"
)
POSTINGS_FORMS = (
    "SELECT {tier} AS tier, id, boost FROM (SELECT DISTINCT p.id, p.boost"
    " FROM unnest((SELECT %(forms)s::text[])) AS f (term) CROSS JOIN LATERAL"
    " (SELECT id, boosted::int AS boost FROM search_posting WHERE src = {src} AND term = f.term"
    " ORDER BY id DESC LIMIT {limit}) AS p) AS d ORDER BY id DESC LIMIT {limit}"
)
# What a term may be for its tsquery to be that one term (``to_tsquery('simple', …)`` parses
# other characters apart): letters and digits.
POSTING_TERM_RE = re.compile(r"[^\W_]+")


# The kinds of items in the meetings' and topics' index (``hub.forum.search_items``).
ITEM_KINDS = ("meeting", "topic")
# PostgreSQL: a row with only its kind for each kind of item of which some holds the words in
# any form (the widest tier, ``%(items)s``: every other tier's hits are among its own), one look
# at its GIN index each, sent with the posts' first page: most searches (17 of the bench's 22
# words) find no meeting nor topic, and their sections then need no statement of their own
# (one of a search's five, a plan of 133 nodes started for nothing: at large 76 µs against the
# probe's 14, each measured alone). The tsquery is an InitPlan, as everywhere here: one plan for
# any words, each kind's own GIN index.
ITEMS_PROBE = (
    " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{kind}'"
    " WHERE EXISTS (SELECT FROM search_item WHERE kind = '{kind}'"
    " AND {column} @@ (SELECT to_tsquery('simple', %(items)s)))"
)


# PostgreSQL: the index's words a one-word query's typo correction looks among
# (``closest_word``: those holding a piece of the word, of a length near its own, as
# ``PostgresBackend.words_containing`` reads them), read with the posts' first page when its
# count is under FEW_HITS, when the correction will look (four of the bench's 22 words have no
# hit: a statement less each). Three pieces at most (two edits), the second given again when
# there are two; each pattern an InitPlan, so that the plan, kept for any words, reads the
# trigram index. The count is ``counts``' (the page's total), under a condition on ``typo`` that
# PostgreSQL tests first: a word that is not looked at never reads it. When they are read, one
# row at least (the word NULL when there is none), so that "none" is told from "not read".
CANDIDATE = -1
TYPO_CANDIDATES = (
    f" UNION ALL SELECT NULL, NULL, {CANDIDATE}, NULL, NULL, NULL, NULL, NULL, w.word, NULL"  # noqa: S608  (fixed SQL; values bound)
    " FROM (SELECT WHERE (SELECT %(typo)s) AND (SELECT wide FROM counts) < %(few)s) AS g"
    " LEFT JOIN LATERAL (SELECT word FROM search_word WHERE (word LIKE (SELECT %(p0)s)"
    " OR word LIKE (SELECT %(p1)s) OR word LIKE (SELECT %(p2)s))"
    f" AND length(word) BETWEEN %(lo)s AND %(hi)s ORDER BY word LIMIT {MAX_CANDIDATES}) AS w"
    " ON TRUE"
)


@functools.cache
def postings_first_page_sql() -> str:
    """``FIRST_PAGE_SQL`` with each tier's pool from ``search_posting`` (src: the tier's vector,
    in ``FORUM.tsvectors``' order), and the kinds of items that hold the word (``ITEMS_PROBE``)."""
    written = partial(POSTINGS_WRITTEN.format, limit=POOL)
    words, title_terms = (
        written(tier=EXACT_OR_TITLE, src=1),
        POSTINGS_FORMS.format(tier=EXACT_OR_TITLE, src=2, limit=POOL),
    )
    column = ITEMS.tsvectors[-1][1]
    return (
        FIRST_PAGE_SQL.format(
            ctes="",
            tier0=written(tier=TITLE_EXACT, src=0),
            tier1=f"({words}) UNION ({title_terms})",
            tier2=POSTINGS_FORMS.format(tier=ANY_FORM, src=3, limit=COUNT_CAP + 1),
            wide="SELECT 1 FROM p2",
        )
        + "".join(ITEMS_PROBE.format(kind=kind, column=column) for kind in ITEM_KINDS)
        + TYPO_CANDIDATES
    )


@functools.lru_cache(maxsize=4)
def item_tsqueries(scope: Scope) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The tiers whose tsquery is one of ``tq``'s columns (``to_tsquery`` of ``%(q<n>)s`` as
    ``t<n>``: one per tsquery ``tier_queries`` makes, of the words as written or of their forms,
    with the tier's weights), and for each tier the InitPlan that reads its tsquery."""
    firsts, refs, named = [], [], {}
    for n, ((_table, _column, weights), made_of) in enumerate(
        zip(scope.tsvectors, TIER_TSQUERIES, strict=True)
    ):
        first = named.setdefault((made_of, weights), n)
        if first == n:
            firsts.append(n)
        refs.append(f"(SELECT t{first} FROM {{tq}})")  # noqa: S608  (fixed SQL)
    return tuple(firsts), tuple(refs)


@functools.lru_cache(maxsize=16)
def item_pools_sql(kinds: tuple[str, ...], scope: Scope) -> str:
    """Each kind's pools (part, tier, id, boost) as the forum's tiers read theirs
    (``walk_then_list``), in one statement (``PostgresBackend.pools_apart``); the walks' lengths
    are values, chosen by ``search_plan.item_walk``. A word in every meeting's title
    (``nätverket``: 5,000 rows per tier at 10x the data, 500 at large, each sorted) walks some
    hundred rows. The kind is written in, so that each kind's rows are read through its own
    indexes (migration 0052): the topics' list does not read every meeting's row that holds the
    word, nor a meetings' walk the topics'.

    Written short, psycopg keeps a statement's text converted for the server only up to 4,096
    bytes (``psycopg._queries.MAX_CACHED_STATEMENT_LENGTH``), and converting this one again on
    every search cost ~70 µs of the worker's CPU at 4.7 kB: each tsquery once, in ``tq``, for
    every kind and tier that reads it (``item_tsqueries``), the walks kept without the word
    MATERIALIZED (each is read twice: kept all the same), no boost (0), the newest id read
    as ``(TABLE top<part>)``.

    A kind none of whose items holds the words in any form (most searches: 17 of the bench's
    22 words find no meeting nor topic) reads nothing more: its tsqueries (``g<part>``) and its
    newest id are there only if the widest tier (some form anywhere, every other tier's hits
    among its own) has a hit, one look at that tier's GIN index; without them each walk and
    list stops before reading (a NULL key), where they read 16-21 buffers per kind at large."""
    firsts, refs = item_tsqueries(scope)
    columns = ", ".join(f"to_tsquery('simple', %(q{n})s) AS t{n}" for n in firsts)
    ctes, selects = [f"tq AS (SELECT {columns})"], []
    widest = scope.tsvectors[-1][1]
    for part, kind in enumerate(kinds):
        if not (kind.isascii() and kind.isalpha()):
            raise ValueError(kind)
        keys = f"SELECT {scope.keys} FROM search_item d WHERE d.kind = '{kind}' AND"  # noqa: S608  (a checked name)
        any_hit = refs[-1].format(tq="tq")
        ctes.append(
            f"g{part} AS (SELECT * FROM tq WHERE EXISTS (SELECT FROM search_item"  # noqa: S608
            f" WHERE kind = '{kind}' AND {widest} @@ {any_hit}))"
        )
        ctes.append(
            f"top{part} AS (SELECT max(id) AS id FROM search_item"  # noqa: S608
            f" WHERE kind = '{kind}' AND EXISTS (TABLE g{part}))"
        )
        top = f"(TABLE top{part})"
        for n, (tier, (_table, column, _)) in enumerate(
            zip(TIER_ORDER, scope.tsvectors, strict=True)
        ):
            limit = tier_limit(tier)
            tsq = refs[n].format(tq=f"g{part}")
            walk, pool = walk_then_list(f"{part}_{n}", keys, column, top, limit, "", tsq, "")
            ctes.append(walk)
            selects.append(f"SELECT {part}, {tier}, id, 0 FROM ({pool}) d")  # noqa: S608
    return f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"


class PostgresBackend(DriverSql):
    """tsvectors with GIN indexes. The forum's tiers read ``search_title`` (the questions' title
    words and terms), ``search_words`` and ``search_terms`` (every document's words as written,
    and its terms), narrow tables that triggers fill from ``search_document`` (migrations 0029,
    0032 and 0035); meetings and topics read
    ``search_item``'s vectors, one per tier (migration 0054), each kind's rows apart.
    """

    def __init__(self) -> None:
        super().__init__()
        # For this search: a typo's candidates read with the first page, by what was asked.
        self._candidates: dict[tuple, list[str]] = {}

    @staticmethod
    def all_of(words: Iterable[str], weights: str) -> str:
        suffix = f":{weights}" if weights else ""
        return " & ".join(w + suffix for w in words)

    @staticmethod
    def groups(groups: Iterable[tuple[str, ...]], weights: str = "", joiner: str = " & ") -> str:
        suffix = f":{weights}" if weights else ""
        return joiner.join("(" + " | ".join(t + suffix for t in g) + ")" for g in groups)

    def tier_queries(self, query: ParsedQuery, scope: Scope) -> list[tuple]:
        """(tier, table, tsvector column, tsquery, its groups of terms): every word as written
        in the title; as written anywhere; some form in the title; some form anywhere (the
        tsqueries as ``TIER_TSQUERIES`` says)."""
        (t0, title_words, w0), (t1, words, w1), (t2, title_terms, w2), (t3, terms, w3) = (
            scope.tsvectors
        )
        written = [(word,) for word in query.words]
        return [
            (TITLE_EXACT, t0, title_words, self.all_of(query.words, w0), written),
            (EXACT_OR_TITLE, t1, words, self.all_of(query.words, w1), written),
            (EXACT_OR_TITLE, t2, title_terms, self.groups(query.groups, w2), query.groups),
            (ANY_FORM, t3, terms, self.groups(query.groups, w3), query.groups),
        ]

    def pools(self, query: ParsedQuery, filters: Filters) -> list[tuple[int, int, int]]:
        """(tier, document id, boost) for the newest hits of each of the forum's tiers, as on
        SQLite, in one statement.

        Each tier walks its table newest first and reads what the walk left short from GIN's
        list of hits, the walk's length chosen by ``search_plan.walks`` from the words' shares;
        the statement admits only that plan and hides the words from the planner, so it is
        prepared and planned a few times per connection, not per search (meetings and topics:
        ``pools_apart``).
        """
        where, params = self.pool_values(query, filters)
        return self.rows(forum_pools_sql(where), params, prepare=True)

    def pools_apart(
        self, query: ParsedQuery, parts: Sequence[KindFilter], scope: Scope = ITEMS
    ) -> list[list[tuple[int, int, int]]]:
        """``pools`` for each kind of ``parts`` (meetings, topics), in one prepared statement
        (``item_pool_sql``). Prepared too: their plan for any words (GIN's list of hits,
        sorted) is the one PostgreSQL chose for each word, and planning it for the words cost
        0.26-0.35 ms of server time for the same buffers (meetings and topics at large, every
        search)."""
        kinds = tuple(filters.kind for filters in parts)
        sql = item_pools_sql(kinds, scope)
        params = self.item_pool_values(query, kinds, scope)
        return split_parts(self.rows(sql, params, prepare=True), len(parts))

    def item_pool_values(self, query: ParsedQuery, kinds: tuple[str, ...], scope: Scope) -> dict:
        """``item_pools_sql``'s values: each tier's tsquery and, per kind, how far its walk
        goes back (``search_plan.item_walk``), kept with the statistics they come from."""
        stats = search_plan.statistics(self.rows)
        return stats.kept(
            ("items", query, kinds, scope), partial(self._item_values, stats, query, kinds, scope)
        )

    def _item_values(
        self,
        stats: search_plan.Statistics,
        query: ParsedQuery,
        kinds: tuple[str, ...],
        scope: Scope,
    ) -> dict:
        tiers = self.tier_queries(query, scope)
        firsts, _ = item_tsqueries(scope)
        params = {f"q{n}": tiers[n][3] for n in firsts}
        for part, kind in enumerate(kinds):
            for n, (tier, _table, column, _tsquery, groups) in enumerate(tiers):
                span = search_plan.item_walk(stats, kind, column, groups, tier_limit(tier))
                params[f"s{part}_{n}"] = Int8(span)
        return params

    def pool_values(self, query: ParsedQuery, filters: Filters) -> tuple[str, dict]:
        """The filters' SQL (``forum_pool_parts``' key) and the forum's pools' values: the
        filters', and each tier's tsquery and how far its walk goes back
        (``search_plan.walk_rows``; 0: it lists), kept with the statistics they come from.
        Not to be changed: a copy is the caller's to add to."""
        stats = search_plan.statistics(self.rows)
        return stats.kept(
            ("forum", query, filters), partial(self._pool_values, stats, query, filters)
        )

    def _pool_values(
        self, stats: search_plan.Statistics, query: ParsedQuery, filters: Filters
    ) -> tuple[str, dict]:
        where, params = filters.sql(PYFORMAT, narrow=True)
        for n, (tier, table, column, tsquery, groups) in enumerate(self.tier_queries(query, FORUM)):
            span = search_plan.walk_rows(stats, table, column, groups, filters, tier_limit(tier))
            params[f"q{n}"] = tsquery
            params[f"s{n}"] = Int8(span or 0)
        return where, params

    def first_page(
        self,
        query: ParsedQuery,
        filters: Filters,
        offset: int,
        per_page: int,
        terms: list[str],
        typos: bool = False,
    ) -> FirstPage:
        """The forum's pools ranked on the server, and the page's documents and written forms
        with them: one statement and some twenty rows instead of two statements and the
        pools' four hundred (see ``FirstPage``). With ``typos``, a one-word query's typo
        candidates too, when it has few hits (``TYPO_CANDIDATES``), kept for
        ``words_containing``."""
        params = {"offset": offset, "per_page": per_page, "terms": terms, "few": FEW_HITS}
        params["sure"] = self.surely_over(query, filters, COUNT_CAP + 1)
        if self.in_postings(query, filters):
            params |= {"word": query.words[0], "forms": list(query.groups[0])}
            # The items' widest tier's tsquery, as ``item_pool_values`` makes it.
            params["items"] = self.groups(query.groups, ITEMS.tsvectors[-1][2])
            looked = typo_look(query.words[0]) if typos else None
            pieces, shortest, longest = looked or (["", "", ""], 0, 0)
            patterns = [f"%{piece}%" for piece in pieces]
            patterns += patterns[-1:] * (3 - len(patterns))  # the last again: three in all
            params |= {f"p{n}": pattern for n, pattern in enumerate(patterns)}
            params |= {"typo": looked is not None, "lo": shortest, "hi": longest}
            rows = self.rows(postings_first_page_sql(), params, prepare=True)
            first = FirstPage.from_rows(rows, items_probed=True)
            if first.candidates is not None:
                self._candidates[(tuple(pieces), shortest, longest)] = list(first.candidates)
            return first
        where, kept = self.pool_values(query, filters)
        params |= kept
        return FirstPage.from_rows(self.rows(first_page_sql(where), params, prepare=True))

    @staticmethod
    def in_postings(query: ParsedQuery, filters: Filters) -> bool:
        """Whether the first page reads ``search_posting``: one word without filters (the
        tier tables' rows carry the filters, the postings not; several words are an AND of
        their lists, which GIN does), every term letters and digits."""
        terms = (*query.words, *query.groups[0]) if len(query.words) == 1 else ()
        return (
            filters == Filters()
            and bool(terms)
            and all(POSTING_TERM_RE.fullmatch(term) for term in terms)
        )

    def surely_over(self, query: ParsedQuery, filters: Filters, cap: int) -> bool:
        """Whether the statistics leave no doubt that a one-word query without filters has at
        least ``cap`` hits (the widest tier's table: ``search_plan.surely_in``). Not for more
        words, whose shares together are a guess, nor under a filter, whose share is one."""
        if len(query.groups) != 1 or filters != Filters():
            return False
        table, column, _ = FORUM.tsvectors[-1]
        stats = search_plan.statistics(self.rows)
        return search_plan.surely_in(stats, table, column, query.groups[0], cap)

    def hit_count(self, group: tuple[str, ...], cap: int) -> int:
        """Documents with a form of the word, counted up to ``cap``: not at all when the
        statistics put it in many times more, walked when it is common, listed by GIN when it
        is rare (a typo: none at all)."""
        stats = search_plan.statistics(self.rows)
        if search_plan.surely_in(stats, "search_terms", "terms", group, cap):
            return cap
        walk = search_plan.walk_rows(stats, "search_terms", "terms", [group], Filters(), cap)
        params = {"q": self.groups([group]), "cap": cap}
        return min(cap, self.scalar(HITS_LISTED if walk is None else HITS_WALKED, params))

    def words_containing(self, pieces: list[str], shortest: int, longest: int) -> list[str]:
        kept = self._candidates.get((tuple(pieces), shortest, longest))
        if kept is not None:  # read with the first page (``TYPO_CANDIDATES``)
            return kept
        # LIKE with a pattern of letters only: pg_trgm's GIN index serves it.
        likes = " OR ".join(f"word LIKE %(p{n})s" for n in range(len(pieces)))
        sql = (
            f"SELECT word FROM search_word WHERE ({likes})"  # noqa: S608  (fixed SQL; values bound)
            " AND length(word) BETWEEN %(lo)s AND %(hi)s ORDER BY word LIMIT %(cap)s"
        )
        params = {f"p{n}": f"%{p}%" for n, p in enumerate(pieces)}
        params |= {"lo": shortest, "hi": longest, "cap": MAX_CANDIDATES}
        return [row[0] for row in self.rows(sql, params)]

    def words_with_terms(self, terms: list[str]) -> list[tuple]:
        return self.rows(FORMS_SQL.format(terms="= ANY(%(terms)s)"), {"terms": terms})

    def page(self, ids: list[int], terms: list[str]) -> list[tuple]:
        # One statement whatever the number of ids and terms, so that psycopg prepares it once.
        sql = PAGE_SQL.format(ids="= ANY(%(ids)s)", terms="= ANY(%(terms)s)")
        return self.rows(sql, {"ids": ids, "terms": terms})

    def similar(self, groups, limit: int):
        sql = (
            "SELECT q.id, q.title FROM search_document d JOIN question q ON q.id = d.question_id,"
            " to_tsquery('simple', :tsquery) AS query"
            " WHERE d.tsv @@ query AND d.answer_id IS NULL"
            " ORDER BY ts_rank_cd(d.tsv, query) DESC, d.id LIMIT :limit"
        )
        params = {"tsquery": self.groups(groups, "B", " | "), "limit": limit}
        return db.session.execute(text(sql), params).all()


def backend() -> SqliteBackend | PostgresBackend:
    return SqliteBackend() if db.engine.dialect.name == "sqlite" else PostgresBackend()


def ranked(pools: list[tuple[int, int, int]], tier_offset: int = 0) -> dict[int, tuple]:
    """Each document's best (tier, boost first, newest first) sort key."""
    best: dict[int, tuple] = {}
    # One pass, each document's smallest key kept: half the cost of sorting every key.
    for tier, doc_id, boost in pools:
        key = (tier + tier_offset, -boost, -doc_id)
        if best.get(doc_id, key) >= key:
            best[doc_id] = key
    return best


def search(
    query: str,
    *,
    category_id: int | None = None,
    tag_slug: str | None = None,
    answered: bool | None = None,
    page: int = 1,
    per_page: int = 20,
    typos: bool = True,
) -> SearchPage:
    """Ranked hits for a free-text query; every query word (or a form of it) must match. With
    ``typos``, a word with few hits is also searched as the closest word in the index."""
    result = SearchPage(query=query, page=max(1, page), per_page=per_page)
    parsed = parse_query(query)
    if not parsed:
        return result
    result.searched = True
    filters = Filters(category_id, tag_slug, answered)
    engine = backend()
    wanted = {t for group in parsed.groups for t in group}
    offset = (result.page - 1) * per_page
    first = engine.first_page(parsed, filters, offset, per_page, sorted(wanted), typos)
    if first.forms_read:
        result.forms[frozenset(wanted)] = first.written
    result.item_kinds = first.item_kinds
    result.total = first.total
    found, is_hit = first.documents, HitTest(wanted, first.written)
    if typos and result.total < FEW_HITS:
        # One word and no filter: its hits are the ones just counted, no need to count again.
        known = result.total if len(parsed.words) == 1 and filters == Filters() else None
        corrected = correct(parsed, engine, known)
        fixed = corrected and corrected_page(
            engine, corrected, filters, first, wanted, offset, per_page
        )
        if fixed:
            result.corrected = " ".join(corrected.words)
            result.total, found, is_hit = fixed
    # Past COUNT_CAP the page says "over 100 hits": the count stops there (PostgreSQL reads
    # only as many tiers as the page needs).
    result.total = min(max(result.total, first.any_form), COUNT_CAP + 1)
    result.hits = [
        SearchHit(
            document_id=row.id,
            question_id=row.question_id,
            answer_id=row.answer_id,
            title=row.title,
            title_html=marked(row.title, is_hit),
            snippet_html=marked(row.body, is_hit, SNIPPET_WORDS),
        )
        for row in found
    ]
    return result


def corrected_page(
    engine,
    corrected: ParsedQuery,
    filters: Filters,
    first: FirstPage,
    wanted: set[str],
    offset: int,
    per_page: int,
) -> tuple[int, list[Document], HitTest] | None:
    """The total, the page and its hit test with a typo's correction: its hits after the query's
    own (tiers from TYPO on), or None when the correction finds nothing. When the query found
    nothing itself (a typo's usual case) the correction's page is any query's first page: one
    statement on PostgreSQL."""
    wanted = wanted | {t for group in corrected.groups for t in group}
    if not first.best:
        page = engine.first_page(corrected, filters, offset, per_page, sorted(wanted))
        return (page.total, page.documents, HitTest(wanted, page.written)) if page.total else None
    more = ranked(engine.pools(corrected, filters), tier_offset=TYPO)
    if not more:
        return None
    best = more | first.best
    page_ids = sorted(best, key=best.__getitem__)[offset : offset + per_page]
    return len(best), *page_documents(page_ids, wanted, engine)


def warm_search() -> None:
    """Send each kind of statement a search sends once, on the session's connection: a worker
    calls it after the fork (``hub.warmup.warm_worker``) so that its first member does not wait
    while the database server loads the search tables' and indexes' descriptions for a new
    connection (PostgreSQL: 20-40 ms of a first search's wall clock). Reads only."""
    engine = backend()
    parsed = parse_query("lösenordet")
    for filters in (Filters(), Filters(answered=True)):
        engine.first_page(parsed, filters, 0, 20, ["lösenord"])
    ranked(engine.pools(parsed, Filters()))
    engine.hit_count(parsed.groups[0], FEW_HITS)
    engine.words_containing(["lös", "enord"], 9, 11)
    page_documents([0], {"lösenord"}, engine)


def correct(parsed: ParsedQuery, engine, hits_of_one_word: int | None = None) -> ParsedQuery | None:
    """The query with each word that has few hits replaced by the closest word in the index that
    has more; None when no word changed. ``hits_of_one_word``: a one-word query's hits, known."""
    changed, new_words = False, []
    for word, group in zip(parsed.words, parsed.groups, strict=True):
        replacement = None
        if len(word) >= TYPO_MIN_LENGTH and not word.isdigit():
            hits = hits_of_one_word
            if hits is None:
                hits = engine.hit_count(group, FEW_HITS)
            if hits < FEW_HITS:
                replacement = closest_word(word, hits, engine)
        new_words.append(replacement or word)
        changed = changed or replacement is not None
    if not changed:
        return None
    return ParsedQuery(tuple(new_words), tuple(query_terms(w) for w in new_words))


def closest_word(word: str, hits: int, engine) -> str | None:
    """The index word fewest edits away (one; two for long words), then sharing the longest
    beginning, then first in the alphabet; only if it has more hits than ``word``."""
    edits = 2 if len(word) >= LONG_WORD else 1
    found = engine.words_containing(*typo_pieces(word))
    scored = sorted(
        (distance, -common_prefix(word, candidate), candidate)
        for candidate in found
        if candidate != word
        and (distance := OSA.distance(word, candidate, score_cutoff=edits)) <= edits
    )
    for _, _, candidate in scored[:5]:
        if engine.hit_count(query_terms(candidate), FEW_HITS + hits) > hits:
            return candidate
    return None


def typo_pieces(word: str) -> tuple[list[str], int, int]:
    """What ``closest_word`` looks among for ``word``: the index's words holding one of its
    pieces (edits + 1 of them: each edit leaves one whole), and their shortest and longest."""
    edits = 2 if len(word) >= LONG_WORD else 1
    cuts = [round(i * len(word) / (edits + 1)) for i in range(edits + 2)]
    pieces = [word[a:b] for a, b in itertools.pairwise(cuts)]
    return pieces, len(word) - edits, len(word) + edits


def typo_look(word: str) -> tuple[list[str], int, int] | None:
    """``typo_pieces`` for a word ``correct`` tries to correct when it has few hits; None for
    one it leaves (short, or digits)."""
    if len(word) < TYPO_MIN_LENGTH or word.isdigit():
        return None
    return typo_pieces(word)


def common_prefix(a: str, b: str) -> int:
    same = (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    return next(same, min(len(a), len(b)))


def similar_questions(title: str, limit: int = 5) -> list[SimilarQuestion]:
    """Visible questions that share words with a title being typed, best first."""
    groups = parse_query(title, limit=8).groups
    if not groups:
        return []
    return [SimilarQuestion(row.id, row.title) for row in backend().similar(groups, limit)]


# --- Highlighting --------------------------------------------------------------------------------


class HitTest(dict):
    """Whether a written word is one of the query's forms, memoised for one result page: a dict
    of the words seen, so a page's thousand look-ups of the same few hundred words are dict
    look-ups in C, not Python calls.

    The written words that carry the query's terms come from ``search_form``, filled when the
    posts were indexed, so no word of a snippet goes through the lexicon at query time. Only an
    index made before that table existed leaves it empty; then the lexicon decides.
    """

    def __init__(self, wanted: set[str], written: frozenset[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.written = written
        self.finder = forms_finder(written) if written else None
        # What decides a hit (``marked``'s key): the written forms, else the terms.
        self.key = written if written else (None, frozenset(wanted))

    def __missing__(self, word: str) -> bool:
        lowered = word.lower()
        if self.written:
            hit = lowered in self.written
        else:
            hit = lowered not in STOPWORDS and not self.wanted.isdisjoint(index_terms(lowered))
        self[word] = hit
        return hit

    __call__ = dict.__getitem__


@functools.lru_cache(maxsize=512)
def forms_finder(written: frozenset[str]) -> re.Pattern:
    """The written forms, each ending a word: where a lower-cased text's hits may be, found in C
    (that a match also starts a word is checked per match: a look-behind first would cost the
    regex its fast scan for the forms' letters)."""
    forms = "|".join(map(re.escape, sorted(written, key=len, reverse=True)))
    return re.compile(f"(?:{forms})(?![^\\W_])")


def hit_test(
    wanted: set[str],
    engine: DriverSql | None = None,
    known: Mapping[frozenset[str], frozenset[str]] | None = None,
) -> HitTest:
    """The hit test for a page whose hits matched ``wanted`` (terms); their written forms read
    from ``search_form``, unless ``known`` (``SearchPage.forms``) has them."""
    written = (known or {}).get(frozenset(wanted))
    if written is None:
        rows = (engine or backend()).words_with_terms(sorted(wanted)) if wanted else []
        written = frozenset(row[0] for row in rows)
    return HitTest(wanted, written)


# The query's words split from the rest in C: ``split`` gives separator, word, separator, … ,
# separator. Separators hold no letters (letters are word characters), so a letter joins them for
# one escape call and splits them apart again.
SPLIT_RE = re.compile(f"({WORD_RE.pattern})")
SEPARATOR_JOIN = "Z"


def _marked(parts: list[str], is_hit: Callable[[str], bool]) -> str:
    """Separators escaped, words that are hits in <mark>; words are letters and digits only, so
    they need no escaping. A page marks some thousand words: per word, one dict look-up."""
    words = parts[1::2]
    marks = list(map(is_hit, words))
    if any(marks):
        words = [f"<mark>{w}</mark>" if hit else w for w, hit in zip(words, marks, strict=True)]
    out = parts.copy()
    out[0::2] = html.escape(SEPARATOR_JOIN.join(parts[0::2])).split(SEPARATOR_JOIN)
    out[1::2] = words
    return "".join(out)


# The one character whose lower case is two characters: a word holding it may be a hit that the
# finder, comparing letter by letter, does not see.
DOTTED_I = "\u0130"


def finder_for(text: str, is_hit: Callable[[str], bool]) -> re.Pattern | None:
    """The hit test's finder, if it can mark this text: a page's words were looked up in
    ``search_form`` (not through the lexicon) and the text has no dotted capital I."""
    finder = getattr(is_hit, "finder", None)
    return finder if finder is not None and DOTTED_I not in text else None


def _found(text: str, finder: re.Pattern, is_hit: Callable[[str], bool]) -> Iterator[re.Match]:
    """The text's hits, as matches in its lower-cased copy (as long as the text: no dotted I)."""
    lowered = text.lower()
    for found in finder.finditer(lowered):
        start = found.start()
        if (start == 0 or not lowered[start - 1].isalnum()) and is_hit(found.group()):
            yield found


def _marked_found(text: str, finder: re.Pattern, is_hit: Callable[[str], bool]) -> str:
    """As ``_marked``, the hits found by the finder: per hit, not per word, in Python. The text
    is escaped first, in one call: the words are letters and digits, which escaping leaves alone,
    and a match that starts an entity's name (``&amp;``, ``&#x27;``) is not a word."""
    escaped = html.escape(text)
    out, last = [], 0
    for found in _found(escaped, finder, is_hit):
        start, end = found.span()
        if start and (escaped[start - 1] == "&" or escaped.endswith("&#", 0, start)):
            continue
        out += (escaped[last:start], "<mark>", escaped[start:end], "</mark>")
        last = end
    if not out:
        return escaped
    out.append(escaped[last:])
    return "".join(out)


def _first_hit(body: str, finder: re.Pattern, is_hit: Callable[[str], bool]) -> int:
    """The number of the body's first word that is a hit, if among its first MAX_SNIPPET_SCAN
    words, else 0."""
    for found in _found(body, finder, is_hit):
        number = len(WORD_RE.findall(body, 0, found.start()))
        return number if number < MAX_SNIPPET_SCAN else 0
    return 0


def _word_at(body: str, number: int, start: int = 0) -> re.Match | None:
    """The ``number``-th word (from 0) from ``start`` on, if the body has that many."""
    return next(itertools.islice(WORD_RE.finditer(body, start), number, None), None)


def _found_snippet(body: str, finder: re.Pattern, is_hit: Callable[[str], bool], size: int) -> str:
    """As ``snippet``'s word-by-word way, with the finder: the window's ends are found by the
    word regex in C, and only the window is escaped and marked (not the whole body split)."""
    lo = max(0, _first_hit(body, finder, is_hit) - size // 4)
    start = _word_at(body, lo).start() if lo > 0 else 0
    last = _word_at(body, size - 1, start)
    more = last is not None and WORD_RE.search(body, last.end()) is not None
    end = last.end() if more else len(body)
    marked = _marked_found(body[start:end], finder, is_hit)
    return ("… " if lo > 0 else "") + marked + (" …" if more else "")


# Per process: texts already marked, by text and hit test (``marked``). A text longer than
# MARKED_TEXT_MAX is marked afresh: the key holds the whole text, and 4,096 long posts would
# hold a worker's memory for little (a long post is seldom the same hit twice).
MARKED_KEPT = 4096
MARKED_TEXT_MAX = 2000
_marked_kept: OrderedDict[tuple, Markup] = OrderedDict()


def marked(text: str, is_hit: Callable[[str], bool], size: int | None = None) -> Markup:
    """``highlight(text, is_hit)``, or ``snippet(text, is_hit, size)`` given a ``size``, kept
    for the same text and hit test (a ``HitTest``'s ``key``): the same words searched again show
    the same titles and snippets, and marking a page's cost more than a tenth of its render."""
    key = getattr(is_hit, "key", None)
    if key is None or len(text) > MARKED_TEXT_MAX:
        return highlight(text, is_hit) if size is None else snippet(text, is_hit, size)
    kept = (text, key, size)
    try:
        _marked_kept.move_to_end(kept)
        return _marked_kept[kept]
    except KeyError:
        found = highlight(text, is_hit) if size is None else snippet(text, is_hit, size)
        while len(_marked_kept) >= MARKED_KEPT:
            _marked_kept.popitem(last=False)
        _marked_kept[kept] = found
        return found


def highlight(value: str, is_hit: Callable[[str], bool]) -> Markup:
    """The text escaped, with matching words in <mark>."""
    finder = finder_for(value, is_hit)
    if finder is not None:
        return Markup(_marked_found(value, finder, is_hit))  # noqa: S704  (escaped parts)
    return Markup(_marked(SPLIT_RE.split(value), is_hit))  # noqa: S704  (built from escaped parts)


def snippet(body: str, is_hit: Callable[[str], bool], size: int = SNIPPET_WORDS) -> Markup:
    """About ``size`` words of the body from just before its first hit, escaped, hits in <mark>."""
    finder = finder_for(body, is_hit)
    if finder is not None:
        if WORD_RE.search(body) is None:
            return Markup("")
        return Markup(_found_snippet(body, finder, is_hit, size))  # noqa: S704  (escaped parts)
    parts = SPLIT_RE.split(body)
    words = parts[1::2]
    if not words:
        return Markup("")
    scanned = map(is_hit, words[:MAX_SNIPPET_SCAN])
    first = next(itertools.compress(itertools.count(), scanned), 0)
    lo = max(0, first - size // 4)
    hi = min(len(words), lo + size)
    # From the window's first word (or the body's start) to its last word (or the body's end),
    # kept as separator, word, …, separator.
    window = ["", *parts[2 * lo + 1 : 2 * hi]] if lo > 0 else parts[: 2 * hi]
    window.append("" if hi < len(words) else parts[-1])
    text_html = (
        ("… " if lo > 0 else "") + _marked(window, is_hit) + (" …" if hi < len(words) else "")
    )
    return Markup(text_html)  # noqa: S704  (built from escaped parts)
