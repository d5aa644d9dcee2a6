"""Meetings (title, agenda, minutes), topic suggestions and people in the site search.

Meetings and topic suggestions have an index of their own (``search_item``, migration 0014) with
the same words and terms as the forum's documents, so they are matched and ranked by the same
code in ``hub.forum.search``. The meetings' rules call ``reindex_meeting`` after every change to
a meeting's text or its suggestions, in the same transaction. Every signed-in member may see every
meeting, so no filter is needed there. People are found by name or expertise only among those the
directory lists (``hub.directory.privacy.listed_condition``, through the directory's own query).

Interface: ``reindex_meeting``, ``rebuild_items``, ``search_items`` (meetings and topics at
once), ``search_meetings``, ``search_topics`` and ``search_people``, each search giving a
``Section``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import NamedTuple

from cachetools import TTLCache
from flask import current_app
from markupsafe import Markup
from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)

from hub.auth.models import User
from hub.core.driver_rows import DriverStatement, in_list, written_in
from hub.core.models import Tag, user_expertise
from hub.directory.listing import (
    DirectoryFilters,
    filter_values,
    people_statement,
    prepared,
)
from hub.directory.names import normalise_name
from hub.extensions import db
from hub.forum.search import (
    ITEM_KINDS,
    SNIPPET_WORDS,
    HitTest,
    ParsedQuery,
    backend,
    hit_test,
    index_text,
    kinds_apart,
    marked,
    parse_query,
    plain_text,
    ranked,
    remember_words,
    written_words,
)
from hub.meetings.models import Meeting, TopicSuggestion

MEETING, TOPIC = ITEM_KINDS
REBUILD_BATCH = 200

# Core-only, like ``search_document``: not in the models' metadata.
search_item = Table(
    "search_item",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("meeting_id", Integer, nullable=False),
    Column("topic_id", Integer),
    Column("title", Text, nullable=False),
    Column("title_words", Text, nullable=False),
    Column("title_terms", Text, nullable=False),
    Column("body_words", Text, nullable=False),
    Column("body_terms", Text, nullable=False),
    Column("body", Text, nullable=False),
)


# --- Indexing ------------------------------------------------------------------------------------


def meeting_rows(meeting, topics: Sequence) -> list[dict]:
    """The index rows of a meeting (its title; agenda and minutes as body) and its topics (each
    suggestion's text as title, the meeting's title as body, which is shown beside it)."""
    texts = (plain_text(meeting.agenda_html), plain_text(meeting.minutes_html))
    body = " ".join(t for t in texts if t)
    rows = [
        {
            "kind": MEETING,
            "meeting_id": meeting.id,
            "topic_id": None,
            "title": meeting.title,
            "title_words": written_words(meeting.title),
            "title_terms": index_text(meeting.title),
            "body_words": written_words(body),
            "body_terms": index_text(body),
            "body": body,
        }
    ]
    rows += [
        {
            "kind": TOPIC,
            "meeting_id": meeting.id,
            "topic_id": topic.id,
            "title": topic.text,
            "title_words": written_words(topic.text),
            "title_terms": index_text(topic.text),
            "body_words": "",
            "body_terms": "",
            "body": meeting.title,
        }
        for topic in topics
    ]
    return rows


MEETING_TEXT = select(Meeting.id, Meeting.title, Meeting.agenda_html, Meeting.minutes_html)


def topics_of(meeting_ids: Sequence[int]) -> list:
    return db.session.execute(
        select(TopicSuggestion.id, TopicSuggestion.meeting_id, TopicSuggestion.text)
        .where(TopicSuggestion.meeting_id.in_(meeting_ids))
        .order_by(TopicSuggestion.id)
    ).all()


def reindex_meeting(meeting_id: int) -> None:
    """Bring the index in step with a meeting and its topic suggestions (flushes, never commits)."""
    db.session.flush()
    db.session.execute(delete(search_item).where(search_item.c.meeting_id == meeting_id))
    meeting = db.session.execute(MEETING_TEXT.where(Meeting.id == meeting_id)).first()
    if meeting is None:
        return
    rows = meeting_rows(meeting, topics_of([meeting_id]))
    db.session.execute(insert(search_item), rows)
    remember_words(rows)


def rebuild_items() -> int:
    """Rebuild the meetings' and topics' index; returns the number of rows."""
    db.session.flush()
    db.session.execute(delete(search_item))
    count, last_id = 0, 0
    while True:
        batch = db.session.execute(
            MEETING_TEXT.where(Meeting.id > last_id).order_by(Meeting.id).limit(REBUILD_BATCH)
        ).all()
        if not batch:
            return count
        topics: dict[int, list] = {m.id: [] for m in batch}
        for topic in topics_of(list(topics)):
            topics[topic.meeting_id].append(topic)
        rows = [row for m in batch for row in meeting_rows(m, topics[m.id])]
        db.session.execute(insert(search_item), rows)
        remember_words(rows)
        count += len(rows)
        last_id = batch[-1].id


# --- Searching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemHit:
    meeting_id: int
    topic_id: int | None
    starts_at: datetime
    title_html: Markup
    context_html: Markup  # a meeting's agenda or minutes around the hit; a topic's meeting


@dataclass
class Section:
    """The first hits of one kind and how many there are (up to the cap)."""

    hits: list = field(default_factory=list)
    total: int = 0


def _item_rows() -> Select:
    return (
        select(
            search_item.c.id,
            search_item.c.meeting_id,
            search_item.c.topic_id,
            search_item.c.title,
            search_item.c.body,
            Meeting.starts_at,
        )
        .join(Meeting, Meeting.id == search_item.c.meeting_id)
        .where(in_list(search_item.c.id, "ids", hidden=True))
    )


# Built once, the ids a parameter (a statement made per search cost more than running it), and
# sent on the driver's cursor.
ITEM_ROWS = DriverStatement(_item_rows, lists=("ids",))


def search_items(
    query: str,
    kinds: Sequence[str],
    limit: int,
    corrected: str | None = None,
    forms: Mapping[frozenset[str], frozenset[str]] | None = None,
    holding: frozenset[str] | None = None,
) -> list[Section]:
    """Meetings or topics (``kinds``: MEETING, TOPIC or both) for a query, ranked like posts;
    for each kind the corrected query (from the posts' typo fallback) is tried when the query
    itself finds none. Every kind's pools are read in one statement, their rows in one, and each
    query's written forms once, or not at all when ``forms`` (``SearchPage.forms``: read for
    the posts) has them: the search page shows both kinds on every search. ``holding``: the
    kinds of which some item holds the query's words (``SearchPage.item_kinds``), when known:
    the query's pools are read for those alone, none when there are none."""
    found = ranked_items(query, kinds, limit, corrected, holding)
    ids = [item_id for page, _total, _parsed in found for item_id in page]
    by_id = {row.id: row for row in ITEM_ROWS.rows({"ids": ids})} if ids else {}
    tests: dict[ParsedQuery, HitTest] = {}
    sections = []
    for page, total, parsed in found:
        if parsed is not None and parsed not in tests:
            tests[parsed] = hit_test({t for group in parsed.groups for t in group}, known=forms)
        rows = (by_id[i] for i in page if i in by_id)
        sections.append(Section([item_hit(row, tests[parsed]) for row in rows], total))
    return sections


def ranked_items(
    query: str,
    kinds: Sequence[str],
    limit: int,
    corrected: str | None,
    holding: frozenset[str] | None = None,
) -> list[tuple[list[int], int, ParsedQuery | None]]:
    """For each kind, the ids of its first ``limit`` hits, how many (up to the pools' cap) and
    the query that found them; none when neither the query nor its correction finds any. The
    kinds' pools are read in one statement, the correction's for the kinds still without hits;
    the query's only for the kinds ``holding`` its words, when that is known."""
    found: dict[str, tuple[list[int], int, ParsedQuery | None]] = {k: ([], 0, None) for k in kinds}
    left = list(kinds)
    attempts = [(query, holding)] if query else []
    if corrected:
        attempts.append((corrected, None))
    for attempt, known in attempts:
        parsed = parse_query(attempt)
        if not parsed or not left:
            break
        asked = left if known is None else [kind for kind in left if kind in known]
        pools_of = backend().pools_apart(parsed, kinds_apart(asked)) if asked else []
        for kind, pools in zip(asked, pools_of, strict=True):
            best = ranked(pools)
            if best:
                found[kind] = (sorted(best, key=best.__getitem__)[:limit], len(best), parsed)
        left = [kind for kind in left if found[kind][2] is None]
    return [found[kind] for kind in kinds]


def item_hit(row, is_hit: HitTest) -> ItemHit:
    return ItemHit(
        meeting_id=row.meeting_id,
        topic_id=row.topic_id,
        starts_at=row.starts_at,
        title_html=marked(row.title, is_hit),
        context_html=marked(row.body, is_hit, None if row.topic_id else SNIPPET_WORDS),
    )


def search_kind(
    kind: str,
    query: str,
    limit: int = 5,
    corrected: str | None = None,
    forms: Mapping[frozenset[str], frozenset[str]] | None = None,
    holding: frozenset[str] | None = None,
) -> Section:
    """One kind's section (MEETING or TOPIC): ``search_items`` for it alone."""
    return search_items(query, (kind,), limit, corrected, forms, holding)[0]


search_meetings = partial(search_kind, MEETING)
search_topics = partial(search_kind, TOPIC)


# --- People --------------------------------------------------------------------------------------

MAX_PEOPLE = 100


def search_people(query: str, limit: int = 5, tags: Sequence | None = None) -> Section:
    """People the directory lists whose name starts with the query, then those whose expertise
    matches a query word in any of its forms; each group by name. The hits are rows (id, name,
    title): the page shows nothing else, and only a few of up to 2 × MAX_PEOPLE. ``tags``:
    every tag's (id, name), when the caller has loaded them already.

    Every statement is built once (``prepared``), the name and the tags passed as values."""
    if not normalise_name(query):
        return Section()
    values = filter_values(DirectoryFilters(q=query))
    tag_ids = expertise_tags(parse_query(query), tags)
    few = min(limit, MAX_PEOPLE)
    kept = _kept_ids(tag_ids, few) if tag_ids else None
    if kept is not None and kept[0]:
        # The common case, a word with its experts kept and no one of that name: the names and
        # the kept experts in one round trip. Someone named so: the experts as below.
        named, experts = _named_and_kept(values, kept[0], tag_ids)
        if not named:
            return Section(*_checked_experts(experts, kept, tag_ids, few))
    else:
        named = _statement("search-named", _named_statement).rows(values)
    if not tag_ids:
        return Section(named[:limit], len(named))
    experts, counted = find_experts(tag_ids, MAX_PEOPLE if named else few)
    if not named:  # a word: its first experts and how many (up to 100)
        return Section(experts, counted)
    people = list({person.id: person for person in named + experts}.values())
    return Section(people[:limit], len(people))


def find_experts(tag_ids: list[int], wanted: int) -> tuple[list, int]:
    """The first ``wanted`` listed experts on the tags by name, and how many there are up to
    MAX_PEOPLE.

    Kept per worker for ``FORUM_EXPERTS_KEPT_SECONDS``, as the question page's ranking of
    experts is (``hub.forum.questions.experts_for``): who they were, and how many. Whether each
    is still listed and still has one of the tags as expertise, and their name and title, are
    read afresh on every search (by id: a statement PostgreSQL plans once), and if one of them
    is gone (hidden, deactivated, the topic taken off their profile) the section is made anew,
    so such a member is gone at once. Only the count may be that old when an expert beyond the
    first ``wanted`` is gone, and a new expert may wait that long to be shown. Made for every
    search, the experts' statement was a fifth of the PostgreSQL server's time per search at
    large (0.6 ms: planned each time, see ``experts_now``)."""
    found = _kept_ids(tag_ids, wanted)
    if found is None:
        return _experts_anew(tag_ids, wanted)
    ids = found[0]
    values = {"ids": ids, "tag_ids": tag_ids}
    people = _statement("search-experts-kept", _experts_by_id).rows(values) if ids else []
    return _checked_experts(people, found, tag_ids, wanted)


def _kept_ids(tag_ids: list[int], wanted: int) -> tuple[list[int], int] | None:
    """The experts' ids and count kept for the tags and length (``find_experts``), if any."""
    kept = _kept_experts()
    return kept.get((tuple(tag_ids), wanted)) if kept is not None else None


def _checked_experts(
    people: list, found: tuple[list[int], int], tag_ids: list[int], wanted: int
) -> tuple[list, int]:
    """The kept experts as read again by id, or the experts found anew when one is gone."""
    if len(people) == len(found[0]):
        return people, found[1]
    return _experts_anew(tag_ids, wanted)


def _experts_anew(tag_ids: list[int], wanted: int) -> tuple[list, int]:
    """``experts_now``, kept."""
    people, counted = experts_now(tag_ids, wanted)
    kept = _kept_experts()
    if kept is not None:
        kept[(tuple(tag_ids), wanted)] = ([person.id for person in people], counted)
    return people, counted


def _named_and_kept(values: dict, ids: list[int], tag_ids: list[int]) -> tuple[list, list]:
    """The people by name and those of the kept experts ``ids`` still listed with one of the
    tags, each by name, in one statement (``_named_and_kept_statement``)."""
    statement = _statement("search-named-and-kept", _named_and_kept_statement)
    rows = statement.rows(values | {"ids": ids, "tag_ids": tag_ids})
    named = [Person(row.id, row.name, row.title) for row in rows if row.part == 0]
    return named, [Person(row.id, row.name, row.title) for row in rows if row.part == 1]


KEPT_EXPERTS = "hub_search_experts"
MAX_KEPT_EXPERTS = 1024  # tags and lengths: the realistic mix's words make some twenty


def _kept_experts() -> TTLCache | None:
    """This worker's experts kept (None: keeping is off, ``FORUM_EXPERTS_KEPT_SECONDS`` 0)."""
    kept = current_app.extensions.get(KEPT_EXPERTS)
    if kept is None:
        seconds = current_app.config["FORUM_EXPERTS_KEPT_SECONDS"]
        if seconds <= 0:
            return None
        kept = current_app.extensions[KEPT_EXPERTS] = TTLCache(MAX_KEPT_EXPERTS, seconds)
    return kept


def experts_now(tag_ids: list[int], wanted: int) -> tuple[list, int]:
    """``find_experts`` read from the database. A common tag's experts are found down the name
    index, stopping after ``wanted``; a rarer one's (under MAX_PEOPLE) from the tag, all of
    them sorted: either way a few hundred rows at most, where sorting every expert of a common
    tag read thousands at 10x the data. PostgreSQL plans it for each call: a plan for any tags
    read 3,015 buffers against 231 (bench/README.md, session 12)."""
    values = {"tag_ids": tag_ids, "wanted": wanted}
    if db.engine.dialect.name == "postgresql":  # one round trip
        found = _statement("search-experts", _experts_statement).rows(values)
        # No row: no listed expert; else either way finds one at least, each row the count.
        return found, found[0].counted if found else 0
    # SQLite (statements are calls in this process) built the way not taken when given both.
    counted = _statement("search-experts-count", _experts_count).rows(values)[0][0]
    if counted < MAX_PEOPLE:
        return _statement("search-experts-few", _experts_from_tags).rows(values), counted
    return _statement("search-experts-many", _experts_by_name).rows(values), counted


def _statement(name: str, build: Callable[[], Select]) -> DriverStatement:
    """The people statements, built once per process (``prepared``: values as parameters) and
    sent on the driver's cursor: through SQLAlchemy each cost more than the database's work."""
    return prepared((name,), lambda: DriverStatement(build, lists=("tag_ids", "ids")))


def _experts_by_id() -> Select:
    """Those of the people ``ids`` the directory lists who still have one of the tags
    ``tag_ids`` as expertise, by name (rows as the sections'). Both lists hidden from the
    planner: one plan kept for any."""
    expert = exists().where(
        user_expertise.c.user_id == User.id,
        in_list(user_expertise.c.tag_id, "tag_ids", hidden=True),
    )
    listed = people_statement(DirectoryFilters(), bound=False)
    return person_rows(listed.where(in_list(User.id, "ids", hidden=True), expert))


def _named_statement() -> Select:
    return person_rows(people_statement(DirectoryFilters(q="any name"), bound=False))


class Person(NamedTuple):
    """A person's row as the sections' statements give it."""

    id: int
    name: str
    title: str | None


def _named_and_kept_statement() -> Select:
    """``_named_statement`` (part 0) and ``_experts_by_id`` (part 1) in one statement, each by
    name as on its own: each part keeps the plan it has alone (its values hidden from the
    planner, its limit written in), the names' range on the keys and the ids' list."""
    parts = []
    for part, build in enumerate((_named_statement, _experts_by_id)):
        rows = build().add_columns(User.name_key).subquery()
        parts.append(select(literal(part, Integer).label("part"), *rows.c))
    both = union_all(*parts).subquery()
    return select(both.c.part, both.c.id, both.c.name, both.c.title).order_by(
        both.c.part, both.c.name_key, both.c.id
    )


def _with_tags(column: ColumnElement[int]) -> ColumnElement[bool]:
    return in_list(column, "tag_ids")


def _experts_from_tags() -> Select:
    with_expertise = User.id.in_(
        select(user_expertise.c.user_id).where(_with_tags(user_expertise.c.tag_id))
    )
    listed = people_statement(DirectoryFilters(), bound=False).where(with_expertise)
    return person_rows(listed).limit(bindparam("wanted", required=True))


def _experts_by_name() -> Select:
    expert = exists().where(
        user_expertise.c.user_id == User.id, _with_tags(user_expertise.c.tag_id)
    )
    listed = people_statement(DirectoryFilters(), bound=False).where(expert)
    return person_rows(listed).limit(bindparam("wanted", required=True))


def _experts_statement() -> Select:
    """Both ways in one statement (PostgreSQL: one round trip), each under a condition on the
    count that PostgreSQL tests once (a one-time filter), before reading anything for the way
    not taken: rows (id, name, title, counted), sorted."""
    gate = select(_experts_count().scalar_subquery().label("counted")).cte("counted_experts")
    counted = select(gate.c.counted).scalar_subquery()
    ways = [
        select(way.add_columns(User.name_key).where(condition).subquery())
        for way, condition in (
            (_experts_from_tags(), counted < MAX_PEOPLE),
            (_experts_by_name(), counted >= MAX_PEOPLE),
        )
    ]
    both = union_all(*ways).subquery()
    return select(both.c.id, both.c.name, both.c.title, counted.label("counted")).order_by(
        both.c.name_key, both.c.id
    )


def _experts_count() -> Select:
    """Up to MAX_PEOPLE listed experts counted, "not hidden" tested against the hidden
    profiles' list (``counting``), not each expert's profile (PostgreSQL: 321 of the count's
    368 buffers for two tags at 2,000 members)."""
    with_expertise = User.id.in_(
        select(user_expertise.c.user_id).where(_with_tags(user_expertise.c.tag_id))
    )
    listed = people_statement(DirectoryFilters(), bound=False, counting=True).where(with_expertise)
    first = listed.with_only_columns(User.id).limit(MAX_PEOPLE).subquery()
    return select(func.count()).select_from(first)


def person_rows(listed: Select) -> Select:
    """The people's rows by name, up to MAX_PEOPLE written in: given ``LIMIT $1``, PostgreSQL's
    plan for any name (or ids) expected a tenth of the members wanted and walked them all in
    name order (2,007 buffers at large for a name no one has, against 4)."""
    return (
        listed.with_only_columns(User.id, User.name, User.title)
        .order_by(User.name_key, User.id)
        .limit(written_in("most", MAX_PEOPLE))
    )


def expertise_tags(parsed: ParsedQuery, tags: Sequence | None = None) -> list[int]:
    """Tags whose name holds every query word in some form (tags are few: compared here)."""
    if not parsed:
        return []
    if tags is None:
        tags = db.session.execute(select(Tag.id, Tag.name)).all()
    return list(matching_tags(tuple(tags), parsed.groups))


@lru_cache(maxsize=1024)
def matching_tags(tags: tuple, groups: tuple) -> tuple[int, ...]:
    """The ids of the tags (rows with an id and a name) whose name holds a form of every
    group's word: kept per tags and words rather than every tag compared on every search."""
    return tuple(tag.id for tag in tags if tag_matches(tag.name, groups))


@lru_cache(maxsize=4096)
def tag_terms(name: str) -> frozenset[str]:
    """A tag name's terms: the same for a name for the life of the process (the lexicon is
    loaded once), and worked out for every tag on every search before."""
    return frozenset(index_text(name).split())


def tag_matches(name: str, groups: tuple) -> bool:
    terms = tag_terms(name)
    return all(not terms.isdisjoint(group) for group in groups)
