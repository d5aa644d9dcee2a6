"""tags whose slugs differed only by the two old slug rules become one tag

The forum and the directory each made tag slugs their own way (soft hyphens, ï, æ …), so the
same word could become two tags. This recomputes every slug with the one rule of
``hub/core/tags.py`` (frozen here as it was) and merges tags that now share a slug: the oldest
stays, and every question, profile and follow moves to it. Data only; the downgrade keeps the
merged tags.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 12:00:00

"""
import re
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
PLAIN = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})

tag = sa.table("tag", sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("name", sa.String))
question_tag = sa.table("question_tag", sa.column("question_id", sa.Integer), sa.column("tag_id", sa.Integer))
user_expertise = sa.table("user_expertise", sa.column("user_id", sa.Integer), sa.column("tag_id", sa.Integer))
follow = sa.table(
    "follow",
    sa.column("user_id", sa.Integer),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.Integer),
)


def tag_slug(text):
    name = " ".join((text or "").translate(INVISIBLE).split()).lstrip("#").strip()
    folded = unicodedata.normalize("NFKC", name).casefold().translate(PLAIN)
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].strip("-")


def move_links(connection, table, owner, keep, other, where=()):
    """Rows of ``other`` go to ``keep``, except where the owner already has ``keep``."""
    column = table.c.target_id if table is follow else table.c.tag_id
    has_keep = sa.select(owner).where(column == keep, *where)
    connection.execute(
        table.update().where(column == other, owner.not_in(has_keep), *where).values({column.name: keep})
    )
    connection.execute(table.delete().where(column == other, *where))


def upgrade():
    connection = op.get_bind()
    groups = defaultdict(list)
    for row in connection.execute(sa.select(tag.c.id, tag.c.slug, tag.c.name).order_by(tag.c.id)):
        groups[tag_slug(row.name) or row.slug].append(row)
    for slug, rows in groups.items():
        keep, others = rows[0], rows[1:]
        for other in others:
            move_links(connection, question_tag, question_tag.c.question_id, keep.id, other.id)
            move_links(connection, user_expertise, user_expertise.c.user_id, keep.id, other.id)
            is_tag = (follow.c.target_type == "tag",)
            move_links(connection, follow, follow.c.user_id, keep.id, other.id, is_tag)
            connection.execute(tag.delete().where(tag.c.id == other.id))
    # Two steps, so that a slug another tag is leaving is free when it is taken.
    moving = {rows[0].id: slug for slug, rows in groups.items() if rows[0].slug != slug}
    for tag_id in moving:
        connection.execute(tag.update().where(tag.c.id == tag_id).values(slug=f"~{tag_id}"))
    for tag_id, slug in moving.items():
        connection.execute(tag.update().where(tag.c.id == tag_id).values(slug=slug))


def downgrade():
    pass  # merged tags stay merged: which question had which spelling is not kept
