"""search: meetings and topic suggestions in their own index; the words as written indexed apart

Revision ID: 0017
Revises: 0016

Hand-written, like 0005 and 0013:

* ``search_item`` holds one row per meeting and per topic suggestion, with the same four columns
  of words and terms as ``search_document``; FTS5 on SQLite, a weighted tsvector with GIN on
  PostgreSQL. Run ``flask hub search-rebuild`` after upgrading to fill it.
* The forum's documents get one index per ranking tier, so that "this word as written" reads a
  list of the posts that have it as written, not every post with some form of it: on SQLite
  ``search_fts`` (terms), ``search_words_fts`` (words) and ``search_title_fts`` (title words and
  terms); on PostgreSQL ``tsv_title_words``, ``tsv_title_terms`` and ``tsv_words`` beside
  ``tsv``, each with GIN.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
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


def values(prefix: str, columns: str = TERMS) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in columns.split(","))


def document_fts(tables: dict[str, str]) -> list[str]:
    """FTS5 tables over ``search_document`` (name: columns), filled, with the triggers that keep
    them in step."""
    delete_old = " ".join(
        f"INSERT INTO {name} ({name}, rowid, {columns})"
        f" VALUES ('delete', old.id, {values('old', columns)});"
        for name, columns in tables.items()
    )
    insert_new = " ".join(
        f"INSERT INTO {name} (rowid, {columns}) VALUES (new.id, {values('new', columns)});"
        for name, columns in tables.items()
    )
    statements = [
        f"""CREATE VIRTUAL TABLE {name} USING fts5({columns}, content='search_document',
            content_rowid='id', tokenize='unicode61 remove_diacritics 0')"""
        for name, columns in tables.items()
    ]
    return [
        *statements,
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN {insert_new} END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN {delete_old} END",
        "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN"
        f" {delete_old} {insert_new} END",
        *(f"INSERT INTO {name} ({name}) VALUES ('rebuild')" for name in tables),
    ]


def drop_document_fts(tables: dict[str, str]) -> list[str]:
    return [
        "DROP TRIGGER search_document_ai",
        "DROP TRIGGER search_document_ad",
        "DROP TRIGGER search_document_au",
        *(f"DROP TABLE {name}" for name in tables),
    ]


# 0013's tables, and this revision's: one list per tier.
OLD_FTS = {"search_fts": TERMS, "search_title_fts": "title_words, title_terms"}
NEW_FTS = {
    "search_fts": "title_terms, body_terms",
    "search_words_fts": "title_words, body_words",
    "search_title_fts": "title_words, title_terms",
}


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
    *drop_document_fts(OLD_FTS),
    *document_fts(NEW_FTS),
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
    # Unweighted, one per tier: a weight in the query is invisible to the planner's statistics,
    # which would take "larm:A" (rare) for "larm" (common) and walk the whole table.
    """ALTER TABLE search_document ADD COLUMN tsv_title_words tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', title_words)) STORED""",
    """ALTER TABLE search_document ADD COLUMN tsv_title_terms tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', title_terms)) STORED""",
    """ALTER TABLE search_document ADD COLUMN tsv_words tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', title_words || ' ' || body_words)) STORED""",
    "CREATE INDEX ix_search_document_tsv_title_words ON search_document"
    " USING gin (tsv_title_words)",
    "CREATE INDEX ix_search_document_tsv_title_terms ON search_document"
    " USING gin (tsv_title_terms)",
    "CREATE INDEX ix_search_document_tsv_words ON search_document USING gin (tsv_words)",
]


def upgrade():
    statements = SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_UPGRADE
    for statement in statements:
        op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        statements = [
            *drop_document_fts(NEW_FTS),
            *document_fts(OLD_FTS),
            "DROP TABLE search_item_fts",
            "DROP TABLE search_item",
        ]
    else:
        statements = [
            "ALTER TABLE search_document DROP COLUMN tsv_title_words",
            "ALTER TABLE search_document DROP COLUMN tsv_title_terms",
            "ALTER TABLE search_document DROP COLUMN tsv_words",
            "DROP TABLE search_item",
        ]
    for statement in statements:
        op.execute(sa.text(statement))
