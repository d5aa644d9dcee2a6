"""search: words as written for exact-match ranking, and a vocabulary with trigram indexes

Revision ID: 0013
Revises: 0012

Hand-written, like 0005: the search tables are dialect-specific and outside the models.

* ``search_document`` gains ``title_words`` and ``body_words``: the words as written, so that an
  exact match can rank above a base-form or compound match. SQLite's FTS5 tables are made anew
  with them; PostgreSQL's tsvector weighs title words A, title terms B, body words C, body terms D.
* ``search_word`` holds every word written in a visible post, with a trigram index (FTS5's
  ``trigram`` tokenizer; ``pg_trgm``'s GIN) for the typo fallback.

Existing documents keep their terms; run ``flask hub search-rebuild`` after upgrading so that
every post gets its words and the new lexicon's terms.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SQLITE_DROP_FTS = [
    "DROP TRIGGER search_document_ai",
    "DROP TRIGGER search_document_ad",
    "DROP TRIGGER search_document_au",
    "DROP TABLE search_fts",
    "DROP TABLE search_title_fts",
]


def sqlite_fts(title_columns: list[str], all_columns: list[str]) -> list[str]:
    """The two FTS5 tables of 0005 (everything, and titles alone) with these columns."""
    def values(prefix: str, columns: list[str]) -> str:
        return ", ".join(f"{prefix}.{c}" for c in columns)

    every, titles = ", ".join(all_columns), ", ".join(title_columns)
    weights = ", ".join("10.0" if c.startswith("title") else "1.0" for c in all_columns)
    delete_old = (
        f"INSERT INTO search_fts (search_fts, rowid, {every})"
        f" VALUES ('delete', old.id, {values('old', all_columns)});"
        f" INSERT INTO search_title_fts (search_title_fts, rowid, {titles})"
        f" VALUES ('delete', old.id, {values('old', title_columns)});"
    )
    insert_new = (
        f"INSERT INTO search_fts (rowid, {every}) VALUES (new.id, {values('new', all_columns)});"
        f" INSERT INTO search_title_fts (rowid, {titles})"
        f" VALUES (new.id, {values('new', title_columns)});"
    )
    return [
        f"""CREATE VIRTUAL TABLE search_fts USING fts5({every}, content='search_document',
            content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
        f"INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25({weights})')",
        f"""CREATE VIRTUAL TABLE search_title_fts USING fts5({titles}, content='search_document',
            content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN {insert_new} END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN {delete_old} END",
        "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN"
        f" {delete_old} {insert_new} END",
        "INSERT INTO search_fts (search_fts) VALUES ('rebuild')",
        "INSERT INTO search_title_fts (search_title_fts) VALUES ('rebuild')",
    ]


NEW_TITLE = ["title_words", "title_terms"]
NEW_ALL = ["title_words", "title_terms", "body_words", "body_terms"]

SQLITE_UPGRADE = [
    "ALTER TABLE search_document ADD COLUMN title_words TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_document ADD COLUMN body_words TEXT NOT NULL DEFAULT ''",
    *SQLITE_DROP_FTS,
    *sqlite_fts(NEW_TITLE, NEW_ALL),
    "CREATE TABLE search_word (word TEXT PRIMARY KEY)",
    """CREATE VIRTUAL TABLE search_word_trigram USING fts5(word, content='search_word',
        tokenize='trigram')""",
    """CREATE TRIGGER search_word_ai AFTER INSERT ON search_word BEGIN
        INSERT INTO search_word_trigram (rowid, word) VALUES (new.rowid, new.word);
    END""",
    """CREATE TRIGGER search_word_ad AFTER DELETE ON search_word BEGIN
        INSERT INTO search_word_trigram (search_word_trigram, rowid, word)
        VALUES ('delete', old.rowid, old.word);
    END""",
]

SQLITE_DOWNGRADE = [
    "DROP TABLE search_word_trigram",
    "DROP TABLE search_word",
    *SQLITE_DROP_FTS,
    "ALTER TABLE search_document DROP COLUMN title_words",
    "ALTER TABLE search_document DROP COLUMN body_words",
    *sqlite_fts(["title_terms"], ["title_terms", "body_terms"]),
]

POSTGRES_UPGRADE = [
    "ALTER TABLE search_document ADD COLUMN title_words TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_document ADD COLUMN body_words TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_document DROP COLUMN tsv",
    """ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_words), 'A')
        || setweight(to_tsvector('simple', title_terms), 'B')
        || setweight(to_tsvector('simple', body_words), 'C')
        || setweight(to_tsvector('simple', body_terms), 'D')
    ) STORED""",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE search_word (word TEXT PRIMARY KEY)",
    "CREATE INDEX ix_search_word_trgm ON search_word USING gin (word gin_trgm_ops)",
]

POSTGRES_DOWNGRADE = [
    "DROP TABLE search_word",
    "ALTER TABLE search_document DROP COLUMN tsv",
    "ALTER TABLE search_document DROP COLUMN title_words",
    "ALTER TABLE search_document DROP COLUMN body_words",
    """ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_terms), 'A')
        || setweight(to_tsvector('simple', body_terms), 'D')
    ) STORED""",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
]


def run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade():
    run(SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_UPGRADE)


def downgrade():
    run(SQLITE_DOWNGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWNGRADE)
