"""Marking the hits: the finder (one regex of the page's written forms) gives the same HTML as
looking every word up in the hit test."""

from __future__ import annotations

import random

from hub.forum.search import HitTest, highlight, snippet

# Some forms are the names inside HTML's entities: the finder runs over the escaped text.
FORMS = frozenset(
    {"lås", "låset", "larm", "skola", "kall", "2024", "i̇stanbul", "amp", "lt", "quot", "x27"}
)
PIECES = [
    "lås", "Låset", "LÅSET", "låsets", "larm", "Larm", "larmet", "ſkola", "skola", "SKOLA", "kall",
    "Kall", "kall_", "_kall", "2024", "20245", "amp", "&amp;", "<mark>", "x<y", "\"citat\"", "'",
    "İstanbul", "istanbul", "ß", "é", "—", "…", "\n", "  ", ",", ".", "e-post", "lås-", "-larm",
    "😀", "\u200b", "ordet", "hemtjänsten", "Kungsbacka", "#x27", "x27", "&#x27;", "lt", "&lt;",
    "quot", "&quot;", "Amp", "&",
]  # fmt: skip


def word_by_word(written: frozenset[str]) -> HitTest:
    is_hit = HitTest({"lås"}, written)
    is_hit.finder = None
    return is_hit


def test_the_finder_marks_exactly_the_words_the_hit_test_marks():
    rng = random.Random(18)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) + rng.choice(("", " ", " ", ", ")) for _ in range(60))
        fast, slow = HitTest({"lås"}, FORMS), word_by_word(FORMS)
        assert fast.finder is not None
        assert highlight(text, fast) == highlight(text, slow), text
        for size in (4, 30):
            assert snippet(text, fast, size) == snippet(text, slow, size), text


def test_a_hit_past_the_scanned_words_leaves_the_snippet_at_the_start(monkeypatch):
    from hub.forum import search

    monkeypatch.setattr(search, "MAX_SNIPPET_SCAN", 5)
    text = "ett två tre fyra fem sex sju låset åtta"
    fast, slow = HitTest({"lås"}, FORMS), word_by_word(FORMS)
    assert snippet(text, fast, 4) == snippet(text, slow, 4) == "ett två tre fyra …"
