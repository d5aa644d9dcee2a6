"""Rules for questions: asking, editing, deleting, tags, slugs, and the lists."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core.db import reading_connection, utcnow
from hub.core.driver_rows import DriverStatement, in_list, json_array, limits_written_in
from hub.core.kept import KeptRows, drop_kept
from hub.core.markdown import render_markdown
from hub.core.models import Tag, user_expertise
from hub.core.rules import AlreadyDone
from hub.core.tags import (
    existing_tags,
    get_or_create_tags,
    parse_tag_names,
    tag_slug,
    tags_as_read,
)
from hub.directory.models import Municipality, Profile
from hub.directory.privacy import listed_condition, listed_people
from hub.extensions import db
from hub.forum.activity import notify_mentions, notify_new_question
from hub.forum.errors import ForumError, Locked, TooManyPosts
from hub.forum.faces import (
    FACE_COLUMNS,
    FACE_WIDTH,
    Face,
    FaceColumns,
    KnownPlace,
    face_from,
    face_from_json,
    face_of,
    kept_places,
    place_of,
)
from hub.forum.models import (
    Answer,
    AskToAnswer,
    Category,
    Follow,
    Question,
    Revision,
    question_tag,
)
from hub.forum.page_answers import PageAnswer, answers_as_read, answers_column, json_rows
from hub.forum.page_comments import comments_column
from hub.forum.paths import question_path, slugify
from hub.forum.search import reindex_question
from hub.forum.search_form import kept_tags

MAX_TAGS = 5
MAX_NEW_TAGS = 3
DUPLICATE_WINDOW = timedelta(minutes=1)
SORTS = ("newest", "active", "unanswered", "helpful")
__all__ = ["ForumError", "Locked", "TooManyPosts", "question_path", "slugify"]


def check_posting_limit(author: User, kind: str) -> None:
    """Count the post; refuse it past the hourly limits (``hub.core.posting_limits``)."""
    from hub.core.posting_limits import POSTING_LIMITED_MESSAGE, allow_post

    if not allow_post(author.id, kind):
        raise TooManyPosts(str(POSTING_LIMITED_MESSAGE), field="body")


class DuplicatePost(AlreadyDone):
    """The same text from the same person a moment ago: a double submit; ``location`` shows
    the post saved the first time."""

    def __init__(self, existing_id: int, location: str) -> None:
        super().__init__(_("Det här har du redan skickat. Vi sparade det en gång."), location)
        self.existing_id = existing_id


# --- access -------------------------------------------------------------------------------


def is_visible_to(
    question: Question | PageQuestion, user: User, moderator: bool | None = None
) -> bool:
    """``moderator``: whether the user moderates, when the caller knows it already."""
    if question.deleted_at is not None:
        return False
    return not question.hidden or (
        can(user, Permission.MODERATE) if moderator is None else moderator
    )


def get_question_for(user: User, question_id: int, *, full: bool = False) -> Question | None:
    """The question if this user may see it; merged questions are returned so views can redirect."""
    question, _following = get_question_page(user, question_id, full=full)
    return question


def with_face(author) -> list:
    """Load options for a post's author as the post shows them: photo (profile) and
    municipality, in the same statement."""
    return [
        joinedload(author).joinedload(User.profile),
        joinedload(author).joinedload(User.municipality),
    ]


def get_question_page(
    user: User, question_id: int, *, full: bool = True
) -> tuple[Question | None, bool]:
    """The question (with author, category and tags when ``full``) and whether the user follows
    it, in one statement: the follow check and the tags ride along as columns."""
    parameters = {"question_id": question_id, "user_id": user.id}
    dialect = db.session.get_bind().dialect.name
    row = db.session.execute(_question_page_statement(full, dialect), parameters).first()
    if row is None:
        return None, False
    question, is_followed, *tags = row
    if question.merged_into_id is not None:
        return question, False
    if not is_visible_to(question, user):
        return None, False
    if full:
        # One round trip less on the busiest page than a statement (or an ORM loader) of their
        # own; a joined collection made SQLite build the whole tag join.
        set_committed_value(question, "tags", tags_as_read(tags[0]))
    return question, bool(is_followed)


class TagRow(NamedTuple):
    """A tag as the question's row reads it."""

    id: int
    slug: str
    name: str


class PageQuestion(NamedTuple):
    """A question as its page shows it: one row's plain values with its category's, its
    asker's face and its tags. Loaded as ORM objects (the question, its category, the asker,
    their profile and municipality, the tags) it cost a quarter of a later reader's page, for
    nothing but reading them (issue 17)."""

    id: int
    author_id: int | None
    category_id: int
    title: str
    body_source: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden: bool
    locked: bool
    pinned: bool
    accepted_answer_id: int | None
    merged_into_id: int | None
    category_slug: str
    category_name: str
    author: Face | None  # None: the asker's account is gone
    tags: tuple[TagRow, ...]  # in the order of their ids
    # The asker's region: the experts' ranking is kept per region (``experts_for``).
    place_region: str | None = None


PAGE_QUESTION_FIELDS = 16  # PageQuestion's fields before the author
OWN_FIELDS = PAGE_QUESTION_FIELDS - 2  # those the question's own columns give (not its category)


class PageRead(NamedTuple):
    """What the question page's row gives (``read_question_page``)."""

    question: PageQuestion | None  # None: not there, or not for this reader
    following: bool = False
    comments: object = None  # ``page_comments.comments_column``'s, for ``comments_as_read``
    answers: list[tuple[PageAnswer, bool]] | None = None  # as ``answers_for_page`` reads them
    experts: ExpertsRead | None = None  # the kept ranking's first people, when the worker knew it


def read_question_page(user: User, question_id: int) -> PageRead:
    """``get_question_page`` for the page itself: the question as one row read through the
    connection, whether the user follows it, its comments and its answers' as
    ``page_comments.comments_column`` read them (for ``comments_as_read``), and its answers as
    ``answers_for_page`` reads them (a moderator's with the hidden ones). A merged question
    comes back whoever reads it (the page redirects); one the user may not see, as None."""
    moderator = can(user, Permission.MODERATE)
    ranking, ids = _guessed_ranking(question_id, user.id)
    values = {"question_id": question_id, "user_id": user.id} | _people_values(ranking or (), ids)
    found = PAGE_ROW[moderator].rows(values)
    if not found:
        return PageRead(None)
    row = found[0]
    places = kept_places()
    author_values = row[OWN_FIELDS : OWN_FIELDS + FACE_WIDTH]
    author = face_from(author_values, places)
    place = place_of(author_values[-1], places)
    region = place.region_code if place is not None else None
    category = _page_category(row.category_id)
    question = PageQuestion(*row[:OWN_FIELDS], *category, author, _page_tags(row.tags), region)
    if question.merged_into_id is not None:
        return PageRead(question)
    if not is_visible_to(question, user, moderator):
        return PageRead(None)
    answers = answers_as_read(row.answers, question.accepted_answer_id, places)
    experts = (
        None if ranking is None else ExpertsRead(ranking, _people_as_read(row.experts, places), ids)
    )
    # None: no comments, on PostgreSQL
    return PageRead(question, bool(row.following), row.comments or [], answers, experts)


def page_question_of(question: Question) -> PageQuestion:
    """The page's row from a question loaded with ``full`` (its author, category and tags): for
    the page shown again with a form's errors after a POST."""
    category = question.category
    place = question.author.municipality if question.author is not None else None
    return PageQuestion(
        question.id,
        question.author_id,
        question.category_id,
        question.title,
        question.body_source,
        question.body_html,
        question.created_at,
        question.edited_at,
        question.deleted_at,
        question.hidden,
        question.locked,
        question.pinned,
        question.accepted_answer_id,
        question.merged_into_id,
        category.slug,
        category.name,
        face_of(question.author),
        tuple(TagRow(tag.id, tag.slug, tag.name) for tag in question.tags),
        place.region_code if place is not None else None,
    )


def _page_category(category_id: int) -> tuple[str, str]:
    """The question's category's slug and name, from the kept categories as the list shows them
    (``listed_categories``); read afresh when it is not there (made in another worker)."""
    for afresh in (False, True):
        if afresh:
            drop_kept()
        for found_id, slug, name in listed_categories():
            if found_id == category_id:
                return slug, name
    raise LookupError(f"category {category_id}")  # a question's category is never deleted


def _page_tags(found: str | list | None) -> tuple[TagRow, ...]:
    """The question's tags from the ids of ``_listed_tags_column`` (JSON text on SQLite, an
    array or None on PostgreSQL), named from the kept tags as the list names them
    (``_tag_links``), in the order of their ids, as ``tags_as_read`` orders the session's tags.
    Joined to the tag table in the row, they cost the server a hash of every tag on every page."""
    ids = sorted(json_array(found))
    known = kept_tags()
    if any(tag_id not in known for tag_id in ids):
        known = kept_tags(afresh=True)  # a tag made in another worker
    return tuple(TagRow(tag_id, *known[tag_id][1:]) for tag_id in ids)


def _page_row_statement(moderator: bool) -> Select:
    """Built once (``PAGE_ROW``), as the page's other statements: building one cost more than
    running it. The answers are a moderator's (with the hidden ones) or a member's. The
    category and the municipalities are named from the kept reference rows
    (``_page_category``, ``kept_places``): joined here, they were a fifth of its plan."""
    dialect = db.engine.dialect.name
    author = FaceColumns("author")
    # PageQuestion's first fields name the question's own columns: one list to keep.
    own = [getattr(Question, name) for name in PageQuestion._fields[:OWN_FIELDS]]
    more = [_listed_tags_column(dialect, Question.id), _following_column(),
            comments_column(dialect), answers_column(dialect, with_hidden=moderator),
            _experts_column(dialect)]  # fmt: skip
    statement = author.join(select(*own, *author.columns, *more), Question.author_id)
    return statement.where(Question.id == bindparam("question_id"))


# Sent on the driver's cursor: through SQLAlchemy, a statement's execution cost the busiest
# page as much again as SQLite's work (``hub.core.driver_rows``).
# By whether the reader moderates (their answers hold the hidden ones).
PAGE_ROW = {
    moderator: DriverStatement(
        lambda moderator=moderator: _page_row_statement(moderator),
        lists=("expert_ids", "knowing_ids"),
    )
    for moderator in (False, True)
}


def _following_column():
    return (
        exists()
        .where(
            Follow.user_id == bindparam("user_id"),
            Follow.target_type == "question",
            Follow.target_id == Question.id,
        )
        .label("following")
    )


@cache
def _question_page_statement(full: bool, dialect: str) -> Select:
    """Built once: on the busiest page, building the statement cost more than running it."""
    options = [joinedload(Question.category)]
    if full:
        options += with_face(Question.author)
    columns = [Question, _following_column()]
    if full:
        columns.append(_tags_column(dialect))
    return select(*columns).where(Question.id == bindparam("question_id")).options(*options)


def _tags_column(dialect: str):
    """The question's tags as one JSON array of [id, slug, name]."""
    each = (func.json_build_array if dialect == "postgresql" else func.json_array)(
        Tag.id, Tag.slug, Tag.name
    )
    together = func.json_agg(each) if dialect == "postgresql" else func.json_group_array(each)
    return (
        select(together)
        .select_from(question_tag)
        .join(Tag, Tag.id == question_tag.c.tag_id)
        .where(question_tag.c.question_id == Question.id)
        .scalar_subquery()
        .label("tags")
    )


def check_can_edit(user: User, author_id: int | None) -> bool:
    """Only the author edits a post; moderators hide rather than rewrite."""
    return author_id is not None and author_id == user.id


def check_can_delete(user: User, author_id: int | None) -> bool:
    return check_can_edit(user, author_id) or can(user, Permission.MODERATE)


# --- tags ---------------------------------------------------------------------------------


def check_tags(raw: str) -> list[str]:
    """Validate the tag field; returns the names or raises ForumError with a Swedish message."""
    names = parse_tag_names(raw)
    if len(names) > MAX_TAGS:
        raise ForumError(_("Välj högst %(n)s ämnesord.", n=MAX_TAGS), field="tags")
    for name in names:
        if len(name) < 2 or len(name) > 40:
            raise ForumError(
                _("Ett ämnesord ska vara 2–40 tecken långt: ”%(name)s”.", name=name[:40]),
                field="tags",
            )
    existing = existing_tags(names)
    new = [n for n in names if tag_slug(n) not in existing]
    if len(new) > MAX_NEW_TAGS:
        raise ForumError(
            _(
                "Du kan skapa högst %(n)s nya ämnesord åt gången. Nya nu: %(names)s.",
                n=MAX_NEW_TAGS,
                names=", ".join(new),
            ),
            field="tags",
        )
    return names


# --- writing ------------------------------------------------------------------------------


def check_not_duplicate_question(author: User, title: str, body: str) -> None:
    since = utcnow() - DUPLICATE_WINDOW
    existing = db.session.scalar(
        select(Question.id).where(
            Question.author_id == author.id,
            Question.title == title,
            Question.body_source == body,
            Question.created_at >= since,
            Question.deleted_at.is_(None),
        )
    )
    if existing is not None:
        raise DuplicatePost(existing, question_path(existing))


def create_question(
    author: User, *, title: str, body: str, category_id: int, tag_names: list[str]
) -> Question:
    title = title.strip()
    check_not_duplicate_question(author, title, body)
    check_posting_limit(author, "question")
    now = utcnow()
    question = Question(
        author_id=author.id,
        category_id=category_id,
        title=title,
        body_source=body,
        body_html=render_markdown(body),
        created_at=now,
        last_activity_at=now,
    )
    question.tags = get_or_create_tags(tag_names)
    db.session.add(question)
    db.session.flush()
    db.session.add(Follow(user_id=author.id, target_type="question", target_id=question.id))
    reindex_question(question.id)
    notify_new_question(question, author)
    return question


def edit_question(
    question: Question, editor: User, *, title: str, body: str, tag_names: list[str]
) -> None:
    """Keep the old text as a Revision, then save the new one."""
    title = title.strip()
    unchanged = title == question.title and body == question.body_source
    new_tags = get_or_create_tags(tag_names)
    if not unchanged:
        db.session.add(
            Revision(
                target_type="question",
                target_id=question.id,
                editor_id=editor.id,
                title=question.title,
                body_source=question.body_source,
            )
        )
        question.title = title
        question.body_source = body
        question.body_html = render_markdown(body)
        question.edited_at = utcnow()
    question.tags = new_tags
    db.session.flush()
    reindex_question(question.id)
    if not unchanged:
        notify_mentions(body, editor, question_path(question), question.title, question.author_id)


def delete_question(question: Question) -> None:
    question.deleted_at = utcnow()
    db.session.flush()
    reindex_question(question.id)


# --- lists --------------------------------------------------------------------------------


@dataclass
class QuestionFilters:
    sort: str = "newest"
    # Rows or objects: only their id (and slug and name, for the page) are read.
    category: Category | Row | None = None
    tag: Tag | Row | None = None
    mine_expertise: bool = False
    page: int = 1
    per_page: int = 20


def visible_questions() -> Select:
    return select(Question).where(Question.deleted_at.is_(None), Question.hidden == false())


def list_query(filters: QuestionFilters, user: User) -> tuple[ListShape, dict[str, int]]:
    """The shape of the list's statement for these filters and the parameters to run it with.

    A statement is built once per shape (``list_shape``) and kept: building one costs several
    times what SQLite takes to run it (issue 17). What varies per member or page (the category,
    the tag, the member) goes in as parameters; a caller adds ``limit``, ``offset`` and ``upto``
    (their sum: how far each topic is read)."""
    parameters = {"user_id": user.id}
    if filters.category is not None:
        parameters["category_id"] = filters.category.id
    if filters.tag is not None:
        parameters["tag_id"] = filters.tag.id
    shape = ListShape(
        filters.sort,
        filters.category is not None,
        filters.tag is not None,
        filters.mine_expertise,
        lateral=db.engine.dialect.name == "postgresql",
    )
    return shape, parameters


@dataclass(frozen=True)
class ListShape:
    """What decides a list statement's text. ``lateral``: the database reads each of the
    member's topics in a LATERAL join (PostgreSQL); without it (SQLite), in slots."""

    sort: str
    by_category: bool
    by_tag: bool
    mine: bool
    others_only: bool = False  # never the member's own questions (the start page)
    lateral: bool = False


ORDERS = {
    "newest": Question.created_at.desc(),
    "unanswered": Question.created_at.desc(),
    "active": Question.last_activity_at.desc(),
    "helpful": Question.helpful_count.desc(),
}
# The same orders on question_tag's copy of the question's values (migration 0033).
TOPIC_ORDERS = {
    "newest": question_tag.c.created_at,
    "unanswered": question_tag.c.created_at,
    "active": question_tag.c.last_activity_at,
    "helpful": question_tag.c.helpful_count,
}
# Nobody answers their own question.
NOT_MINE = or_(Question.author_id.is_(None), Question.author_id != bindparam("user_id"))


@cache
def list_shape(shape: ListShape) -> Select:
    """The visible questions of ``shape``, in its order, with parameters for what varies."""
    query = visible_questions()
    if shape.by_category:
        query = query.where(Question.category_id == bindparam("category_id"))
    if shape.sort == "unanswered":  # written in, as the partial index's condition has it
        query = query.where(Question.answer_count == literal_column("0"))
    if shape.others_only:
        query = query.where(NOT_MINE)
    if shape.by_tag or shape.mine:
        query = query.where(Question.id.in_(_topics_first(shape)))
    return query.order_by(Question.pinned.desc(), ORDERS[shape.sort], Question.id.desc())


# --- a topic's questions, read per topic in the list's order -------------------------------
#
# Walking all questions in the list's order and testing each for the topic reads every question
# when the topic has none to show (the start page at 200,000 questions: 376 ms on PostgreSQL);
# reading a topic whole and sorting it reads in proportion to the topic. Instead each topic's
# first ``upto`` (the page's end: offset + limit) questions come from the end of its own index on
# question_tag, which carries the question's listed/answered/pinned flags, times and helpful
# count and category. The page is then among those: a question on it has fewer than ``upto``
# ahead of it in any of its topics. The rows read are bounded by the page's end times the number
# of topics, whatever the data, plus those the other filters skip: index entries of the topic in
# other categories, and the member's own questions on the start page.

# The member's topics read one by one on SQLite (no LATERAL): the profile's most (see
# hub/directory/profiles.py); topics beyond them are still found, read whole.
MINE_SLOTS = 12


def _topics_first(shape: ListShape) -> Select:
    """The ids of the first ``upto`` questions of each topic of ``shape`` (a question in two
    topics may come twice)."""
    if not shape.mine:
        return _topic_first(shape, question_tag.c.tag_id == bindparam("tag_id"))
    if shape.by_tag:  # the tag's questions that are also in the member's topics
        return _topic_first(shape, question_tag.c.tag_id == bindparam("tag_id"), in_mine=True)
    knows = user_expertise.c.user_id == bindparam("user_id")
    if shape.lateral:
        per_topic = _topic_first(shape, question_tag.c.tag_id == user_expertise.c.tag_id)
        per_topic = per_topic.lateral("per_topic")
        return (
            select(per_topic.c.question_id)
            .select_from(user_expertise)
            .join(per_topic, true())
            .where(knows)
        )
    mine = select(user_expertise.c.tag_id).where(knows)
    mine = mine.order_by(user_expertise.c.tag_id)
    slots = [
        _topic_first(shape, question_tag.c.tag_id == mine.limit(1).offset(n).scalar_subquery())
        for n in range(MINE_SLOTS)
    ]
    rest = _topic_first(shape, question_tag.c.tag_id.in_(mine.offset(MINE_SLOTS)))
    reads = [select(read.subquery().c.question_id) for read in [*slots, rest]]
    return union_all(*reads)


def _topic_first(shape: ListShape, topic: ColumnElement[bool], *, in_mine: bool = False) -> Select:
    """The first ``upto`` listed questions of a topic in the list's order, from its index."""
    tagged = question_tag.c
    query = select(tagged.question_id).where(topic, tagged.listed == true())
    if shape.sort == "unanswered":
        query = query.where(tagged.answered == false())
    if shape.by_category:  # tested in the index: a topic in other categories reads no question
        query = query.where(tagged.category_id == bindparam("category_id"))
    # The filters on the question itself: each row read is joined to its question to be tested.
    tested = []
    if shape.others_only:
        tested.append(NOT_MINE)
    if in_mine:
        also = aliased(question_tag)
        tested.append(
            exists().where(
                also.c.question_id == tagged.question_id,
                also.c.tag_id.in_(
                    select(user_expertise.c.tag_id).where(
                        user_expertise.c.user_id == bindparam("user_id")
                    )
                ),
            )
        )
    if tested:
        query = query.join(Question, Question.id == tagged.question_id).where(*tested)
    order = TOPIC_ORDERS[shape.sort]
    return query.order_by(tagged.pinned.desc(), order.desc(), tagged.question_id.desc()).limit(
        bindparam("upto")
    )


class ListedQuestion(NamedTuple):
    """A question as a list shows it. Rows, not ORM objects: a page of twenty questions with
    their authors, categories and tags cost more to load as objects than to render; named
    tuples, not frozen dataclasses, made in C (a list's twenty rows and their tags, and each
    kept row's key hashed and compared, issue 17)."""

    id: int
    title: str
    pinned: bool
    answer_count: int
    accepted_answer_id: int | None
    created_at: datetime
    category_name: str
    author_name: str | None  # None: the author's account is gone
    tags: list[TagLink]


class TagLink(NamedTuple):
    slug: str
    name: str


LISTED_COLUMNS = (
    Question.id,
    Question.title,
    Question.pinned,
    Question.answer_count,
    Question.accepted_answer_id,
    Question.created_at,
    Category.name.label("category_name"),
    Question.author_id,  # named after the page (``_listed``)
)


def _listed_tags_column(dialect: str, question_id: ColumnElement[int]):
    """The ids of the question ``question_id``'s tags (an array on PostgreSQL, JSON text on
    SQLite), from ``question_tag``'s key alone, read in the list's own statement: a statement of
    their own was a round trip on every list page (1,917 of the realistic run's 60,229 on
    PostgreSQL); their slugs and names joined and sorted per row cost the server as much again
    (bench/README.md, session 14, reads5). Named and ordered from the kept tags (``_tag_links``)."""
    if dialect == "postgresql":
        together = func.array_agg(question_tag.c.tag_id)
    else:
        together = func.json_group_array(question_tag.c.tag_id)
    ids = select(together).where(question_tag.c.question_id == question_id)
    return ids.correlate_except(question_tag).scalar_subquery().label("tags")


def _tag_links(rows: list) -> list[list[TagLink]]:
    """Each row's tags by name, named from every tag as the search's choices keep them (by name,
    in the database's order): read afresh when a row has a tag they do not know yet (one made in
    another worker)."""
    found = [json_array(row.tags) for row in rows]
    known = kept_tags()
    if any(tag_id not in known for ids in found for tag_id in ids):
        known = kept_tags(afresh=True)
    return [
        [TagLink(*known[i][1:]) for i in sorted(ids, key=lambda i: known[i][0])] for ids in found
    ]


def list_questions(filters: QuestionFilters, user: User) -> tuple[list[ListedQuestion], bool]:
    """One page of questions, each with its tags, and whether there is a next page (no COUNT:
    it would scan): one statement."""
    shape, parameters = list_query(filters, user)
    parameters["limit"] = filters.per_page + 1
    parameters["offset"] = (filters.page - 1) * filters.per_page
    parameters["upto"] = parameters["offset"] + parameters["limit"]
    rows = _listed(shape).rows(parameters)
    shown = rows[: filters.per_page]
    tags = _tag_links(shown)
    listed = [ListedQuestion(*row[:-1], tags=links) for row, links in zip(shown, tags, strict=True)]
    return listed, len(rows) > filters.per_page


# PostgreSQL plans a prepared statement for its values, and keeps one plan for all values only
# when that plan does not look dearer: with ``LIMIT $1 OFFSET $2`` (and each topic's ``LIMIT
# $3``) it assumes a tenth of the rows and never does, so the list was planned at every call
# (202 plans in 202 calls). Written into the text, the generic plan is the custom one: the page's
# limit, offset and end (``upto``) are integers written in there (a text per page of a list;
# psycopg prepares each from its fifth use). SQLite plans every statement alike and keeps its
# prepared statements by text: its limits stay parameters.
PAGE_LIMITS = ("limit", "offset", "upto")


@cache
def _listed(shape: ListShape) -> DriverStatement:
    """The list's page: rows of the shown columns, on the driver's cursor."""

    def build() -> Select:
        dialect = db.engine.dialect.name
        statement = (
            list_shape(shape)
            .with_only_columns(*LISTED_COLUMNS)
            .join(Category, Category.id == Question.category_id)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        if dialect == "postgresql":
            statement = limits_written_in(statement, PAGE_LIMITS)
        # The tags and the author's name of the page's rows only: in the page's own columns,
        # PostgreSQL found them for the rows its OFFSET skips too (tags, a later page of the mix:
        # 0.59 ms against 0.24; the author joined: 81 look-ups of "user" for page 4's 21 rows,
        # 231 of its 369 buffers, twice the backend's CPU). The page's rows come out of the
        # subquery in its order: the outer select has no join, only a subquery per row.
        page = statement.subquery("page")
        author = select(User.name).where(User.id == page.c.author_id).correlate(page)
        shown = [column for column in page.c if column.key != "author_id"]
        author_name = author.scalar_subquery().label("author_name")
        return select(*shown, author_name, _listed_tags_column(dialect, page.c.id))

    return DriverStatement(build)


def _categories() -> Select:
    return select(Category.id, Category.slug, Category.name).order_by(
        Category.position, Category.name
    )


# Built once: every question list and form with categories runs it.
CATEGORIES = DriverStatement(_categories)
TAG_BY_SLUG = DriverStatement(
    lambda: select(Tag.id, Tag.slug, Tag.name).where(Tag.slug == bindparam("slug"))
)


def categories() -> list[tuple]:
    """Every category's id, slug and name, in order: rows, as lists and forms read only these
    (ORM objects cost the question list three times the statement). Read afresh: the forms
    that save a question with one."""
    return CATEGORIES.rows()


# The list's filters: kept per worker (``hub.core.kept``), no statement on a list's page.
KEPT_CATEGORIES = KeptRows("categories", CATEGORIES.rows)


def listed_categories() -> list[tuple]:
    """``categories`` as the question list's filters show them: kept per worker for
    ``REFERENCE_KEPT_SECONDS`` (a new category may be missing there that long)."""
    return KEPT_CATEGORIES.rows()


def tag_by_slug(slug: str) -> tuple | None:
    """A tag's id, slug and name, for the question list filtered by it."""
    return next(iter(TAG_BY_SLUG.rows({"slug": slug})), None)


class Expert(NamedTuple):
    """Someone who can answer, and why: answers in these topics that solved a question or
    helped someone, and whether they work in the asker's region."""

    person: Face
    solved: int
    helped: int
    same_region: bool
    asked: bool  # already asked to answer this question (by anyone)


def experts_for(
    question: PageQuestion, viewer: User, limit: int = 5, read: ExpertsRead | None = None
) -> list[Expert]:
    """Who can answer: members whose answers in the question's topics were chosen as the
    solution (counted thrice) or marked helpful, or who say they know a topic; those in the
    asker's region first among equals. Never the asker nor the viewer, never a hidden member.

    The ranking is the same for every question with these topics and asker's region, whoever
    reads it: it is made without taking anyone out, ``EXPERT_SPARE`` longer than the list, and
    kept per worker for ``FORUM_EXPERTS_KEPT_SECONDS`` (issue 17: it cost 1.3 ms of PostgreSQL's
    CPU on every question page; kept per the asker's municipality, a worker made it again for
    each of a region's municipalities). The asker and the reader are taken out here; who is shown
    (listed; still knowing a topic, if that was all they were ranked for), their faces and
    whether they were asked are read afresh on every page (``_experts_from``), so a member who
    hides or takes the topic off their profile is gone at once; only the order and the counts
    may be that old. ``read``: the people of the ranking the worker kept for this question, read
    with the page's row (``read_question_page``): used if it is the ranking kept now."""
    tag_ids = [tag.id for tag in question.tags]
    if not tag_ids:
        return []
    place, kept_as = _ranking_place(question, viewer)
    not_these = {viewer.id, question.author_id}
    key = (tuple(tag_ids), kept_as, limit)
    ranking = _kept_ranking(key)
    if ranking is not None:
        with_row = read if read is not None and read.ranking is ranking else None
        experts = _experts_from(ranking, question.id, not_these, limit, with_row)
        if experts is not None:
            _guess_ranking(question.id, key, question.author_id)
            return experts
    parameters = {f"tag_{i}": tag_id for i, tag_id in enumerate(tag_ids)}
    parameters |= {"question_id": question.id, "place_code": place}
    statement = _experts_statement(len(tag_ids), limit + EXPERT_SPARE)
    rows = reading_connection().execute(statement, parameters).all()
    places = kept_places()
    _keep_ranking(key, tuple(Ranked(row[0], int(s), int(h), bool(r)) for row in rows
                             for s, h, r, _a in [row[FACE_WIDTH:]]))  # fmt: skip
    _guess_ranking(question.id, key, question.author_id)
    experts = (
        Expert(face_from(row[:FACE_WIDTH], places), int(s), int(h), bool(r), bool(a))
        for row in rows
        if row[0] not in not_these
        for s, h, r, a in [row[FACE_WIDTH:]]
    )
    return list(experts)[:limit]


# Ranked beyond the list's length: the asker, the reader, and two members who may have hidden
# themselves since the ranking was made. Should more of the ranked be gone, it is made anew.
EXPERT_SPARE = 4
EXPERT_RANKINGS = "hub_expert_rankings"
MAX_EXPERT_RANKINGS = 2048  # per topics and region: a few dozen in the realistic mix


@dataclass(frozen=True, slots=True)
class Ranked:
    """A member's place in a kept ranking: who, and why (the face is read afresh)."""

    uid: int
    solved: int
    helped: int
    same_region: bool


def _ranking_place(question: PageQuestion, viewer: User) -> tuple[str | None, tuple]:
    """The municipality whose region ranks first: the asker's (their face and region came with
    the page's row), else the viewer's (a question whose asker is gone, or has no municipality);
    and what the ranking is kept under: the place's region, all the statement reads of it
    (``_place_region``), or the municipality when the page did not read its region."""
    place = question.author.municipality if question.author else None
    code = place.scb_code if place else viewer.municipality_code
    if place is not None and question.place_region is not None:
        return code, ("region", question.place_region)
    return code, ("municipality", code)


def _kept_ranking(key: tuple) -> tuple[Ranked, ...] | None:
    kept = current_app.extensions.get(EXPERT_RANKINGS)
    found = kept.get(key) if kept else None
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]


def _keep_ranking(key: tuple, ranking: tuple[Ranked, ...]) -> None:
    seconds = current_app.config["FORUM_EXPERTS_KEPT_SECONDS"]
    if seconds <= 0:
        return
    kept = current_app.extensions.setdefault(EXPERT_RANKINGS, OrderedDict())
    kept.pop(key, None)
    while len(kept) >= MAX_EXPERT_RANKINGS:
        kept.popitem(last=False)  # the oldest made
    kept[key] = (time.monotonic() + seconds, ranking)


def _experts_from(ranking: tuple[Ranked, ...], question_id: int, not_these: set, limit: int,
                  read: ExpertsRead | None = None) -> list[Expert] | None:  # fmt: skip
    """The kept ranking with each member's face and ``asked`` read now (``read``: its first
    people, if they came with the page's row), those no longer listed left out, and those
    ranked only for knowing a topic who no longer do; None when too many are gone for the
    ranking to hold the list (made anew)."""
    if read is None and not ranking:
        return []  # no one ranked: no one to read
    if read is None:
        parameters = {"question_id": question_id} | _people_values(ranking)
        places = kept_places()
        found = {
            row[0]: Person(face_from(row[:FACE_WIDTH], places), bool(row[FACE_WIDTH]),
                           bool(row[FACE_WIDTH + 1]))
            for row in PEOPLE.rows(parameters)
        }  # fmt: skip
    else:
        found = read.people
    shown = [
        ranked
        for ranked in ranking
        if ranked.uid in found
        and ranked.uid not in not_these
        and (ranked.solved or ranked.helped or found[ranked.uid].knows)  # a track record, or knows
    ]
    if len(shown) < limit and read is not None and _unread(ranking, read.ids, not_these):
        return _experts_from(ranking, question_id, not_these, limit)  # all of them read, then
    if len(shown) < limit and len(ranking) >= limit + EXPERT_SPARE:
        return None
    return [
        Expert(found[r.uid].face, r.solved, r.helped, r.same_region, found[r.uid].asked)
        for r in shown[:limit]
    ]


class Person(NamedTuple):
    """A ranked member as read now: their face, whether they were asked to answer the question,
    whether they still know one of its topics."""

    face: Face
    asked: bool
    knows: bool


class ExpertsRead(NamedTuple):
    """The first people of a kept ranking, read with the question page's row
    (``_experts_column``): ``ids`` were read, ``people`` those of them still listed."""

    ranking: tuple[Ranked, ...]
    people: dict[int, Person]
    ids: tuple[int, ...] = ()


def _people_values(ranking: tuple[Ranked, ...], ids: tuple[int, ...] | None = None) -> dict:
    """The values of ``PEOPLE`` (or the page's row) for the ranked ``ids`` (None: all): whether
    a member still knows one of the topics is read only for those ranked for that alone (a
    track record needs no topic: 22 of a page's 136 buffers for nothing)."""
    read = set(ids) if ids is not None else {ranked.uid for ranked in ranking}
    knowing = [r.uid for r in ranking if r.uid in read and not (r.solved or r.helped)]
    return {"expert_ids": list(read if ids is None else ids), "knowing_ids": knowing}


def _unread(ranking: tuple[Ranked, ...], ids: tuple[int, ...], not_these: set) -> bool:
    """Whether some of the ranking who may be shown were not read with the page's row."""
    read = set(ids) | not_these
    return any(ranked.uid not in read for ranked in ranking)


EXPERT_GUESSES = "hub_expert_guesses"
MAX_EXPERT_GUESSES = 8192  # question ids: a few hundred in the realistic mix


def _guess_ranking(question_id: int, key: tuple, asker_id: int | None) -> None:
    """Which kept ranking the question's page showed last, and its asker: the next page of the
    question reads its people with its own row (``read_question_page``), not by a statement
    after it."""
    guesses = current_app.extensions.setdefault(EXPERT_GUESSES, OrderedDict())
    guess = (key, asker_id)
    if guesses.get(question_id) != guess:
        guesses.pop(question_id, None)
        while len(guesses) >= MAX_EXPERT_GUESSES:
            guesses.popitem(last=False)
        guesses[question_id] = guess


def _guessed_ranking(
    question_id: int, reader_id: int
) -> tuple[tuple[Ranked, ...] | None, tuple[int, ...]]:
    """The ranking the question's page showed last, if it is still kept, and whom of it to read
    with the page's row: the first ranked but the asker and the reader, as many as the list
    shows (should one of them be gone since, hidden or no longer knowing the topic, ``experts_for``
    reads the rest: a statement more on that question's pages while the ranking is kept). Each
    member read cost the server ~6–8 buffers; the ranking holds ``EXPERT_SPARE`` more than the
    list. Only a guess: the question's topics or its asker's region may have changed since
    (``experts_for`` checks)."""
    guesses = current_app.extensions.get(EXPERT_GUESSES)
    guess = guesses.get(question_id) if guesses else None
    ranking = None if guess is None else _kept_ranking(guess[0])
    if ranking is None:
        return None, ()
    (_topics, _place, limit), asker_id = guess
    ids = [ranked.uid for ranked in ranking if ranked.uid not in (reader_id, asker_id)]
    return ranking, tuple(ids[:limit])


def _experts_column(dialect: str):
    """The guessed ranking's people (``expert_ids``) as ``PEOPLE`` reads them, as one JSON
    array: a column of the question page's row, one round trip less. Read with
    ``_people_as_read``."""
    return json_rows(_people_of_ranking(), dialect).label("experts")


def _people_as_read(found: str | list | None, places: dict[str, KnownPlace]) -> dict[int, Person]:
    """``_experts_column``'s array (text on SQLite, decoded by psycopg, None on PostgreSQL when
    there is none) by member, their municipalities named from ``places`` (``kept_places``)."""
    values = json_array(found)
    return {
        value[0]: Person(face_from_json(value[:FACE_WIDTH], places), bool(value[FACE_WIDTH]),
                         bool(value[FACE_WIDTH + 1]))
        for value in values
    }  # fmt: skip


def _people_of_ranking() -> Select:
    """The faces of the ranked members ``expert_ids`` who may still be listed, whether each was
    asked to answer the question, and whether each still knows one of its topics: by primary
    key. Read by a statement of its own (``PEOPLE``) or with the page's row."""
    asked = exists().where(
        AskToAnswer.question_id == bindparam("question_id"), AskToAnswer.asked_user_id == User.id
    )
    # Read only for those ranked for knowing alone (``_people_values``): PostgreSQL tests an
    # AND's parts in their order, and a member not in the list stops it there.
    knows = and_(
        in_list(User.id, "knowing_ids", hidden=True),
        exists().where(user_expertise.c.user_id == User.id, _one_of_its_topics()),
    )
    return (
        listed_people()
        .with_only_columns(*FACE_COLUMNS, asked, knows)
        .where(in_list(User.id, "expert_ids", hidden=True))
    )


PEOPLE = DriverStatement(_people_of_ranking, lists=("expert_ids", "knowing_ids"))


def _one_of_its_topics() -> ColumnElement[bool]:
    """A member's topic is one of the question's. PostgreSQL: its topics read once, as an
    array (an InitPlan), each member's then looked up by their key (with ``IN (SELECT …)`` it
    read the question's topics again for each member: 38 buffers for 9 members, not 18)."""
    topics = select(question_tag.c.tag_id).where(
        question_tag.c.question_id == bindparam("question_id")
    )
    if db.engine.dialect.name == "postgresql":
        found = topics.with_only_columns(func.array_agg(question_tag.c.tag_id))
        # A cast: ANY (SELECT …) would compare with each row of the subquery, not the array.
        return user_expertise.c.tag_id == any_(cast(found.scalar_subquery(), ARRAY(Integer)))
    return user_expertise.c.tag_id.in_(topics)


EXPERT_WINDOW = 100


@cache
def _experts_statement(tag_count: int, limit: int) -> Select:
    """The experts' statement for a question with this many tags, built once: the question page
    runs it on every view, and building it anew cost more than running it. It starts from the
    few people with a track record in the topics (``_answer_track``); the many who only say they
    know a topic are read only when the track record gives fewer than ``limit`` listed people,
    since they rank below everyone with one."""
    tags = [bindparam(f"tag_{i}", type_=Integer) for i in range(tag_count)]
    track = _answer_track(tags).cte("track")
    listed_track = (
        select(track)
        .join(User, User.id == track.c.uid)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(listed_condition())
        .cte("listed_track")
    )
    topics = (
        select(func.count())
        .where(user_expertise.c.user_id == listed_track.c.uid, user_expertise.c.tag_id.in_(tags))
        .scalar_subquery()
    )
    # A constant condition: the database decides it once and skips reading the topic's people.
    track_too_short = select(func.count()).select_from(listed_track).scalar_subquery() < limit
    knowing = union_all(
        *(
            select(user_expertise.c.user_id.label("uid")).where(
                user_expertise.c.tag_id == tag, track_too_short
            )
            for tag in tags
        )
    ).subquery("knowing")
    knowing_topics = (
        select(knowing.c.uid, func.count().label("topics"))
        .where(knowing.c.uid.not_in(select(track.c.uid)))
        .group_by(knowing.c.uid)
        .subquery("knowing_topics")
    )
    same_region = case((Municipality.region_code == _place_region(), 1), else_=0)
    # Ranked and cut to ``limit`` here, as the whole list ranks them (below everyone with a
    # track record): the database then expects a few rows to join to their members, not all who
    # know the topics, for which PostgreSQL read every member (20,000 at 10x the data).
    best_knowing = (
        select(knowing_topics.c.uid, literal(0), literal(0), knowing_topics.c.topics)
        .join(User, User.id == knowing_topics.c.uid)
        .outerjoin(Profile, Profile.user_id == User.id)
        .outerjoin(Municipality, Municipality.scb_code == User.municipality_code)
        .where(listed_condition())
        .order_by(same_region.desc(), knowing_topics.c.topics.desc(), User.name, User.id)
        .limit(limit)
        .subquery("best_knowing")
    )
    scored = union_all(select(listed_track, topics.label("topics")), select(best_knowing)).subquery(
        "scored"
    )
    solved, helped = scored.c.solved, scored.c.helped
    asked = exists().where(
        AskToAnswer.question_id == bindparam("question_id"), AskToAnswer.asked_user_id == User.id
    )
    return (
        # Rows, not ORM objects: each expert's face as ``Face`` (hub/forum/faces.py) reads it.
        listed_people()
        .with_only_columns(*FACE_COLUMNS, solved, helped, same_region, asked)
        .join(scored, scored.c.uid == User.id)
        .outerjoin(Municipality, Municipality.scb_code == User.municipality_code)
        .order_by(
            (solved * 3 + helped).desc(),
            same_region.desc(),
            scored.c.topics.desc(),
            User.name,
            User.id,
        )
        .limit(limit)
    )


def _answer_track(tags: list) -> Select:
    """Per author: answers in the newest questions with these tags that were the solution, and
    that someone marked helpful (deleted and hidden posts do not count). Only the newest
    ``EXPERT_WINDOW`` questions count, so a question page costs the same in a topic with ten
    questions as in one with a hundred thousand (and who helps now matters more than who did
    years ago). Each topic's newest come from the end of its index; a question in two of the
    topics counts once."""
    newest = [
        select(question_tag.c.question_id)
        .where(question_tag.c.tag_id == tag)
        .order_by(question_tag.c.question_id.desc())
        .limit(EXPERT_WINDOW)
        .subquery()
        for tag in tags
    ]
    recent = (
        union(*(select(each.c.question_id) for each in newest))
        .order_by(literal_column("question_id").desc())
        .limit(EXPERT_WINDOW)
        .subquery("recent")
    )
    is_solution = Question.accepted_answer_id == Answer.id
    return (
        select(
            Answer.author_id.label("uid"),
            func.sum(case((is_solution, 1), else_=0)).label("solved"),
            func.sum(case((Answer.helpful_count > 0, 1), else_=0)).label("helped"),
        )
        .select_from(recent)
        .join(Question, Question.id == recent.c.question_id)
        .join(Answer, Answer.question_id == Question.id)
        .where(
            Answer.author_id.is_not(None),
            Answer.deleted_at.is_(None),
            Answer.hidden == false(),
            Question.deleted_at.is_(None),
            Question.hidden == false(),
            is_solution | (Answer.helpful_count > 0),
        )
        .group_by(Answer.author_id)
    )


def _place_region():
    """The region of the ranking's place (``_ranking_place``), as a subquery of the experts'
    statement: one statement for the whole aside."""
    place = aliased(Municipality)
    code = bindparam("place_code", type_=String)
    return select(place.region_code).where(place.scb_code == code).scalar_subquery()


def is_following(user: User, target_type: str, target_id: int) -> bool:
    return (
        db.session.scalar(
            select(Follow.id).where(
                and_(
                    Follow.user_id == user.id,
                    Follow.target_type == target_type,
                    Follow.target_id == target_id,
                )
            )
        )
        is not None
    )


def touch(question: Question, moment: datetime | None = None) -> None:
    question.last_activity_at = moment or utcnow()
