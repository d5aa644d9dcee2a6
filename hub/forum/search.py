"""Full-text search over questions and answers, and people by name.

The forum calls ``reindex_question`` after every change to a question or its answers (create, edit,
delete, hide, merge), in the same transaction. The index holds visible content only, one document
per question or answer, with its text normalised by ``hub.forum.lemmas`` in Python so that SQLite
(FTS5, bm25) and PostgreSQL (tsvector ``simple`` with GIN, ts_rank_cd) agree on what matches.
The tables are made by migration 0005 and kept out of the models' metadata.

Interface: ``reindex_question``, ``remove_question``, ``rebuild_index``, ``search`` (a
``SearchPage`` of ``SearchHit``), ``similar_questions`` and ``search_people``.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
)

from hub.auth.models import User
from hub.extensions import db
from hub.forum.lemmas import STOPWORDS, WORD_RE, index_terms, index_text, query_groups
from hub.forum.models import Answer, Question

MAX_QUERY_LENGTH = 200
# How many of the newest hits per tier SQLite ranks (see SqliteBackend); counting stops there too,
# and past it the page says "over 100 hits".
POOL = 100
COUNT_CAP = POOL
TITLE_POOL = 50
SNIPPET_WORDS = 30
# A hit further into a long post than this is not looked for; its opening is shown instead.
MAX_SNIPPET_SCAN = 2000
REBUILD_BATCH = 500

# Core-only description for inserts and deletes; deliberately not in db.metadata (see
# migration 0050 for the real, dialect-specific tables).
_search_metadata = MetaData()
search_document = Table(
    "search_document",
    _search_metadata,
    Column("id", Integer, primary_key=True),
    Column("question_id", Integer, nullable=False),
    Column("answer_id", Integer),
    Column("title_terms", Text, nullable=False),
    Column("body_terms", Text, nullable=False),
    Column("body", Text, nullable=False),
)
SEARCH_TABLES = frozenset({"search_document", "search_fts", "search_title_fts"})
SHADOW_PREFIXES = ("search_fts_", "search_title_fts_")


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search tables (and FTS5's shadow tables) are not in the models."""
    if type_ == "table" and name:
        return name not in SEARCH_TABLES and not name.startswith(
            ("search_fts_", "search_title_fts_")
        )
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


def question_rows(question, answers: Iterable) -> list[dict]:
    """The index documents for a visible question and its visible answers (any objects with
    ``id``, ``title``/``body_html``: ORM instances or rows)."""
    body = plain_text(question.body_html)
    rows = [
        {
            "question_id": question.id,
            "answer_id": None,
            "title_terms": index_text(question.title),
            "body_terms": index_text(body),
            "body": body,
        }
    ]
    for answer in answers:
        body = plain_text(answer.body_html)
        rows.append(
            {
                "question_id": question.id,
                "answer_id": answer.id,
                "title_terms": "",
                "body_terms": index_text(body),
                "body": body,
            }
        )
    return rows


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
    session.execute(insert(search_document), question_rows(question, answers))


def remove_question(question_id: int) -> None:
    """Take a question and its answers out of the index."""
    db.session.execute(delete(search_document).where(search_document.c.question_id == question_id))


def rebuild_index() -> int:
    """Rebuild the whole index from the visible questions; returns the number of documents."""
    session = db.session
    session.flush()
    session.execute(delete(search_document))
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
        count += len(rows)
        last_id = batch[-1].id


# --- Searching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None
    tag_slug: str | None = None
    answered: bool | None = None

    def sql(self) -> tuple[str, dict]:
        clauses, params = [], {}
        if self.category_id is not None:
            clauses.append("q.category_id = :category_id")
            params["category_id"] = self.category_id
        if self.answered is not None:
            clauses.append("q.answer_count > 0" if self.answered else "q.answer_count = 0")
        if self.tag_slug is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM question_tag qt JOIN tag t ON t.id = qt.tag_id"
                " WHERE qt.question_id = q.id AND t.slug = :tag_slug)"
            )
            params["tag_slug"] = self.tag_slug
        return "".join(f" AND {c}" for c in clauses), params

    @property
    def empty(self) -> bool:
        return self == Filters()


class SqliteBackend:
    """FTS5 over the normalised terms, ranked by bm25 (a title hit weighs ten body hits).

    bm25 costs microseconds per row, so ranking every hit of a common word over 100,000 posts
    takes hundreds of milliseconds. We rank bounded pools instead: the newest ``TITLE_POOL``
    documents with every word in the title (from a title-only index, whose lists are short) come
    first, then the newest ``POOL`` hits anywhere, each tier by bm25. A pool is a walk down FTS5's
    rowid order (no sort), so bm25 runs on at most TITLE_POOL + POOL rows, and the second pool's
    size is the hit count (capped at POOL, so every counted hit can be paged to).
    """

    @staticmethod
    def match(groups: list[tuple[str, ...]], any_group: bool = False) -> str:
        # Terms are letters and digits only, and each is quoted: no FTS5 syntax can get through.
        ors = ["(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in groups]
        return (" OR " if any_group else " AND ").join(ors)

    @staticmethod
    def rows(sql: str, params: dict) -> list[tuple]:
        """Plain tuples from the driver: the pools are the hot path, and two statements sent as
        they are (no SQLAlchemy compilation or row objects) run faster than their UNION ALL."""
        result = db.session.connection().exec_driver_sql(sql, params)
        try:
            return result.cursor.fetchall()
        finally:
            result.close()

    @staticmethod
    def pool_sql(table: str, filters: Filters, limit_param: str) -> str:
        where, _ = filters.sql()
        joins = (
            ""
            if filters.empty
            else f" JOIN search_document d ON d.id = {table}.rowid"
            " JOIN question q ON q.id = d.question_id"
        )
        return (
            f"SELECT {table}.rowid AS id, {table}.rank AS score"  # noqa: S608  (fixed SQL)
            f" FROM {table}{joins} WHERE {table} MATCH :match{where}"
            f" ORDER BY {table}.rowid DESC LIMIT :{limit_param}"
        )

    def search(self, groups, filters: Filters, limit: int, offset: int):
        _, params = filters.sql()
        params |= {"match": self.match(groups), "title_pool": TITLE_POOL, "pool": COUNT_CAP + 1}
        title_pool = self.rows(self.pool_sql("search_title_fts", filters, "title_pool"), params)
        best = {row_id: (0, score) for row_id, score in title_pool}
        full_pool = self.rows(self.pool_sql("search_fts", filters, "pool"), params)
        for row_id, score in full_pool:
            best.setdefault(row_id, (1, score))
        total = len(full_pool)
        ranked = sorted(best, key=lambda i: (*best[i], -i))[offset : offset + limit]
        return documents(ranked), total

    def similar(self, groups, limit: int):
        # Only questions have title terms, so the title index finds questions only.
        sql = (
            "SELECT q.id, q.title FROM ("
            " SELECT rowid AS id, rank AS score FROM search_title_fts"
            " WHERE search_title_fts MATCH :match ORDER BY rowid DESC LIMIT :pool) AS hit"
            " JOIN search_document d ON d.id = hit.id JOIN question q ON q.id = d.question_id"
            " ORDER BY hit.score, hit.id DESC LIMIT :limit"
        )
        params = {"match": self.match(groups, any_group=True), "pool": COUNT_CAP, "limit": limit}
        return db.session.execute(text(sql), params).all()


def documents(ids: list[int]) -> list:
    """The text of these documents with their question's title, in the order given."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))  # SQLite's own placeholders, one per id
    sql = (
        "SELECT d.id, d.question_id, d.answer_id, d.body, q.title FROM search_document d"  # noqa: S608
        f" JOIN question q ON q.id = d.question_id WHERE d.id IN ({marks})"
    )
    by_id = {row.id: row for row in db.session.connection().exec_driver_sql(sql, tuple(ids))}
    return [by_id[i] for i in ids if i in by_id]


class PostgresBackend:
    """A generated tsvector (title weight A, body D) with a GIN index, ranked by ts_rank_cd."""

    @staticmethod
    def tsquery(groups: list[tuple[str, ...]], any_group: bool = False) -> str:
        ors = ["(" + " | ".join(f"'{t}'" for t in group) + ")" for group in groups]
        return (" | " if any_group else " & ").join(ors)

    def search(self, groups, filters: Filters, limit: int, offset: int):
        where, params = filters.sql()
        sql = (
            "SELECT d.id, d.question_id, d.answer_id, d.body, q.title"  # noqa: S608  (fixed SQL fragments; values are bound)
            " FROM search_document d JOIN question q ON q.id = d.question_id,"
            " to_tsquery('simple', :tsquery) AS query"
            f" WHERE d.tsv @@ query{where}"
            " ORDER BY ts_rank_cd(d.tsv, query) DESC, d.id LIMIT :limit OFFSET :offset"
        )
        params |= {"tsquery": self.tsquery(groups), "limit": limit, "offset": offset}
        rows = db.session.execute(text(sql), params).all()
        if offset == 0 and len(rows) < limit:
            return rows, len(rows)  # every hit is on this page: no need to count them
        return rows, self.count(groups, filters)

    def count(self, groups, filters: Filters) -> int:
        where, params = filters.sql()
        inner = (
            "SELECT 1 FROM search_document d JOIN question q ON q.id = d.question_id"  # noqa: S608  (fixed SQL fragments; values are bound)
            f" WHERE d.tsv @@ to_tsquery('simple', :tsquery){where} LIMIT :cap"
        )
        params |= {"tsquery": self.tsquery(groups), "cap": COUNT_CAP + 1}
        sql = f"SELECT count(*) FROM ({inner}) AS hits"  # noqa: S608  (fixed SQL fragments)
        return db.session.scalar(text(sql), params)

    def similar(self, groups, limit: int):
        sql = (
            "SELECT q.id, q.title FROM search_document d JOIN question q ON q.id = d.question_id,"
            " to_tsquery('simple', :tsquery) AS query"
            " WHERE d.tsv @@ query AND d.answer_id IS NULL"
            " ORDER BY ts_rank_cd(d.tsv, query) DESC, d.id LIMIT :limit"
        )
        params = {"tsquery": self.tsquery(groups, any_group=True), "limit": limit}
        return db.session.execute(text(sql), params).all()


def backend() -> SqliteBackend | PostgresBackend:
    return SqliteBackend() if db.engine.dialect.name == "sqlite" else PostgresBackend()


def search(
    query: str,
    *,
    category_id: int | None = None,
    tag_slug: str | None = None,
    answered: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Ranked hits for a free-text query; every query word (or a form of it) must match."""
    result = SearchPage(query=query, page=max(1, page), per_page=per_page)
    groups = query_groups(query[:MAX_QUERY_LENGTH])
    if not groups:
        return result
    result.searched = True
    filters = Filters(category_id, tag_slug, answered)
    engine = backend()
    rows, result.total = engine.search(groups, filters, per_page, (result.page - 1) * per_page)
    is_hit = hit_test({t for group in groups for t in group})
    result.hits = [
        SearchHit(
            document_id=row.id,
            question_id=row.question_id,
            answer_id=row.answer_id,
            title=row.title,
            title_html=highlight(row.title, is_hit),
            snippet_html=snippet(row.body, is_hit),
        )
        for row in rows
    ]
    return result


def similar_questions(title: str, limit: int = 5) -> list[SimilarQuestion]:
    """Visible questions that share words with a title being typed, best first."""
    groups = query_groups(title[:MAX_QUERY_LENGTH], limit=8)
    if not groups:
        return []
    return [SimilarQuestion(row.id, row.title) for row in backend().similar(groups, limit)]


# --- Highlighting --------------------------------------------------------------------------------


class HitTest:
    """Whether a written word is one of the query's forms (memoised for one result page)."""

    def __init__(self, wanted: set[str]) -> None:
        self.wanted = wanted
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        hit = self.seen.get(word)
        if hit is None:
            lowered = word.lower()
            hit = lowered not in STOPWORDS and not self.wanted.isdisjoint(index_terms(lowered))
            self.seen[word] = hit
        return hit


def hit_test(wanted: set[str]) -> HitTest:
    return HitTest(wanted)


def _marked(value: str, matches: Iterable[re.Match], start: int, end: int, is_hit) -> str:
    # Words are letters and digits only, so they need no escaping; everything between is escaped.
    parts, pos = [], start
    for match in matches:
        if is_hit(match.group()):
            parts += (html.escape(value[pos : match.start()]), "<mark>", match.group(), "</mark>")
            pos = match.end()
    parts.append(html.escape(value[pos:end]))
    return "".join(parts)


def highlight(value: str, is_hit: Callable[[str], bool]) -> Markup:
    """The text escaped, with matching words in <mark>."""
    marked = _marked(value, WORD_RE.finditer(value), 0, len(value), is_hit)
    return Markup(marked)  # noqa: S704  (built from escaped parts)


def snippet(body: str, is_hit: Callable[[str], bool], size: int = SNIPPET_WORDS) -> Markup:
    """About ``size`` words of the body from just before its first hit, escaped, hits in <mark>.

    A result page builds twenty of these, so the words are listed by the regex engine and only
    the window's words are visited as match objects.
    """
    words = WORD_RE.findall(body)
    if not words:
        return Markup("")
    first = next((i for i, word in enumerate(words[:MAX_SNIPPET_SCAN]) if is_hit(word)), 0)
    lo = max(0, first - size // 4)
    hi = min(len(words), lo + size)
    window = list(itertools.islice(WORD_RE.finditer(body), lo, hi))
    start = window[0].start() if lo > 0 else 0
    end = window[-1].end() if hi < len(words) else len(body)
    marked = _marked(body, window, start, end, is_hit)
    text_html = ("… " if lo > 0 else "") + marked + (" …" if hi < len(words) else "")
    return Markup(text_html)  # noqa: S704  (built from escaped parts)


# --- People --------------------------------------------------------------------------------------


def search_people(query: str, limit: int = 10) -> list[User]:
    """Active members whose first name, last name or whole name starts with the query.

    Case-insensitive for å, ä and ö too, which SQLite's lower() and LIKE are not, so names are
    compared in Python. The database first keeps only members whose case-folded name key holds
    the query anywhere (a superset of the matches): checking every member's name in Python cost
    half the search page's time with 2,000 members.
    """
    needle = " ".join(query.casefold().split())[:MAX_QUERY_LENGTH]
    if not needle:
        return []
    names = db.session.execute(
        select(User.id, User.name)
        .where(User.active.is_(True), User.name_key.contains(needle, autoescape=True))
        .order_by(User.name, User.id)
    ).all()
    ids = [row.id for row in names if _name_starts_with(row.name, needle)][:limit]
    if not ids:
        return []
    people = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    return sorted(people, key=lambda u: ids.index(u.id))


def _name_starts_with(name: str, needle: str) -> bool:
    folded = " ".join(name.casefold().split())
    if folded.startswith(needle):
        return True
    return any(folded[i + 1 :].startswith(needle) for i, c in enumerate(folded) if c in " -")
