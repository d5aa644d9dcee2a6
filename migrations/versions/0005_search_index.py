"""search index: documents with normalised Swedish terms, FTS5 on SQLite, tsvector on PostgreSQL

Revision ID: 0005
Revises: 0004

Hand-written: the tables are dialect-specific and live outside the models' metadata
(``hub.forum.search.is_search_object`` keeps autogenerate and the model check away from them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# One row per visible question (answer_id NULL) or answer. The terms columns hold the output of
# hub.forum.lemmas.index_text; body holds plain text for the highlighted snippet.
DOCUMENT_COLUMNS = """
    id {pk},
    question_id INTEGER NOT NULL REFERENCES question (id) ON DELETE CASCADE,
    answer_id INTEGER REFERENCES answer (id) ON DELETE CASCADE,
    title_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    body TEXT NOT NULL
"""

SQLITE_UPGRADE = [
    f"CREATE TABLE search_document ({DOCUMENT_COLUMNS.format(pk='INTEGER PRIMARY KEY')})",
    "CREATE INDEX ix_search_document_question_id ON search_document (question_id)",
    # External content: the terms are stored once, in search_document; triggers keep FTS in step.
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_terms, body_terms, content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    # A title hit weighs ten times a body hit.
    "INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    # Titles alone, so that "every word in the title" is a walk over short lists.
    """CREATE VIRTUAL TABLE search_title_fts USING fts5(
        title_terms, content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_fts (rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
        INSERT INTO search_title_fts (rowid, title_terms) VALUES (new.id, new.title_terms);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO search_title_fts (search_title_fts, rowid, title_terms)
        VALUES ('delete', old.id, old.title_terms);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO search_fts (rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
        INSERT INTO search_title_fts (search_title_fts, rowid, title_terms)
        VALUES ('delete', old.id, old.title_terms);
        INSERT INTO search_title_fts (rowid, title_terms) VALUES (new.id, new.title_terms);
    END""",
]

POSTGRES_UPGRADE = [
    f"""CREATE TABLE search_document ({DOCUMENT_COLUMNS.format(pk='SERIAL PRIMARY KEY')},
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title_terms), 'A')
            || setweight(to_tsvector('simple', body_terms), 'D')
        ) STORED)""",
    "CREATE INDEX ix_search_document_question_id ON search_document (question_id)",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
]


def upgrade():
    statements = SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_UPGRADE
    for statement in statements:
        op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("DROP TABLE search_title_fts"))
        op.execute(sa.text("DROP TABLE search_fts"))
    op.execute(sa.text("DROP TABLE search_document"))
