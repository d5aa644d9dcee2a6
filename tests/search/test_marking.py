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


def test_a_text_marked_again_for_the_same_forms_is_the_kept_one(monkeypatch):
    from hub.forum import search

    monkeypatch.setattr(search, "_marked_kept", search.OrderedDict())
    text = "Låset på skolan, larmet och låset igen. " * 3
    first = search.marked(text, HitTest({"lås"}, FORMS), 4)
    again = search.marked(text, HitTest({"lås", "larm"}, FORMS), 4)  # the same written forms
    assert again is first and first == snippet(text, HitTest({"lås"}, FORMS), 4)
    assert search.marked(text, HitTest({"lås"}, FORMS)) == highlight(text, HitTest({"lås"}, FORMS))
    other = frozenset({"larm", "larmet"})
    assert search.marked(text, HitTest({"larm"}, other), 4) == snippet(
        text, HitTest(set(), other), 4
    )
    # Without written forms the terms decide: kept apart per terms.
    by_terms = {t: search.marked(text, HitTest({t}, frozenset())) for t in ("lås", "larm")}
    assert by_terms == {t: highlight(text, HitTest({t}, frozenset())) for t in ("lås", "larm")}
    assert by_terms["lås"] != by_terms["larm"]


def test_the_kept_marked_texts_are_bounded(monkeypatch):
    from hub.forum import search

    monkeypatch.setattr(search, "_marked_kept", search.OrderedDict())
    monkeypatch.setattr(search, "MARKED_KEPT", 3)
    for number in range(5):
        search.marked(f"lås {number}", HitTest({"lås"}, FORMS))
    assert [text for text, *_ in search._marked_kept] == ["lås 2", "lås 3", "lås 4"]


def test_a_long_text_is_marked_but_not_kept(monkeypatch):
    from hub.forum import search

    monkeypatch.setattr(search, "_marked_kept", search.OrderedDict())
    long = "lås " * (search.MARKED_TEXT_MAX // 4 + 1)
    assert search.marked(long, HitTest({"lås"}, FORMS)) == highlight(long, HitTest({"lås"}, FORMS))
    assert not search._marked_kept
