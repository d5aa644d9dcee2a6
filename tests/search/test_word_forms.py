"""Swedish word forms and compounds: a query word finds its inflected forms and the compounds it
ends. Every pair goes through the real index and ``search()``, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hub.forum.search import search

# (what someone searches for, the word as written in a post)
PAIRS = [
    # The issue's own cases.
    ("möte", "mötet"),
    ("möte", "möten"),
    ("möte", "mötena"),
    ("surfplatta", "surfplattan"),
    ("surfplatta", "surfplattorna"),
    ("lösenord", "lösenordet"),
    ("läkemedelsrobot", "läkemedelsrobotarna"),
    # Nouns: definite and plural forms.
    ("larm", "larmen"),
    ("sensor", "sensorerna"),
    ("boende", "boendet"),
    ("nätverk", "nätverket"),
    ("utbildning", "utbildningarna"),
    ("ambassadör", "ambassadörerna"),
    ("brukare", "brukarna"),
    ("anhörig", "anhöriga"),
    ("kommun", "kommunerna"),
    ("dator", "datorerna"),
    ("lås", "låset"),
    ("app", "appen"),
    ("natt", "nätterna"),
    # Verbs.
    ("ladda", "laddade"),
    ("logga", "loggar"),
    ("skriva", "skrev"),
    ("fungera", "fungerar"),
    ("glömma", "glömde"),
    ("installera", "installerat"),
    # Adjectives.
    ("digital", "digitala"),
    ("trygg", "tryggare"),
    ("enkel", "enklaste"),
    ("ny", "nya"),
    # Compounds found by their last part, and compounds with their own inflection.
    ("robot", "läkemedelsrobotarna"),
    ("sensor", "nattsensorerna"),
    ("larm", "trygghetslarmen"),
    ("samtal", "videosamtalen"),
    ("lås", "dörrlåset"),
    ("platta", "surfplattorna"),
    ("tjänst", "hemtjänsten"),
    ("videosamtal", "videosamtalet"),
    ("trygghetslarm", "trygghetslarmet"),
    ("nattsensor", "nattsensorer"),
]


@pytest.mark.parametrize(("query", "written"), PAIRS)
def test_query_word_finds_form(create_question, query, written):
    question = create_question("Fråga från ett boende", f"Vi undrar över {written} i vardagen.")
    create_question("Något helt annat", "Kaffe och bullar på fikat.")
    hits = search(query).hits
    assert [hit.question_id for hit in hits] == [question.id]
    assert f"<mark>{written}</mark>" in str(hits[0].snippet_html)


@pytest.mark.parametrize(
    ("query", "written"),
    [
        ("läkemedelsrobot", "robotdammsugaren"),
        ("surfplatta", "plattan"),
        ("mötesrum", "mötet"),
    ],
)
def test_a_compound_query_does_not_find_its_parts(create_question, query, written):
    create_question("Fråga", f"Vi undrar över {written} i vardagen.")
    assert search(query).hits == []
