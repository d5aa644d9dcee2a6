"""Search pages: ``/sok`` (questions, answers and people) and similar questions for the ask form."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from flask import Blueprint, jsonify, render_template, request
from flask_login import login_required

from hub.core.pagination import page_number
from hub.forum.search import COUNT_CAP, MAX_QUERY_LENGTH, search, similar_questions
from hub.forum.search_form import SearchForm, clean, form_html
from hub.forum.search_html import write_hits, write_section
from hub.forum.search_items import (
    MEETING,
    TOPIC,
    Section,
    search_items,
    search_meetings,
    search_people,
    search_topics,
)
from hub.forum.summary import answer_facts

bp = Blueprint("search", __name__)
# What search/results.html draws in Python (the form: a shared part).
bp.add_app_template_global(form_html, "search_form")
bp.add_app_template_global(write_hits)
bp.add_app_template_global(write_section)

PER_PAGE = 20
# Beside the posts, the first few of each kind; ``del=<kind>`` shows one kind in full.
SECTION_SIZE, FULL_SECTION_SIZE = 5, 50
SECTIONS = ("traffar", "forslag", "personer")


@bp.get("/sok")
@login_required
def results():
    form = SearchForm(request.args)
    form.fill_choices()
    if not form.validate():
        return render_template("search/results.html", form=form, result=None), 400
    query = form.q.data or ""
    # Optional() lets a blank choice through ("kategori=+"): no choice, never int(" ").
    category, tag = (form.kategori.data or "").strip(), (form.tagg.data or "").strip()
    result = search(
        query,
        category_id=int(category) if category else None,
        tag_slug=tag or None,
        answered={"ja": True, "nej": False}.get(form.besvarad.data or ""),
        page=page_number(max_page=math.ceil(COUNT_CAP / PER_PAGE)),
        per_page=PER_PAGE,
        typos=request.args.get("exakt") != "1",  # the member undid a typo correction
    )
    part = request.args.get("del") if query and request.args.get("del") in SECTIONS else None
    args = {k: v for k, v in request.args.items() if k not in ("page", "del") and v}
    return render_template(
        "search/results.html",
        form=form,
        result=result,
        sections=sections(
            query, result.corrected, part, form.tags, result.forms, result.item_kinds
        ),
        part=part,
        args=args,
        exact_args=args | {"exakt": "1"},
    )


# The sections of meetings and of topics, each in full (``del=<kind>``).
ITEM_FINDERS = {"traffar": search_meetings, "forslag": search_topics}


def sections(
    query: str,
    corrected: str | None,
    part: str | None,
    tags: Sequence | None = None,
    forms: Mapping[frozenset[str], frozenset[str]] | None = None,
    item_kinds: frozenset[str] | None = None,
) -> dict[str, Section]:
    """Meetings, topic suggestions and people for the query: a few each, or one kind in full.
    ``tags``: every tag's (id, name), as the form loaded them (else people's search loads them);
    ``forms``: the written forms the posts' search read (``SearchPage.forms``); ``item_kinds``:
    the kinds of items holding the query's words, when it looked (``SearchPage.item_kinds``)."""
    if not query:
        return {}
    if part == "personer":
        return {part: search_people(query, FULL_SECTION_SIZE, tags)}
    if part:
        return {part: ITEM_FINDERS[part](query, FULL_SECTION_SIZE, corrected, forms, item_kinds)}
    meetings, topics = search_items(
        query, (MEETING, TOPIC), SECTION_SIZE, corrected, forms, item_kinds
    )
    return {
        "traffar": meetings,
        "forslag": topics,
        "personer": search_people(query, SECTION_SIZE, tags),
    }


@bp.get("/fragor/liknande")
@login_required
def similar():
    """Up to five existing questions like a title being typed (JSON for the ask form)."""
    title = clean(request.args.get("titel"))[:MAX_QUERY_LENGTH]
    questions = similar_questions(title, limit=5) if title else []
    # Told apart at a glance: how many answers, and whether one is the solution.
    facts = answer_facts([q.id for q in questions])
    return jsonify(
        questions=[
            {
                "id": q.id,
                "title": q.title,
                "url": question_url(q.id),
                "answers": facts.get(q.id, (0, False))[0],
                "solved": facts.get(q.id, (0, False))[1],
            }
            for q in questions
        ]
    )


def question_url(question_id: int, answer_id: int | None = None) -> str:
    """The stable address of a question (``/fragor/<id>``), at an answer when given."""
    url = f"{request.script_root}/fragor/{question_id}"
    return f"{url}#svar-{answer_id}" if answer_id else url
