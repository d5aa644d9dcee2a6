"""Typo tolerance: a word with few hits is also searched as the closest word in the index."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.forum.search import search


def ids(page) -> list[int]:
    return [hit.question_id for hit in page.hits]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("surfplatan", "surfplattan"),  # a letter missing
        ("srufplattan", "surfplattan"),  # two letters swapped
        ("trygghetslamet", "trygghetslarmet"),  # long: one of two edits
        ("trygghetlsamret", "trygghetslarmet"),  # long: two edits
        ("inlogningen", "inloggningen"),
        ("läkemedelsrobten", "läkemedelsroboten"),
    ],
)
def test_a_typo_finds_the_word(create_question, typed, written):
    question = create_question("Fråga från boendet", f"Vi undrar över {written} i vardagen.")
    create_question("Något annat", "Kaffe och bullar på fikat.")
    page = search(typed)
    assert ids(page) == [question.id]
    assert page.corrected == written
    assert f"<mark>{written}</mark>" in str(page.hits[0].snippet_html)


def test_exact_search_turns_the_correction_off(create_question):
    create_question("Surfplattan laddar inte")
    page = search("surfplatan", typos=False)
    assert page.hits == [] and page.corrected is None


def test_typo_hits_come_after_real_hits(create_question):
    # "nattsenorn" has one hit of its own (a post with that typo), so the correction is tried
    # too, and its hits come after that one.
    typo_post = create_question("Sensorerna på natten", "Nattsenorn piper.")
    older = create_question("Nattsensorn larmar", "Den larmar hela natten.")
    newer = create_question("Nattsensorn piper", "Den piper hela natten.")
    page = search("nattsenorn")
    assert ids(page) == [typo_post.id, newer.id, older.id]
    assert page.corrected == "nattsensorn"


def test_short_words_and_unknown_words_are_left_alone(create_question):
    create_question("Låset på dörren")
    assert search("låst").corrected is None  # too short to correct
    assert search("xyzxyzxyz").hits == []
    assert search("xyzxyzxyz").corrected is None


def test_a_word_no_post_has_any_more_is_not_offered(create_question):
    question = create_question("Surfplattan laddar inte")
    question.hidden = True
    from hub.forum.search import reindex_question

    reindex_question(question.id)
    db.session.commit()
    page = search("surfplatan")
    assert page.hits == [] and page.corrected is None


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("surfplatan", "surfplattan"), ("trygghetlsamret", "trygghetslarmet"), ("surfplattan", None)],
)
def test_a_typos_candidates_come_with_the_first_page_on_postgresql(
    create_question, count_queries, monkeypatch, typed, corrected
):
    """PostgreSQL: a one-word query with few hits reads the words its correction looks among
    with the posts' first page (``TYPO_CANDIDATES``), not in a statement of its own; the
    correction and the page are those of the candidates read alone. A word with hits enough
    reads none."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from hub.forum.search import PostgresBackend

    for n in range(3):
        create_question(f"Fråga {n}", "Surfplattan och trygghetslarmet laddar inte.")
    with count_queries() as counter:
        page = search(typed)
    assert not [s for s in counter.statements if s.startswith("SELECT word FROM search_word")]
    original = PostgresBackend.first_page
    # Without ``typos``: the first page reads no candidates, ``words_containing`` reads them.
    monkeypatch.setattr(PostgresBackend, "first_page", lambda self, *a: original(self, *a[:5]))
    with count_queries() as counter:
        apart = search(typed)
    looked = [s for s in counter.statements if s.startswith("SELECT word FROM search_word")]
    assert len(looked) == (1 if corrected else 0)
    assert (page.corrected, ids(page), page.total) == (corrected, ids(apart), apart.total)
    assert apart.corrected == corrected and len(ids(page)) == 3
