"""PostgreSQL: the meetings' and topics' search index with a vector per tier, as the forum's

Revision ID: 0054
Revises: 0050
Create Date: 2026-12-05 18:40:00.000000

Issue 17 (developer xlarge, session 13): ``search_item``'s tiers read one weighted vector
(title words A, title terms B, body words C, body terms D), each tier's query restricted by
weight. The statistics keep no weights, so a word in every meeting's agenda but in no title
(``värd``, ``erfarenheter`` in the bench's data) looked common to the title tiers: they walked a
short span, found nothing and read GIN's list of every meeting holding the word (916 buffers at
10x the data, every meeting). Like the forum's narrow tables (migrations 0029, 0035), each tier
now has a vector of its own, its statistics its own: the title words; the words as written
(title and body); the title's words and terms; and all of them (``tsv``, as before, its weights
unread). Each has a GIN index per kind (migration 0052's reasons), without ``fastupdate``.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0054"
down_revision = "0050"
branch_labels = None
depends_on = None

KINDS = ("meeting", "topic")
VECTORS = {
    "tsv_title_words": "title_words",
    "tsv_words": "title_words || ' ' || body_words",
    "tsv_title": "title_words || ' ' || title_terms",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_item "
        + ", ".join(
            f"ADD COLUMN {column} tsvector GENERATED ALWAYS AS (to_tsvector('simple', {text}))"
            " STORED"
            for column, text in VECTORS.items()
        )
    )
    for kind in KINDS:
        for column in VECTORS:
            op.execute(
                f"CREATE INDEX ix_search_item_{kind}_{column} ON search_item USING gin ({column})"
                f" WITH (fastupdate = off) WHERE kind = '{kind}'"
            )
    op.execute("ANALYZE search_item")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_item " + ", ".join(f"DROP COLUMN {column}" for column in VECTORS)
    )
