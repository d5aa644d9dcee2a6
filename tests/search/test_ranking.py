"""Ranking: exact and title matches first, then base forms and compounds, then typos; an accepted
or helpful answer lifts a question within its tier; the newest first. The same on both dialects."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum import search as search_module
from hub.forum import search_plan
from hub.forum.models import Answer, Question
from hub.forum.search import rebuild_index, search

TOP10 = Path(__file__).parent / "eval" / "top10.json"


def ids(page) -> list[int]:
    return [hit.question_id for hit in page.hits]


def test_tiers_then_boost_then_newest(create_question):
    base_in_title = create_question("Vi pratar om surfplattorna", "Inget mer.")
    exact_in_body = create_question("Fråga om laddning", "Surfplattan laddar inte.")
    exact_in_title = create_question("Surfplattan är borta", "Inget mer.")
    helped = create_question("Skal", "Alla surfplattorna har skal.", helpful_count=1)
    base_in_body = create_question("Fodral", "Surfplattorna behöver fodral.")
    newest_base = create_question("Ny fråga", "Surfplattorna är nya.")
    page = search("surfplattan")
    assert ids(page) == [
        exact_in_title.id,
        exact_in_body.id,  # newer than base_in_title, in the same tier
        base_in_title.id,
        helped.id,  # lifted above the newer ones in its tier
        newest_base.id,
        base_in_body.id,
    ]


def test_a_new_exact_match_stays_on_the_first_page(create_question):
    exact = create_question("Lösenordet", "Hur byter jag?")
    for n in range(30):
        create_question(f"Fråga {n}", "Lösenorden på delade datorer.")
    page = search("lösenordet", per_page=10)
    assert ids(page)[0] == exact.id and page.total == 31


WORDS = [
    "surfplattan",
    "surfplattorna",
    "läkemedelsroboten",
    "roboten",
    "larmet",
    "trygghetslarmen",
    "nattsensorn",
    "sensorerna",
    "lösenordet",
    "lösenorden",
    "mötet",
    "mötena",
    "videosamtalet",
    "samtalen",
    "appen",
    "inloggningen",
    "laddade",
    "laddar",
    "laddningen",
    "installerade",
    "installationen",
    "boendet",
    "hemtjänsten",
    "natten",
]


def build_forum(category_id: int) -> None:
    """Two hundred questions with answers from a fixed seed: the same rows on every dialect."""
    rng = random.Random(18)
    for n in range(200):
        title = f"{n}: " + " ".join(rng.sample(WORDS, 3))
        body = " ".join(rng.sample(WORDS, 6))
        question = Question(
            title=title, body_source=body, body_html=render_markdown(body),
            category_id=category_id, helpful_count=rng.choice((0, 0, 0, 1)),
        )  # fmt: skip
        db.session.add(question)
        db.session.flush()
        for _ in range(rng.randint(0, 2)):
            text = " ".join(rng.sample(WORDS, 5))
            db.session.add(
                Answer(question_id=question.id, body_source=text, body_html=render_markdown(text))
            )
    db.session.flush()
    rebuild_index()
    db.session.commit()


QUERIES = [
    "surfplatta", "surfplattan", "robot", "larm", "sensor", "lösenord", "möte", "samtal",
    "ladda", "laddning", "installation", "natt", "surfplattan larmet", "boende hemtjänst",
    "surfplatan", "läkemedelsrobotarna",
]  # fmt: skip


def top10() -> dict[str, list[str]]:
    out = {}
    for query in QUERIES:
        page = search(query, per_page=10)
        out[query] = [f"{h.title.split(':')[0]}{'/svar' if h.in_answer else ''}" for h in page.hits]
    return out


def test_top10_is_the_same_on_every_dialect(category):
    """The first ten hits of sixteen queries over the same forum, compared with the list made on
    SQLite (regenerate with STAFETTEN_WRITE_TOP10=1 after a deliberate change of the ranking)."""
    import os

    build_forum(category.id)
    got = top10()
    if os.environ.get("STAFETTEN_WRITE_TOP10") and db.engine.dialect.name == "sqlite":
        lines = [
            f"  {json.dumps(q, ensure_ascii=False)}: {json.dumps(hits)}" for q, hits in got.items()
        ]
        TOP10.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    assert got == json.loads(TOP10.read_text(encoding="utf-8"))


def every_page(query: str, **filters) -> tuple[int, list[int]]:
    pages = [search(query, page=n, per_page=20, **filters) for n in range(1, 6)]
    return pages[0].total, [hit.document_id for page in pages for hit in page.hits]


def every_result() -> dict:
    return {
        (query, answered): every_page(query, answered=answered)
        for query in QUERIES
        for answered in (None, True, False)
    }


def test_the_plan_changes_no_result(category, monkeypatch):
    """PostgreSQL reads each tier's hits from GIN's list or walks its newest rows, as the words'
    shares suggest (``hub.forum.search_plan``); a walk that stops before its pool is full leaves
    the older rows to the list. Every way finds the same hits, totals and order (on SQLite no plan
    is chosen; the test holds there too)."""
    build_forum(category.id)
    listed = every_result()
    for span in (3, 40, 10**6):  # ids walked back from the newest: the list does the rest
        monkeypatch.setattr(search_plan, "walk_rows", lambda *args, span=span: span)
        assert every_result() == listed, span


def test_the_server_ranks_as_python_does(category, monkeypatch):
    """PostgreSQL ranks the pools in the statement that reads them and sends the page's documents
    with them (``FIRST_PAGE_SQL``); ranked here from the pools (``pooled_first_page``, SQLite's
    way) every page and total is the same, a typo's included."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    build_forum(category.id)
    on_server = every_result()
    monkeypatch.setattr(
        search_module.PostgresBackend, "first_page", search_module.pooled_first_page
    )
    assert every_result() == on_server


def test_a_search_sends_one_statement_on_postgresql(category, count_queries):
    """The pools, the ranking, the page's documents and the written forms to mark: one round
    trip (the typo fallback, for a word with few hits, sends its own)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    build_forum(category.id)
    search("robot")  # the statistics, read once per process
    with count_queries() as counter:
        page = search("surfplattan larmet", page=2, per_page=3)
    assert page.hits and counter.count == 1, counter.statements
