"""search: meetings (title, agenda, minutes) and topic suggestions in their own index

Revision ID: 0014
Revises: 0013

Hand-written, like 0005 and 0012: ``search_item`` holds one row per meeting and per topic
suggestion, with the same four columns of words and terms as ``search_document``; FTS5 on SQLite,
a weighted tsvector with GIN on PostgreSQL. Run ``flask hub search-rebuild`` after upgrading to
fill it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = """
    id {pk},
    kind VARCHAR(10) NOT NULL,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
    topic_id INTEGER REFERENCES topic_suggestion (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    title_words TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    body_words TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    body TEXT NOT NULL
"""
TERMS = "title_words, title_terms, body_words, body_terms"


def values(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in TERMS.split(","))


SQLITE_UPGRADE = [
    f"CREATE TABLE search_item ({COLUMNS.format(pk='INTEGER PRIMARY KEY')})",
    "CREATE INDEX ix_search_item_meeting_id ON search_item (meeting_id)",
    f"""CREATE VIRTUAL TABLE search_item_fts USING fts5({TERMS}, content='search_item',
        content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER search_item_ai AFTER INSERT ON search_item BEGIN
        INSERT INTO search_item_fts (rowid, {TERMS}) VALUES (new.id, {values('new')});
    END""",
    f"""CREATE TRIGGER search_item_ad AFTER DELETE ON search_item BEGIN
        INSERT INTO search_item_fts (search_item_fts, rowid, {TERMS})
        VALUES ('delete', old.id, {values('old')});
    END""",
]

POSTGRES_UPGRADE = [
    f"""CREATE TABLE search_item ({COLUMNS.format(pk='SERIAL PRIMARY KEY')},
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title_words), 'A')
            || setweight(to_tsvector('simple', title_terms), 'B')
            || setweight(to_tsvector('simple', body_words), 'C')
            || setweight(to_tsvector('simple', body_terms), 'D')
        ) STORED)""",
    "CREATE INDEX ix_search_item_meeting_id ON search_item (meeting_id)",
    "CREATE INDEX ix_search_item_tsv ON search_item USING gin (tsv)",
]


def upgrade():
    statements = SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_UPGRADE
    for statement in statements:
        op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("DROP TABLE search_item_fts"))
    op.execute(sa.text("DROP TABLE search_item"))
