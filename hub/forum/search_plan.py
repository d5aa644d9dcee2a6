"""PostgreSQL: how each search tier finds its newest hits, chosen here from the words' shares.

A tier wants the newest ``limit`` rows of its table whose vector matches its tsquery. There are
two ways, and which is cheaper depends on how common the words are:

* **walk** the primary key newest first, testing each row, until the pool is full: about
  ``limit / share`` rows (a word in 5 % of the rows: 2,000 rows, whatever the table's size);
* **list**: GIN's list of every hit, each hit's row read, the newest kept: ``share × rows`` rows,
  each a random heap page (several times the cost of a walked row, which is read in order).

The planner chooses well only when it plans the statement for its words, which cost 0.4-0.9 ms of
server time per search; a plan made for any words chose blindly. So the choice is made here, from
the statistics the planner itself reads (``pg_stats``: the most common elements of each tsvector
column and their shares, kept by ANALYZE; a word not among them is rarer than all of them), and
the statement is written so that only the chosen plan is possible (``ts_match_vq`` called as a
function cannot use GIN; ``ORDER BY id + 0`` cannot walk the key), with the words out of the
planner's sight (an InitPlan). One plan then serves every word, and the statement is prepared:
the server plans it a few times per connection instead of once per search.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

# How long a process trusts the statistics it read (they change when ANALYZE runs).
STATS_SECONDS = 600
# What a row costs, relative: walked (in key order, mostly cached pages) and listed (a random
# heap page per hit). Measured: 0.4-0.5 µs a walked row, 1.1 µs a listed hit with the pages
# cached (12 µs from disk); 3 did best over the bench's 240 queries.
WALK_COST = 1
LIST_COST = 3
# A walk stops after this many times the rows it was expected to need (see walk_rows).
WALK_MARGIN = 4
# Below this many rows either way costs little: a list, always (and tests see one plan).
MIN_ROWS = 10_000
# A word that ANALYZE's sample puts in this many times the documents a count asks for is in at
# least that many: the typo fallback need not count them.
SURE = 10
# A tag's share of the documents is not in the tier tables' statistics: guessed.
TAG_SHARE = 0.1
# Things worked out from the statistics and kept with them (``Statistics.kept``): queries, each a
# few hundred bytes.
KEPT = 1024
T = TypeVar("T")
TABLES = ("search_words", "search_terms", "search_title", "search_item")

STATISTICS_SQL = """
SELECT s.tablename, s.attname, s.most_common_elems::text::text[], s.most_common_elem_freqs,
    s.most_common_vals::text::text[], s.most_common_freqs, c.reltuples
FROM pg_stats s
JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = s.schemaname::regnamespace
WHERE s.schemaname = current_schema() AND s.tablename = ANY(%(tables)s)
    AND s.attname IN ('words', 'terms', 'answered', 'kind', 'tsv', 'tsv_title_words', 'tsv_words',
        'tsv_title')
"""


@dataclass(frozen=True)
class Statistics:
    """What ANALYZE found in the tier tables: their rows, each common word's share of them (per
    column), the share of rows whose question is answered, and (``search_item``) each kind's
    share of the meetings' and topics' rows."""

    rows: dict[str, float] = field(default_factory=dict)
    shares: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, float] = field(default_factory=dict)
    # What was worked out from these statistics, by its key (``kept``).
    _kept: dict = field(default_factory=dict, compare=False, repr=False)

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, kept with these statistics under ``key`` (at most KEPT of them): what a
        search chose from them for its words (each tier's walk) is the same until they are read
        again, and working it out cost ~0.1 ms of a search's CPU."""
        try:
            return self._kept[key]
        except KeyError:
            if len(self._kept) >= KEPT:
                self._kept.clear()
            found = self._kept[key] = make()
            return found

    def share(self, table: str, column: str, groups: Sequence[Sequence[str]]) -> float:
        """The share of rows expected to match every group (any of its terms); a word missing
        from the statistics counts as none. Words typed together are seldom independent ("delade
        datorer": each in 7 % of the posts, together in 7 %, not 0.5 %), nor always found
        together: the mean (geometric) of the two guesses, all the words as independent and as
        always together."""
        known = self.shares.get((table, column), {})
        each = [min(1.0, sum(known.get(term, 0.0) for term in group)) for group in groups]
        if not each:
            return 0.0
        independent = math.prod(each)
        return math.sqrt(independent * min(each))


def read_statistics(rows: Callable[[str, dict], list[tuple]]) -> Statistics:
    found = Statistics()
    for table, column, elements, shares, values, value_shares, reltuples in rows(
        STATISTICS_SQL, {"tables": list(TABLES)}
    ):
        found.rows[table] = max(0.0, reltuples)
        if column in ("answered", "kind"):
            by_value = dict(zip(values or [], value_shares or [], strict=True))
            if column == "kind":
                found.kinds.update(by_value)
            else:
                found.answered[table] = by_value.get("t", 0.0)
        elif elements:
            # most_common_elem_freqs ends with three more numbers (least, most, nulls).
            found.shares[(table, column)] = dict(zip(elements, shares, strict=False))
    return found


_cache: tuple[float, Statistics] | None = None


def statistics(rows: Callable[[str, dict], list[tuple]]) -> Statistics:
    """The tier tables' statistics, read at most every STATS_SECONDS per process."""
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > STATS_SECONDS:
        _cache = (now, read_statistics(rows))
    return _cache[1]


def forget() -> None:
    """Read the statistics again next time (tests, after ANALYZE)."""
    global _cache
    _cache = None


def filter_share(stats: Statistics, table: str, filters) -> float:
    """The share of rows a search's filters leave (``Filters`` of hub.forum.search)."""
    share = 1.0
    if filters.answered is not None:
        answered = stats.answered.get(table, 1.0)
        share *= answered if filters.answered else 1.0 - answered
    if filters.category_id is not None:
        share *= 0.1  # no per-category statistics in the tier tables; a guess
    if filters.tag_slug is not None:
        share *= TAG_SHARE
    return share


def walk_rows(
    stats: Statistics, table: str, column: str, groups: Sequence[Sequence[str]], filters, limit: int
) -> int | None:
    """How far back (in ids) a tier should walk its table for its hits (None: read GIN's
    list of hits instead). The walk is told what it may cost: WALK_MARGIN times the rows its
    pool is expected to take. If the words are rarer than guessed and the pool is still short
    after that, the older rows are read from GIN's list (``pools``), which is short then: the
    work stays bounded either way."""
    rows = stats.rows.get(table, 0.0)
    share = stats.share(table, column, groups)
    if rows < MIN_ROWS:
        return None
    left = share * filter_share(stats, table, filters)
    # In ids: both tables take the documents' ids, and a title is one document of several.
    ids_per_row = max(1.0, stats.rows.get("search_terms", rows) / rows)
    return walk_span(rows, share, left, limit, ids_per_row)


def walk_span(rows: float, share: float, left: float, limit: int, ids_per_row: float) -> int | None:
    """``walk_rows`` for ``rows`` rows, a share of them holding the words and ``left`` of them
    also passing the filters, their ids ``ids_per_row`` apart: the ids to walk back, or None
    (a list) when the walk would cost as much as GIN's list or nothing is known of the words."""
    if share == 0.0 or rows <= 0.0:
        return None
    walked = min(rows, limit / left) if left else rows
    if walked * WALK_COST >= share * rows * LIST_COST:
        return None
    return math.ceil(min(rows, walked * WALK_MARGIN) * ids_per_row)


def item_walk(
    stats: Statistics, kind: str, column: str, groups: Sequence[Sequence[str]], limit: int
) -> int:
    """``walk_rows`` for one kind's rows of ``search_item`` (meetings, topics: an index of each
    kind's ids and GIN indexes of its own, migration 0052) and a tier's vector (``column``, one
    per tier: migration 0054), 0 for a list. No lower bound on the rows as for the forum's
    tables: at 10x the data a word in every meeting's title listed 5,000 rows per tier, and at
    large 500. The words' share is of every kind's rows."""
    total = stats.rows.get("search_item", 0.0)
    rows = total * stats.kinds.get(kind, 0.0)
    share = stats.share("search_item", column, groups)
    return walk_span(rows, share, share, limit, total / rows if rows else 1.0) or 0


def surely_in(stats: Statistics, table: str, column: str, group: Sequence[str], cap: int) -> bool:
    """Whether the statistics leave no doubt that at least ``cap`` rows hold a form of the word
    (only on a table big enough for the statistics to be used at all)."""
    rows = stats.rows.get(table, 0.0)
    return rows >= MIN_ROWS and stats.share(table, column, [group]) * rows >= cap * SURE
