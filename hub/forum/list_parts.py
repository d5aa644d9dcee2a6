"""The question list's rows, each kept as a shared part (``hub.core.layout``, issue 17).

Every member is shown the same rows of the newest, the active, a category's or a tag's
questions, and a question is on several of those lists: a row is written once per language and
shown again from then on. Its facts are everything it shows (title, pin, category, answer count,
whether solved, author's name, time, tags): an edit, a new answer or a renamed author gives
other facts and so another part, and no write has to empty anything. Nothing in a row is the
reader's own.

A row is written in Python (``write_rows``), a few string joins with its words made once per
language; ``forum/_question_rows.html`` writes the same, and tests/forum/test_list_parts.py
holds the two to each other byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from flask import request
from markupsafe import Markup, escape

from hub.core.i18n import catalogue, translated
from hub.core.layout import shared_part, shared_parts
from hub.core.templating import csrf_token, datetime_filter
from hub.forum.paths import slugify
from hub.forum.questions import ListedQuestion, QuestionFilters, TagLink

ROWS = "forum/_question_rows.html"
HEAD = "forum/_list_head.html"
LIST_PARTS = "hub_list_parts"
# Per worker: ~0.6 kB of row and ~0.5 kB of key each. The mix's lists (four sorts, eight
# categories, tags, pages 1-6) show a few thousand questions between them.
MAX_LIST_PARTS = 4000


class Row(NamedTuple):
    """What a row shows: its facts, and so its key (a tuple: hashed and compared in C)."""

    root: str  # the script root, which the links start with
    id: int
    title: str
    pinned: bool
    category_name: str
    answer_count: int
    solved: bool
    author_name: str | None  # None: the author's account is gone
    created_at: datetime
    tags: tuple[TagLink, ...]


def question_rows(rows: Iterable[ListedQuestion]) -> list[Markup]:
    """Each question's ``<li>`` as the list writes it."""
    root = request.script_root
    many = [
        {
            "q": Row(
                root,
                row.id,
                row.title,
                row.pinned,
                row.category_name,
                row.answer_count,
                row.accepted_answer_id is not None,
                row.author_name,
                row.created_at,
                tuple(row.tags),
            )
        }
        for row in rows
    ]
    return shared_parts(ROWS, many, {}, store=LIST_PARTS, limit=MAX_LIST_PARTS, write=write_rows)


class ListForm(NamedTuple):
    """What the list's head shows of its filters (not the page: the head is every page's)."""

    sort: str
    category: tuple | None  # the row of a category: id, slug, name
    tag: tuple | None  # the row of a tag: id, slug, name
    mine_expertise: bool
    per_page: int


def list_head(filters: QuestionFilters, categories: Sequence, args: Mapping[str, object]) -> Markup:
    """The sorts, the filter panel and the follow buttons, kept per list form (the sort, the
    filters, the list's query arguments, the categories as they are) and language. The follow
    buttons of a category or tag take the reader's CSRF token and the page's address as holes."""
    shown = ListForm(
        filters.sort, filters.category, filters.tag, filters.mine_expertise, filters.per_page
    )
    facts = {"filters": shown, "args": tuple(args.items()), "categories": tuple(categories)}
    holes = {}
    if filters.category is not None or filters.tag is not None:
        holes = {"csrf": csrf_token(), "full_path": request.full_path}
    return shared_part(HEAD, facts, holes, store=LIST_PARTS, limit=MAX_LIST_PARTS)


def write_rows(parts: Sequence[Mapping[str, Row]], _marks: Mapping[str, Markup]) -> list[str]:
    """``forum/_question_rows.html``'s rows."""
    _ = catalogue().ugettext
    words = (_("Fäst:"), _("Inga svar än"), _("Har en lösning"), _("Tidigare medlem"))
    return [_row(part["q"], words) for part in parts]


def _row(q: Row, words: tuple[str, str, str, str]) -> str:
    pinned, no_answers, solved, former = words
    pin = f'<span class="pin">{pinned}</span> ' if q.pinned else ""
    if q.answer_count == 0:
        answers = no_answers
    else:
        answers = catalogue().ungettext("%(num)s svar", "%(num)s svar", q.answer_count)
        answers %= {"num": q.answer_count}
    author = escape(q.author_name) if q.author_name is not None else former
    out = [
        f'  <li>\n    <h2 class="question-title"><a href="{escape(q.root)}/fragor/{q.id}/'
        f'{escape(slugify(q.title))}">{pin}{escape(q.title)}</a></h2>\n'
        f'    <p class="meta muted">\n      {escape(translated(q.category_name))} ·\n'
        f"{answers}{f' · <strong>{solved}</strong>' if q.solved else ''}"
        f"      · {author}, {escape(datetime_filter(q.created_at))}\n    </p>\n"
    ]
    if q.tags:
        out.append('<p class="tags">')
        root = escape(q.root)
        for t in q.tags:
            out.append(
                f'<a class="tag" href="{root}/fragor?tagg={escape(t.slug)}">{escape(t.name)}</a> '
            )
        out.append("</p>")
    out.append("  </li>\n")
    return "".join(out)
