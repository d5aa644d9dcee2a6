"""Listing and filtering people in the directory, with a fixed number of statements per page."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    String,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload
from werkzeug.datastructures import MultiDict

from hub.auth.models import User
from hub.core.driver_rows import DriverStatement, json_array, written_in
from hub.core.kept import KeptRows, drop_kept
from hub.core.models import Tag, user_expertise
from hub.core.tags import tag_slug
from hub.directory.models import (
    CareArea,
    Municipality,
    Profile,
    Region,
    RoleType,
    Unit,
    profile_care_area,
)
from hub.directory.names import normalise_name
from hub.directory.privacy import listed_by_exclusion, listed_condition, listed_ids
from hub.extensions import db

PER_PAGE_DEFAULT = 20
PER_PAGE_MIN = 10
PER_PAGE_MAX = 50
MAX_PAGE = 10_000
# The total is counted up to this many people past the page's start: beyond, it says "1000+"
# (as Discourse and GitHub do), so a page reads a bounded number of rows however many match.
COUNT_BEYOND = 1000
T = TypeVar("T")


class Choice(NamedTuple):
    """A region in the filter form."""

    code: str
    name: str


@dataclass(frozen=True)
class FilterOptions:
    """The choices of the filter form; loaded in one statement, as tuples (the form lists
    every municipality: ORM objects for them cost more than the rest of the page). Shared by
    the requests that read the same rows (``load_filter_options``): never changed."""

    regions: tuple[Choice, ...]
    municipalities: tuple[MunicipalityChoice, ...]
    role_types: tuple[SlugChoice, ...]
    care_areas: tuple[SlugChoice, ...]
    known: dict[str, frozenset[str]] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Each filter's values, to check a query string's against (``parse_filters``).
        known = {
            "region": frozenset(r.code for r in self.regions),
            "municipality": frozenset(m.scb_code for m in self.municipalities),
            "role_type": frozenset(r.slug for r in self.role_types),
            "care_area": frozenset(c.slug for c in self.care_areas),
        }
        object.__setattr__(self, "known", known)


@dataclass
class DirectoryFilters:
    q: str = ""
    region: str = ""
    municipality: str = ""
    role_type: str = ""
    care_area: str = ""
    tag: str = ""
    notes: list[str] = field(default_factory=list)

    def query_args(self) -> dict[str, str]:
        """The filters as they appear in a shareable URL."""
        args = {
            "q": self.q,
            "region": self.region,
            "kommun": self.municipality,
            "roll": self.role_type,
            "omrade": self.care_area,
            "tagg": self.tag,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.query_args())


@dataclass
class PeoplePage:
    """One page of people; the attributes match the ``pagination`` macro."""

    items: list[PersonRow]
    total: int  # at least this many when ``more``
    page: int
    per_page: int
    more: bool = False  # more people match than ``total``: counted up to COUNT_BEYOND past the page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, self.pages)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def out_of_range(self) -> bool:
        return self.page > self.pages


class MunicipalityChoice(NamedTuple):
    scb_code: str
    name: str
    region_code: str
    region_name: str


class SlugChoice(NamedTuple):
    """A role type or a care area in the filter form."""

    slug: str
    name: str


def _filter_choices() -> CompoundSelect:
    """Every municipality (with its region), role type and care area, in one statement, in
    the form's order: kind 0, 1, 2; municipalities by name, the others by position."""
    zero, none = literal_column("0", Integer), literal_column("NULL", String)
    municipalities = select(
        zero.label("kind"),
        Municipality.scb_code.label("code"),
        Municipality.name.label("name"),
        Municipality.region_code.label("region_code"),
        Region.name.label("region_name"),
        zero.label("position"),
    ).join(Region, Region.code == Municipality.region_code)
    roles = select(
        literal_column("1", Integer), RoleType.slug, RoleType.name, none, none, RoleType.position
    )
    areas = select(
        literal_column("2", Integer), CareArea.slug, CareArea.name, none, none, CareArea.position
    )
    both = union_all(municipalities, roles, areas)
    columns = both.selected_columns
    return both.order_by(columns.kind, columns.position, columns.name, columns.code)


# Built once and sent on the driver's cursor; its rows kept per worker (``hub.core.kept``):
# every directory page shows them.
FILTER_CHOICES = DriverStatement(_filter_choices)
KEPT_FILTER_CHOICES = KeptRows("directory-filters", lambda: tuple(FILTER_CHOICES.rows()))


def load_filter_options() -> FilterOptions:
    """The form's choices, kept per worker for ``REFERENCE_KEPT_SECONDS`` (an admin's new
    municipality shows at once in the admin's worker, in the others that much later) and made
    into choices once per process and rows."""
    return _options_of(KEPT_FILTER_CHOICES.rows())


@lru_cache(maxsize=16)
def _options_of(rows: tuple[tuple, ...]) -> FilterOptions:
    municipalities = tuple(
        MunicipalityChoice(code, name, region_code, region_name)
        for kind, code, name, region_code, region_name, _position in rows
        if kind == 0
    )
    regions = sorted(
        {m.region_code: Choice(m.region_code, m.region_name) for m in municipalities}.values(),
        key=_by_name,
    )
    role_types = tuple(SlugChoice(row[1], row[2]) for row in rows if row[0] == 1)
    care_areas = tuple(SlugChoice(row[1], row[2]) for row in rows if row[0] == 2)
    return FilterOptions(tuple(regions), municipalities, role_types, care_areas)


def _by_name(item: Any) -> str:
    return item.name


def _small_int(raw: str | None) -> int | None:
    # Only ASCII digits: str.isdigit() also accepts "²", which int() refuses.
    if raw and len(raw) <= 9 and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def parse_per_page(raw: str | None) -> int:
    number = _small_int(raw)
    if number is None:
        return PER_PAGE_DEFAULT
    return min(max(number, PER_PAGE_MIN), PER_PAGE_MAX)


def parse_page(raw: str | None) -> int:
    """Nonsense gives page 1; a page past the end stays, and the page says where the end is."""
    number = _small_int(raw)
    if raw and raw.isascii() and raw.isdigit() and number is None:
        return MAX_PAGE
    return min(number, MAX_PAGE) if number else 1


# Attribute, query parameter and the note for a value we do not know. The notes are lazy:
# translated only for a value we do not know, not on every page.
FILTER_NOTES = (
    ("region", "region", _l("Regionen finns inte")),
    ("municipality", "kommun", _l("Kommunen finns inte")),
    ("role_type", "roll", _l("Rollen finns inte")),
    ("care_area", "omrade", _l("Verksamhetsområdet finns inte")),
)


def parse_filters(args: MultiDict, options: FilterOptions) -> DirectoryFilters:
    """Filters from the query string; a value we do not know is dropped, with a note."""
    filters = DirectoryFilters(q=" ".join(args.get("q", "").split())[:120])
    for attribute, param, message in FILTER_NOTES:
        value = args.get(param, "").strip()
        if value in options.known[attribute]:
            setattr(filters, attribute, value)
        elif value:
            filters.notes.append(_("%(message)s, så det filtret används inte.", message=message))
    # Tags are not listed in the form (there can be many); an unknown one gives no matches.
    filters.tag = tag_slug(args.get("tagg", ""))
    return filters


# Each filter's value goes into the SQL as a parameter of this name (filter_values), so that a
# statement built once for a shape of filters (``prepared``) serves every value.
FILTER_PARAMS = ("region", "municipality", "role_type", "care_area", "tag")


def filter_values(filters: DirectoryFilters) -> dict[str, str]:
    """Every parameter a people statement may hold, for these filters."""
    key = normalise_name(filters.q)
    values = {name: getattr(filters, name) for name in FILTER_PARAMS}
    return values | {"name_from": key, "name_to": key + "\U0010ffff"}


def filter_shape(filters: DirectoryFilters) -> tuple[bool, ...]:
    """Which filters are in use: what a people statement's SQL depends on."""
    return (*(bool(getattr(filters, name)) for name in FILTER_PARAMS), bool(filters.q))


_prepared: dict[tuple, Any] = {}
# Kinds × filter shapes × windows: a few hundred at most; a bound all the same, as the other
# statements kept per process have one (``DriverStatement``'s texts).
MAX_PREPARED = 512


def prepared(key: tuple, build: Callable[[], T]) -> T:
    """A statement built once per process, dialect and ``key`` (the statement's kind and shape).
    Its values are parameters without defaults (``people_statement(..., bound=False)``): each
    execution must pass them all, or SQLAlchemy refuses, so no request's value stays in it.
    Building a statement and its cache key cost five times running it (0.3 ms against 0.06)."""
    key = (db.engine.dialect.name, *key)
    found = _prepared.get(key)
    if found is None:
        if len(_prepared) >= MAX_PREPARED:
            _prepared.clear()
        found = _prepared[key] = build()
    return found


def name_prefix_condition(prefix: str, bound: bool = True) -> ColumnElement[bool]:
    """A case-insensitive prefix match on the whole name or the surname, both indexed; never a
    leading wildcard."""
    return _name_prefix(filter_values(DirectoryFilters(q=prefix)) if bound else {})


def _name_prefix(values: dict) -> ColumnElement[bool]:
    return starts_with(User.name_key, values) | starts_with(User.surname_key, values)


def _param(name: str, values: dict) -> BindParameter:
    """The filter's parameter: with its value, or (``values`` empty) to be given when run."""
    return bindparam(name, values[name]) if values else bindparam(name, required=True)


def starts_with(column: ColumnElement[str], values: dict) -> ColumnElement[bool]:
    """The key starts with the name typed: the keys from it up to it followed by the last code
    point, compared as bytes, which the prefix indexes serve. SQLite compares bytes; PostgreSQL's
    pattern operators do (``varchar_pattern_ops``), whatever the collation.

    On PostgreSQL the bounds are out of the planner's sight (an InitPlan), so that it keeps one
    plan for any name, which the prefix indexes serve: ``LIKE $1`` could use them only in a plan
    made for the name, and with the bounds in sight a plan for the name (one match expected)
    always looked cheaper than the kept one (twenty): people by name were planned at every
    search (0.15-0.2 ms at large, for 0.01 ms executing)."""
    low, high = _param("name_from", values), _param("name_to", values)
    if db.engine.dialect.name == "sqlite":
        return (column >= low) & (column < high)
    low, high = (select(type_coerce(bound, String)).scalar_subquery() for bound in (low, high))
    return column.op("~>=~", is_comparison=True)(low) & column.op("~<~", is_comparison=True)(high)


def people_statement(
    filters: DirectoryFilters, bound: bool = True, counting: bool = False, walk_tag: bool = False
) -> Select:
    """People shown in the directory under the given filters (no order, no columns chosen).

    A tag is tested from its experts (the tag's index, each expert once), not per member, for
    the page as for the count: a page that walked the name index testing each member stopped at
    20 hits, but for a tag with fewer experts than that it read every member (109,904 rows and
    159,764 buffers at 20,000 members on PostgreSQL); from the experts it reads them and sorts.
    ``walk_tag``: the tag tested per member instead (PostgreSQL, for a tag with many experts,
    see ``_page_statement``). ``bound=False``: the filters' values left as parameters, for
    ``prepared``."""
    values = filter_values(filters) if bound else {}
    if counting:
        # "Not hidden" as an anti-join against the few hidden profiles, not each person's
        # profile looked up: a municipality's count (601 people) read 1,902 buffers at 20,000
        # members, against the hidden ones' index 32. The page keeps testing the profile it
        # joins for its columns: there the planner's estimates make the anti-join dearer.
        stmt = select(User).where(listed_by_exclusion())
    else:
        stmt = select(User).outerjoin(Profile, Profile.user_id == User.id)
        stmt = stmt.where(listed_condition())
    if filters.region and counting:
        # Joined, so that SQLite counts from the region's municipalities (each one's members
        # by the municipality index): given the IN list it read every member (Halland's 362
        # at large: 0.35 against 0.08 ms).
        stmt = stmt.join(Municipality, Municipality.scb_code == User.municipality_code)
        stmt = stmt.where(Municipality.region_code == _param("region", values))
    elif filters.region:
        region = _param("region", values)
        in_region = select(Municipality.scb_code).where(Municipality.region_code == region)
        stmt = stmt.where(User.municipality_code.in_(in_region))
    if filters.municipality:
        stmt = stmt.where(User.municipality_code == _param("municipality", values))
    if filters.role_type:
        stmt = stmt.where(User.role_type_slug == _param("role_type", values))
    if filters.care_area:
        stmt = stmt.where(
            exists().where(
                profile_care_area.c.user_id == User.id,
                profile_care_area.c.care_area_slug == _param("care_area", values),
            )
        )
    if filters.tag and walk_tag:
        tag_id = _tag_id(values)
        expert = user_expertise.c
        stmt = stmt.where(exists().where(expert.user_id == User.id, expert.tag_id == tag_id))
    elif filters.tag:
        experts = select(user_expertise.c.user_id).join(Tag, Tag.id == user_expertise.c.tag_id)
        experts = experts.where(Tag.slug == _param("tag", values))
        if db.engine.dialect.name == "postgresql":
            # An array read once, before the people: PostgreSQL turns an IN into a semi-join,
            # which it may still run from the name index, testing every member.
            stmt = stmt.where(User.id == any_(func.array(experts.scalar_subquery())))
        else:
            stmt = stmt.where(User.id.in_(experts))
    if filters.q:
        stmt = stmt.where(
            starts_with(User.name_key, values) | starts_with(User.surname_key, values)
        )
    return stmt


@dataclass(frozen=True)
class Window:
    """Which people of the list a page shows, and how far their total is counted.

    A page up to ``WRITTEN_PAGES`` writes these into its statement's text when it is sent
    (``LIMIT 20 OFFSET 40``, the count's bound; ``driver_rows.written_in``): given ``LIMIT $1
    OFFSET $2`` PostgreSQL assumes a tenth of the rows are wanted, finds the plan it could keep
    for every value dearer than planning for the values, and so planned the plain directory at
    every call (0.66 ms planning against 0.40 executing at large). Pages 2-5 kept parameters
    until session 16, and so were planned at every call too: the plain directory's 1.1-1.5 ms,
    a region's 3-7 ms, for 0.7-1 ms executing at large (``bench/directory_plans.py``: 35 of
    the 65 plans made in 400 pages). A page past them keeps parameters: one text for all.

    A name on PostgreSQL: while it was ``LIKE $1``, written in, the plan for the values always
    looked cheaper and was made at every call (1.5-3 ms planning), so it kept parameters. Since
    the name is a range out of the planner's sight (``starts_with``) either way keeps one plan;
    with the count's bound a parameter, that plan counted by reading every member (the tenth
    of the rows a ``LIMIT $1`` is taken to want made a sequential scan look cheap: 2,019 rows
    for 49 matches at large), written in it counts from the name indexes."""

    per_page: int
    offset: int = 0
    written: bool = True  # the values written in (a page up to WRITTEN_PAGES)

    @property
    def key(self) -> tuple:
        """What a kept statement depends on: whether its values are written in, and whether
        it skips any rows (an OFFSET)."""
        return (self.written, self.offset > 0)

    def values(self) -> dict[str, int]:
        """The parameters a statement for this window is sent."""
        values = {"limit": self.per_page, "count_to": self.count_to}
        return values | {"offset": self.offset} if self.offset else values

    @property
    def count_to(self) -> int:
        """The total is counted up to here: COUNT_BEYOND past the page's start."""
        return self.offset + COUNT_BEYOND + 1

    def limit_clause(self) -> ColumnElement[int]:
        return self._value("limit")

    def offset_clause(self) -> ColumnElement[int] | None:
        return self._value("offset") if self.offset else None

    def count_clause(self) -> ColumnElement[int]:
        return self._value("count_to")

    def _value(self, name: str) -> ColumnElement[int]:
        return written_in(name) if self.written else bindparam(name, required=True)

    def end_clause(self) -> ColumnElement[int]:
        """Where the page ends: its offset and its limit."""
        offset = self.offset_clause()
        return self.limit_clause() if offset is None else offset + self.limit_clause()


# A page past the end (then counted) and the tests' counts: parameters for all.
ANY_PAGE = Window(PER_PAGE_DEFAULT, offset=PER_PAGE_DEFAULT, written=False)
# Pages written into their statements' texts (``Window``): the first five, those the mix reads
# (bench/realistic.py), a few texts per filter shape.
WRITTEN_PAGES = 5


def _count_of(filters: DirectoryFilters, bound: bool = True, window: Window = ANY_PAGE) -> Select:
    """How many people the filters show, counted up to ``window``'s bound (see
    ``COUNT_BEYOND``): a count of them all read every listed member (40,888 rows for the plain
    directory at 20,000 members on PostgreSQL)."""
    if _topic_alone(filters):
        people = _listed_experts(filter_values(filters) if bound else {})
    elif filters.region and db.engine.dialect.name == "postgresql":
        people = _region_members(filters, bound)
    else:
        people = people_statement(filters, bound=bound, counting=True).with_only_columns(User.id)
    people = people.limit(window.count_clause()).subquery()
    return select(func.count()).select_from(people)


def _region_members(filters: DirectoryFilters, bound: bool) -> Select:
    """A region's people on PostgreSQL, read municipality by municipality, each one's members
    from its part of ``ix_user_municipality_directory``: joined to the region's municipalities
    its kept plan walked every listed member in name order testing each one's municipality
    (Halland's 362 at large: every one of 2,019 members, 0.55 against 0.18 ms; Stockholm's
    first 1,001: 0.37 against 0.34). ``OFFSET 0`` keeps the members a subquery of their own,
    run per municipality (PostgreSQL would join them flat, as before)."""
    values = filter_values(filters) if bound else {}
    members = (
        people_statement(replace(filters, region=""), bound=bound, counting=True)
        .with_only_columns(User.id)
        .where(User.municipality_code == Municipality.scb_code)
        .offset(_constant(0))
        .lateral("members")
    )
    # The region out of the planner's sight (an InitPlan), as a name is (``starts_with``):
    # in sight, a plan made for Halland's six municipalities looked cheaper than the kept one
    # and was made at every call (5 ms).
    region = select(type_coerce(_param("region", values), String)).scalar_subquery()
    in_region = Municipality.region_code == region
    return select(members.c.id).select_from(Municipality).join(members, true()).where(in_region)


def _topic_alone(filters: DirectoryFilters) -> bool:
    others = (filters.region, filters.municipality, filters.role_type, filters.care_area, filters.q)
    return bool(filters.tag) and not any(others)


def _listed_experts(values: dict) -> Select:
    """A topic's listed experts, from the topic's index and the ids the privacy rule leaves
    out (``privacy.listed_ids``), no expert's row read: counted from their rows, a topic with
    many experts read up to 1,001 of them (3,000 buffers at xlarge, against 108)."""
    experts = user_expertise.c
    return select(experts.user_id).where(
        experts.tag_id == _tag_id(values), listed_ids(experts.user_id)
    )


@dataclass(slots=True)
class PersonRow:
    """A person as the list shows them, in plain values: loading twenty people as ORM objects
    with their profile, role, municipality, unit, areas and tags cost more than the rest of the
    page. ``has_profile`` is False for someone who never saved a profile: no workplace, areas,
    tags nor photo then."""

    id: int
    name: str
    title: str
    role_name: str  # the role's name in Swedish ("" for none), translated when shown
    municipality_code: str | None
    municipality_name: str | None
    unit_name: str | None
    has_profile: bool
    workplace: str
    photo_version: int  # 0: no photo
    care_areas: list[str] = field(default_factory=list)  # names in Swedish, in their order
    expertise: list[tuple[str, str]] = field(default_factory=list)  # (slug, name) by name


def _row_columns(total: ColumnElement[int], person: Any = User) -> tuple:
    """The columns of a page's rows; ``person``: where the person's own columns come from (the
    User table, or the columns of ``_sorted_page``'s people found)."""
    return (
        person.id,
        person.name,
        person.title,
        RoleType.name.label("role_name"),
        person.municipality_code,
        Municipality.name.label("municipality_name"),
        Unit.name.label("unit_name"),
        Profile.user_id.label("profile_id"),
        Profile.workplace,
        Profile.photo_version,
        total.label("total"),
    )


def list_people(filters: DirectoryFilters, page: int, per_page: int) -> PeoplePage:
    """One page in a stable order (name, id): the people as rows, then their areas and tags in
    one more statement.

    The total rides along as an uncorrelated scalar subquery, so a page costs the same statements
    at any size. Not a window count: ``count(*) OVER ()`` makes the database build and sort every
    listed person's row before it can return the first 20, instead of walking the name index.
    """
    window = page_window(filters, page, per_page)
    stmt = prepared(
        page_key(filters, window),
        lambda: DriverStatement(lambda: _with_areas_and_tags(_page_statement(filters, window))),
    )
    values = filter_values(filters) | window.values()
    rows = stmt.rows(values)
    if rows:
        return _page_of(_people_of(rows), rows[0].total, page, per_page, window.count_to)
    total = 0
    if page > 1:  # past the end: count, so the page can point back to the last one
        counted = prepared(("count", *filter_shape(filters)), lambda: _count_of(filters, False))
        total = db.session.execute(counted, values).scalar_one()
    return _page_of([], total, page, per_page, window.count_to)


def page_window(filters: DirectoryFilters, page: int, per_page: int) -> Window:
    """A municipality's later pages keep parameters: written in (60 people wanted of the 63
    PostgreSQL expects of a municipality at large) its kept plan hashed every profile (2,019
    rows, 0.8 against 0.4 ms) rather than looking up the page's; with parameters it keeps the
    lookups, in one kept plan already."""
    written = page <= WRITTEN_PAGES and (page == 1 or not filters.municipality)
    return Window(per_page, (page - 1) * per_page, written=written)


def _name_on_postgres(filters: DirectoryFilters) -> bool:
    return bool(filters.q) and db.engine.dialect.name == "postgresql"


def page_key(filters: DirectoryFilters, window: Window) -> tuple:
    """The key of a page's kept statement (``prepared``)."""
    return ("page", *filter_shape(filters), *window.key)


def _page_of(
    items: list[PersonRow], counted: int, page: int, per_page: int, count_to: int
) -> PeoplePage:
    if counted < count_to:
        return PeoplePage(items, counted, page, per_page)
    return PeoplePage(items, counted - 1, page, per_page, more=True)


def _page_statement(filters: DirectoryFilters, window: Window) -> Select:
    if filters.tag and db.engine.dialect.name == "postgresql":
        return _tag_page_statement(filters, window)
    if _name_on_postgres(filters):
        return _name_page_statement(filters, window)
    # SQLite: a topic's people from its experts, sorted (walking the name order testing each
    # member, SQLite read every member for a topic with few experts)
    return _ordered_page(filters, window, walk=not filters.tag)


def _ordered_page(
    filters: DirectoryFilters,
    window: Window,
    total: ColumnElement[int] | None = None,
    walk: bool = True,
    walk_tag: bool = False,
    name_key: bool = False,
) -> Select:
    """The page's rows in name order: the members walked in name order, each tested
    (``walk``), or the people found first and sorted (``_sorted_page``); same rows, same order.
    ``walk_tag``: see ``people_statement``; ``name_key``: the sort key as a last column."""
    if total is None:
        total = _count_of(filters, bound=False, window=window).scalar_subquery()
    if not walk:
        return _sorted_page(filters, window, total, walk_tag, name_key)
    people = people_statement(filters, bound=False, walk_tag=walk_tag)
    columns = (*_row_columns(total), *([User.name_key] if name_key else []))
    return (
        _with_details(people.with_only_columns(*columns), User)
        .order_by(User.name_key, User.id)
        .limit(window.limit_clause())
        .offset(window.offset_clause())
    )


def _sorted_page(
    filters: DirectoryFilters,
    window: Window,
    total: ColumnElement[int],
    walk_tag: bool,
    name_key: bool,
) -> Select:
    """The people found first (by the index of what the filters name: the name indexes, the
    topic's experts), tested as the count tests them (active, not among the hidden profiles),
    sorted, and only the page's people then joined to their profile, role, municipality and
    unit. Joined before the sort, every match was: a name at xlarge (497 matches) hashed all
    20,003 profiles (1,240 of the page's 2,082 buffers)."""
    sort_key = User.name_key.op("||")(literal_column("''"))  # sorted: no index may give it
    own = (User.id, User.name, User.title, User.municipality_code, User.role_type_slug)
    found = (
        people_statement(filters, bound=False, counting=True, walk_tag=walk_tag)
        .with_only_columns(*own, User.unit_id, User.name_key)
        .order_by(sort_key, User.id)
        .limit(window.limit_clause())
        .offset(window.offset_clause())
        .subquery("found")
    )
    person = found.c
    columns = (*_row_columns(total, person), *([person.name_key] if name_key else []))
    shown = select(*columns).select_from(found).outerjoin(Profile, Profile.user_id == person.id)
    return _with_details(shown, person).order_by(person.name_key, person.id)


def _with_details(page: Select, person: Any) -> Select:
    """The page's people joined to what their rows show besides their profile."""
    return (
        page.outerjoin(RoleType, RoleType.slug == person.role_type_slug)
        .outerjoin(Municipality, Municipality.scb_code == person.municipality_code)
        .outerjoin(Unit, Unit.id == person.unit_id)
    )


def _name_page_statement(filters: DirectoryFilters, window: Window) -> Select:
    """A name's page on PostgreSQL, the cheaper of two ways, chosen when the statement runs as
    for a topic (``_tag_page_statement``): when every match was counted (fewer than
    ``count_to``), they are found by the name and surname indexes and sorted, reading no more
    than the count did; else the members are walked in name order testing each. The planner
    walks for any name, taking the matches to be spread over the name order, while a first
    name's are together where it sorts: ``maria`` at 20,000 members read 13,383 members
    (14,000 buffers) for 20 shown."""
    counted = _count_of(filters, bound=False, window=window).scalar_subquery()
    gate = select(counted.label("total")).cte("counted")
    total = select(gate.c.total).scalar_subquery()
    all_counted = total < window.count_clause()
    branches = [
        _ordered_page(filters, window, total, walk=walking, name_key=True)
        .where(~all_counted if walking else all_counted)
        .subquery()
        for walking in (True, False)
    ]
    return _either(branches)


def _either(branches: list) -> Select:
    """The rows of the branch that ran (each under a condition tested once), in name order."""
    both = union_all(*(select(branch) for branch in branches)).subquery()
    columns = [column for column in both.c if column.name != "name_key"]
    return select(*columns).order_by(both.c.name_key, both.c.id)


# Buffers PostgreSQL touches per member walked in name order testing the tag, and per expert read
# from the tag's index with their row and profile (measured at 2,000 and 20,000 members).
WALKED_MEMBER_COST, EXPERT_COST = 2, 5


def _tag_page_statement(filters: DirectoryFilters, window: Window) -> Select:
    """A topic's page on PostgreSQL, the cheaper of two ways, chosen by the database when it
    runs the statement (each branch under a condition PostgreSQL tests once, skipping the
    other): from the topic's experts (reads each of them, then sorts: right for a few), or
    walking the members in name order testing each (reads page-end × members / experts: right
    for many). From the experts alone, a topic of 2,592 experts among 20,000 members read
    14,000 buffers for 20 shown; walking, 300. The planner cannot choose itself: the topic is a
    slug, so it plans for an average topic."""
    gate = select(_walk_pays(window).label("walk")).cte("gate")  # worked out once for both
    walk = select(gate.c.walk).scalar_subquery()
    branches = [
        _ordered_page(filters, window, walk=walking, walk_tag=walking, name_key=True)
        .where(walk if walking else ~walk)
        .subquery()
        for walking in (True, False)
    ]
    return _either(branches)


def _walk_pays(window: Window) -> ColumnElement[bool]:
    """Whether walking costs less than reading the experts: experts² × EXPERT_COST > page end ×
    members × WALKED_MEMBER_COST, the experts counted only up to where the answer is known (a
    few hundred index entries at 20,000 members), the members taken as the highest id."""
    member = aliased(User)
    members = select(func.max(member.id)).scalar_subquery()  # ids are not reused
    page_end = window.end_clause()
    ratio = literal_column(str(WALKED_MEMBER_COST / EXPERT_COST))  # written in, not bound
    enough = cast(func.ceil(func.sqrt(page_end * members * ratio)), Integer)
    experts = user_expertise.c
    found = (
        select(experts.user_id).where(experts.tag_id == _tag_id({})).limit(enough + _constant(1))
    )
    return select(func.count()).select_from(found.subquery()).scalar_subquery() > enough


def _constant(number: int) -> ColumnElement[int]:
    """Written into the SQL: a kept statement holds no bound value but the request's."""
    return literal_column(str(number), Integer)


def _tag_id(values: dict) -> Any:
    return select(Tag.id).where(Tag.slug == _param("tag", values)).scalar_subquery()


def _with_areas_and_tags(page: Select) -> Select:
    """The page's rows, each with its care areas' slugs and its topics' ids (arrays on
    PostgreSQL, JSON text on SQLite), read per shown person from the tables' keys alone (a
    subquery: not for the rows an OFFSET skips) and named from the kept choices (``_people_of``).
    A statement of their own was a round trip on every directory page (bench/README.md,
    session 15, reads6)."""
    shown = page.subquery("page")
    areas = _each_persons(profile_care_area.c.care_area_slug, profile_care_area, shown.c.id)
    topics = _each_persons(user_expertise.c.tag_id, user_expertise, shown.c.id)
    return select(shown, areas.label("areas"), topics.label("topics"))


def _each_persons(value: ColumnElement, table: Any, person: ColumnElement[int]) -> Any:
    together = func.array_agg if db.engine.dialect.name == "postgresql" else func.json_group_array
    found = select(together(value)).where(table.c.user_id == person)
    return found.correlate_except(table).scalar_subquery()


def _people_of(rows: list[Row]) -> list[PersonRow]:
    people = [
        PersonRow(
            id=row.id,
            name=row.name,
            title=row.title or "",
            role_name=row.role_name or "",
            municipality_code=row.municipality_code,
            municipality_name=row.municipality_name,
            unit_name=row.unit_name,
            has_profile=row.profile_id is not None,
            workplace=row.workplace or "",
            photo_version=row.photo_version or 0,
        )
        for row in rows
    ]
    with_profile = [(p, row) for p, row in zip(people, rows, strict=True) if p.has_profile]
    if with_profile:
        _name_areas_and_tags(with_profile)
    return people


def _name_areas_and_tags(people: list[tuple[PersonRow, Row]]) -> None:
    """Each person's care areas (in their order) and tags (by name, in the database's order),
    named from the kept choices: read afresh when a row names one they do not know yet (made
    in another worker)."""
    from hub.forum.search_form import kept_tags  # the search's choices (forum imports us)

    found = [(person, json_array(row.areas), json_array(row.topics)) for person, row in people]
    areas, tags = _area_places(), kept_tags()
    known = all(a in areas for _p, slugs, _t in found for a in slugs)
    if not known or not all(t in tags for _p, _s, ids in found for t in ids):
        drop_kept()
        areas, tags = _area_places(), kept_tags()
    for person, slugs, ids in found:
        person.care_areas.extend(areas[a][1] for a in sorted(slugs, key=lambda a: areas[a]))
        person.expertise.extend(tags[t][1:] for t in sorted(ids, key=lambda t: tags[t][0]))


def _area_places() -> dict[str, tuple[int, str]]:
    """Each care area's place in the form's order (by position) and name, by slug."""
    areas = load_filter_options().care_areas
    return {area.slug: (place, area.name) for place, area in enumerate(areas)}


def find_people_by_name(prefix: str, limit: int = 10) -> list[User]:
    """Listed people whose name starts with ``prefix``; for the site search (``/sok``)."""
    if not normalise_name(prefix):
        return []
    stmt = (
        people_statement(DirectoryFilters(q=prefix))
        .options(contains_eager(User.profile), joinedload(User.municipality))
        .order_by(User.name_key, User.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())
