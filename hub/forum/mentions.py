"""@mentions shown as links to the person, for whoever reads the page.

The stored HTML stays as it was written (sanitised once, at save time); the links are added as the
page is shown, because who may open a person's page is the reader's matter
(``hub/directory/privacy.py``): a member hidden from the directory stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from hub.auth.models import User
from hub.directory.privacy import can_view_person
from hub.forum.activity import mentioned_users

TAG = re.compile(r"(<[^>]*>)")
# Text inside these is left alone: a link cannot hold a link, and code is shown as typed.
SKIP = {"a", "code", "pre"}


def people_to_link(viewer: User, texts: Iterable[str]) -> dict[str, User]:
    """The mentioned members the viewer may open, by lower-cased name: one statement."""
    joined = "\n".join(text or "" for text in texts)
    if "@" not in joined:
        return {}
    people = mentioned_users(joined, options=[selectinload(User.profile)])
    return {p.name.lower(): p for p in people if can_view_person(viewer, p)}


def link_mentions(html: str, people: dict[str, User]) -> Markup:
    """``@Anna Karlsson`` in the text parts of sanitised HTML becomes a link to her page."""
    if not people or "@" not in html:
        return Markup(html)  # noqa: S704  (sanitised by hub/core/markdown.py when saved)
    names = sorted(people, key=len, reverse=True)  # the longest name first: "Anna Berg Ek"
    pattern = re.compile(
        r"(?<![\w@])@(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE
    )
    parts, skipping = [], 0
    for piece in TAG.split(html):
        if piece.startswith("<"):
            name = re.match(r"</?\s*(\w+)", piece)
            if name and name.group(1).lower() in SKIP:
                skipping += -1 if piece.startswith("</") else 1
            parts.append(piece)
        elif skipping > 0 or "@" not in piece:
            parts.append(piece)
        else:
            parts.append(pattern.sub(lambda m: _link(m, people), piece))
    return Markup("".join(parts))  # noqa: S704  (the saved, sanitised HTML plus our own links)


def _link(match: re.Match, people: dict[str, User]) -> str:
    person = people[match.group(1).lower()]
    href = url_for("directory.person", user_id=person.id)
    return f'<a class="mention" href="{escape(href)}">{match.group(0)}</a>'
