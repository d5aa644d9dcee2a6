"""Tags, shared by questions (their topics) and profiles (expertise): the one slug, the one
parser and the one get-or-create, so that the same word typed anywhere is the same tag and "who
in the network knows this" finds everyone.

``tag_slug("Läkemedels­robot")`` (a soft hyphen pasted from Word) and ``tag_slug("läkemedelsrobot")``
are both ``"lakemedelsrobot"``; letters such as ï, é and æ become their plain ASCII form.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from hub.core.driver_rows import json_array
from hub.core.kept import drop_kept
from hub.core.models import Tag
from hub.extensions import db

SLUG_LENGTH = 60
NAME_LENGTH = 60
# Invisible characters that Word and web pages leave in pasted text: soft hyphen, zero-width
# space/joiners, word joiner, byte order mark.
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Letters that NFKD does not take apart into a base letter and an accent.
PLAIN = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})


def clean_name(text: str) -> str:
    """A tag's shown name: invisible characters out, spaces collapsed, no leading #."""
    return " ".join((text or "").translate(INVISIBLE).split()).lstrip("#").strip()


def tag_slug(text: str) -> str:
    """``Digitala lås`` → ``digitala-las``: ASCII, lowercase, hyphens; "" when nothing is left."""
    folded = unicodedata.normalize("NFKC", clean_name(text)).casefold().translate(PLAIN)
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:SLUG_LENGTH].strip("-")


def parse_tag_names(raw: str) -> list[str]:
    """``"Surfplattor, digitala lås,,#surfplattor"`` → ``["Surfplattor", "digitala lås"]``."""
    names: dict[str, str] = {}
    for part in (raw or "").split(","):
        name = clean_name(part)
        slug = tag_slug(name)
        if slug and slug not in names:
            names[slug] = name
    return list(names.values())


def existing_tags(names: list[str]) -> dict[str, Tag]:
    """The tags that exist already for these names, by slug."""
    slugs = [tag_slug(name) for name in names]
    if not slugs:
        return {}
    return {tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}


def get_or_create_tags(names: list[str]) -> list[Tag]:
    """The tags with these names, created when missing; the only place a Tag is made."""
    by_slug = {tag_slug(name): name for name in names if tag_slug(name)}
    found = existing_tags(list(by_slug.values()))
    for slug, name in by_slug.items():
        if slug in found:
            continue
        try:
            with db.session.begin_nested():  # another request may create the same tag at once
                tag = Tag(slug=slug, name=clean_name(name)[:NAME_LENGTH])
                db.session.add(tag)
            found[slug] = tag
            drop_kept()  # the search's choices of tags
        except IntegrityError:
            found[slug] = db.session.scalars(select(Tag).where(Tag.slug == slug)).one()
    return [found[slug] for slug in by_slug]


def tags_as_read(found: str | list | None) -> list[Tag]:
    """Tags a statement read as one JSON array of [id, slug, name] (a column of another
    statement: ``questions.get_question_page``), in the order of their ids, as persistent
    ``Tag``s: the session's own where it has them, none written, no statement sent."""
    values = json_array(found)
    tags = []
    for tag_id, slug, name in sorted(values):
        tag = Tag(id=tag_id, slug=slug, name=name)
        make_transient_to_detached(tag)  # as if just read: no history, nothing to write
        tags.append(db.session.merge(tag, load=False))
    return tags
