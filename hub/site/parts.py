"""The start page's questions, each kept as a shared part (``hub.core.layout``): every member
sees the same newest questions, so an item is written once per language and shown again.

An item's facts are what it shows: the question's id, title, author's name, time, answer count,
and how long ago that was in words (worked out per request, so the wording stays current).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from markupsafe import Markup

from hub.core.layout import shared_part, shared_parts
from hub.core.templating import ago_writer

QUESTIONS = "site/_question_parts.html"
MATERIAL = "material/_start_section.html"
START_PARTS = "hub_start_parts"
MAX_START_PARTS = 2048  # the newest questions and "waiting for you", two languages, many wordings


def question_items(rows: Iterable) -> list[Markup]:
    """Each question's ``<li>`` as the start page's list writes it."""
    ago = ago_writer()
    many = [
        {
            "id": row.id,
            "title": row.title,
            "author_name": row.author_name,
            "created_at": row.created_at,
            "ago": ago(row.created_at),
            "answer_count": row.answer_count,
        }
        for row in rows
    ]
    return shared_parts(QUESTIONS, many, {}, store=START_PARTS, limit=MAX_START_PARTS)


def material_section(items: Iterable) -> Markup:
    """The newest material's section, the same for every member: kept per items (id, kind,
    title, time) and language. Written each time it cost the start page more than the rest of
    its sections (three links, kinds, dates: ~50 µs, issue 17)."""
    return shared_part(
        MATERIAL, {"items": tuple(items)}, {}, store=START_PARTS, limit=MAX_START_PARTS,
        write=_material_written,
    )  # fmt: skip


def _material_written(facts, _marks) -> str:
    # The kinds' names in the page's language (the language is in the part's key).
    from hub.material.views import material_names

    template = current_app.jinja_env.get_template(MATERIAL)
    kinds = material_names()["material_kinds"]
    return template.render(new_material=facts["items"], material_kinds=kinds)
