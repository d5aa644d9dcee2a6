"""PostgreSQL's choice per tier (hub.forum.search_plan), on made-up statistics: any dialect."""

from __future__ import annotations

import pytest

from hub.forum import search_plan
from hub.forum.search import Filters
from hub.forum.search_plan import MIN_ROWS, Statistics, item_walk, surely_in, walk_rows

ROWS = 100_000
STATS = Statistics(
    rows={"search_terms": ROWS, "search_title": ROWS / 5},
    shares={
        ("search_terms", "words"): {
            "wifi": 0.08,
            "delade": 0.07,
            "datorer": 0.07,
            "ovanlig": 0.001,
        },
        ("search_title", "words"): {"wifi": 0.08},
    },
    answered={"search_terms": 0.75},
)


def test_the_share_of_words_typed_together_lies_between_independent_and_always_together():
    assert STATS.share("search_terms", "words", [("wifi",)]) == pytest.approx(0.08)
    together = STATS.share("search_terms", "words", [("delade",), ("datorer",)])
    assert 0.07 * 0.07 < together < 0.07
    assert STATS.share("search_terms", "words", [("wifi", "delade")]) == pytest.approx(0.15)
    assert STATS.share("search_terms", "words", [("okänd",)]) == 0.0
    assert STATS.share("search_terms", "terms", [("wifi",)]) == 0.0  # no statistics: none
    assert STATS.share("search_terms", "words", []) == 0.0


def test_a_common_word_walks_far_enough_for_its_pool_with_a_margin():
    # 100 hits at 8 %: 1,250 rows expected, four times that allowed.
    assert walk_rows(STATS, "search_terms", "words", [("wifi",)], Filters(), 100) == 5000
    # Answered only: 75 % of the rows, so a longer walk.
    answered = walk_rows(STATS, "search_terms", "words", [("wifi",)], Filters(answered=True), 100)
    assert answered == pytest.approx(5000 / 0.75, abs=1)
    # A title is one document in five: the same walk spans five times the ids.
    assert walk_rows(STATS, "search_title", "words", [("wifi",)], Filters(), 100) == 25000


def test_a_rare_or_unknown_word_reads_gin_and_so_does_a_small_table():
    assert walk_rows(STATS, "search_terms", "words", [("ovanlig",)], Filters(), 100) is None
    assert walk_rows(STATS, "search_terms", "words", [("okänd",)], Filters(), 100) is None
    small = Statistics(rows={"search_terms": MIN_ROWS - 1}, shares=STATS.shares)
    assert walk_rows(small, "search_terms", "words", [("wifi",)], Filters(), 100) is None


def test_a_filter_that_leaves_nothing_reads_gin():
    everything_answered = Statistics(STATS.rows, STATS.shares, {"search_terms": 1.0})
    unanswered = Filters(answered=False)
    assert (
        walk_rows(everything_answered, "search_terms", "words", [("wifi",)], unanswered, 100)
        is None
    )
    narrow = Filters(category_id=1, tag_slug="lås")  # 1 % of the rows: a walk of 125,000
    assert walk_rows(STATS, "search_terms", "words", [("wifi",)], narrow, 100) is None


def test_a_count_is_not_needed_for_a_word_the_statistics_put_in_many_documents():
    terms = Statistics(
        rows={"search_terms": ROWS},
        shares={("search_terms", "terms"): {"wifi": 0.08, "ovan": 2e-4}},
    )
    assert surely_in(terms, "search_terms", "terms", ("wifi",), 3)
    assert not surely_in(terms, "search_terms", "terms", ("ovan",), 3)  # 20 documents: count
    assert not surely_in(terms, "search_terms", "terms", ("okänd",), 3)
    small = Statistics(rows={"search_terms": MIN_ROWS - 1}, shares=terms.shares)
    assert not surely_in(small, "search_terms", "terms", ("wifi",), 3)


# The meetings' and topics' index at 10x the data (the bench's xlarge, ANALYZEd): 5,000 meetings,
# each titled "Nätverksträff n" (its terms: nätverk, träff …), and three topic suggestions.
ITEMS = 5003
ITEM_STATS = Statistics(
    rows={"search_item": ITEMS},
    shares={("search_item", "tsv"): {"nätverk": 0.9994, "träff": 0.9992, "ovanlig": 0.002}},
    kinds={"meeting": 5000 / ITEMS, "topic": 3 / ITEMS},
)


@pytest.mark.parametrize("meetings", [500, 5000, 50_000])
def test_a_word_in_every_meeting_walks_as_far_at_any_size(meetings):
    """A word in every meeting's title walks some hundreds of the newest meetings, however many
    there are (it read GIN's list of every one and sorted it: 5,000 rows per tier at xlarge)."""
    stats = Statistics(
        rows={"search_item": meetings + 3},
        shares=ITEM_STATS.shares,
        kinds={"meeting": meetings / (meetings + 3), "topic": 3 / (meetings + 3)},
    )
    span = item_walk(stats, "meeting", "tsv", [("nätverket", "nätverk", "nät")], 101)
    assert 101 < span < 500


def test_a_rare_word_reads_its_gin_list_and_a_few_topics_are_walked_whole():
    assert item_walk(ITEM_STATS, "meeting", "tsv", [("ovanlig",)], 100) == 0  # ten hits: listed
    assert item_walk(ITEM_STATS, "meeting", "tsv", [("okänd",)], 100) == 0
    assert item_walk(Statistics(), "meeting", "tsv", [("nätverk",)], 100) == 0  # never analysed
    # The three topics, a word in all of them: walked, all three (their ids spread over the
    # whole table's), through the index of the topics' ids alone.
    assert item_walk(ITEM_STATS, "topic", "tsv", [("nätverk",)], 100) == ITEMS


def test_what_is_worked_out_from_the_statistics_is_kept_with_them(monkeypatch):
    """A search's walks are chosen once per words and statistics (``Statistics.kept``), made
    anew with statistics read again, and at most KEPT are kept."""
    monkeypatch.setattr(search_plan, "KEPT", 2)
    stats, made = Statistics(), []

    def make(key: str):
        return lambda: made.append(key) or key.upper()

    assert stats.kept("a", make("a")) == "A" and stats.kept("a", make("a")) == "A"
    assert made == ["a"]
    stats.kept("b", make("b"))
    stats.kept("c", make("c"))  # the third: the kept ones are dropped first
    assert stats.kept("a", make("a")) == "A" and made == ["a", "b", "c", "a"]
    assert Statistics().kept("a", make("a")) == "A" and made[-1] == "a"  # new statistics
