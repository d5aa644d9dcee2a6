"""The evaluation set: recall@10 and precision of the search on the members' own words.

``eval/positive.tsv`` holds (kind, query, text) rows: a post with the text must be among the first
ten hits for the query. ``eval/negative.tsv`` holds (query, text) rows of different words that
share letters: the post must not be found. Every text is one post, all in one index, searched
through ``search()`` on the dialect under test (SQLite, and PostgreSQL with TEST_DATABASE_URL).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hub.core.markdown import render_markdown
from hub.extensions import db
from hub.forum.models import Question
from hub.forum.search import rebuild_index, search

EVAL = Path(__file__).parent / "eval"
MIN_RECALL = MIN_PRECISION = 0.95


def rows(name: str) -> list[list[str]]:
    lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def post(text: str, category_id: int) -> int:
    # Only stopwords around the text: nothing else in the post can match a query.
    body = f"Det är {text} som vi har."
    question = Question(
        title=text, body_source=body, body_html=render_markdown(body), category_id=category_id
    )
    db.session.add(question)
    db.session.flush()
    return question.id


def test_the_sets_are_large_enough():
    assert len(rows("positive.tsv")) >= 300
    assert len(rows("negative.tsv")) >= 50
    assert {kind for kind, _, _ in rows("positive.tsv")} >= {
        "form", "verb", "first-part", "last-part", "inflected-compound", "noun-verb", "typo",
    }  # fmt: skip


def test_recall_and_precision(category, capsys):
    positive, negative = rows("positive.tsv"), rows("negative.tsv")
    wanted = [post(text, category.id) for _, _, text in positive]
    unwanted = [post(text, category.id) for _, text in negative]
    rebuild_index()
    db.session.commit()

    missed: Counter[str] = Counter()
    misses = []
    for (kind, query, text), post_id in zip(positive, wanted, strict=True):
        if post_id not in {hit.question_id for hit in search(query, per_page=10).hits}:
            missed[kind] += 1
            misses.append(f"{query} → {text}")
    found = [
        f"{query} → {text}"
        for (query, text), post_id in zip(negative, unwanted, strict=True)
        if post_id in {hit.question_id for hit in search(query).hits}
    ]
    recall = 1 - len(misses) / len(positive)
    precision = 1 - len(found) / len(negative)
    kinds = Counter(kind for kind, _, _ in positive)
    with capsys.disabled():
        print(f"\n[{db.engine.dialect.name}] recall@10 {recall:.1%} of {len(positive)} pairs,")
        print("  by kind: " + ", ".join(f"{k} {1 - missed[k] / n:.0%}" for k, n in kinds.items()))
        print(f"[{db.engine.dialect.name}] precision {precision:.1%} of {len(negative)} pairs")
        print(f"  missed: {misses}\n  wrongly found: {found}")
    assert recall >= MIN_RECALL, misses
    assert precision >= MIN_PRECISION, found
