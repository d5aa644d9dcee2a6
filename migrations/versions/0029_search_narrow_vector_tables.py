"""search: PostgreSQL's tier vectors in two narrow tables of their own

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 20:30:00.000000

Issue 18 (speed). A search looks for each tier's newest hits by walking the documents newest
first and testing each one's tsvector, or by reading GIN's list of hits and each hit's row. Both
read ``search_document``'s rows, 1.4 kB each on average (the text, four tsvectors with positions):
most of a search's server time. The tiers' vectors now live in narrow tables without the text or
positions, filled by triggers on ``search_document`` as SQLite's FTS5 tables are:

* ``search_vector``: every document's words as written (``words``) and all its terms (``terms``);
* ``search_title``: the questions' titles only (a fifth of the documents), the words as written
  and the terms, so that a title tier walks titles and not the answers between them.

``search_document`` keeps ``tsv`` (with weights and positions) for the similar-questions ranking
and loses the three per-tier columns it had for this (migration 0017). SQLite: nothing changes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# Stripped: no positions or weights, which a tier's match never reads.
VECTORS = """
    INSERT INTO search_vector (id, question_id, words, terms)
    SELECT id, question_id, strip(to_tsvector('simple', title_words || ' ' || body_words)),
        strip(tsv)
    FROM {rows};
    INSERT INTO search_title (id, question_id, words, terms)
    SELECT id, question_id, strip(to_tsvector('simple', title_words)),
        strip(to_tsvector('simple', title_terms))
    FROM {rows} WHERE answer_id IS NULL;
"""

UPGRADE = [
    """CREATE TABLE search_vector (
        id integer PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE,
        question_id integer NOT NULL,
        words tsvector NOT NULL,
        terms tsvector NOT NULL)""",
    """CREATE TABLE search_title (
        id integer PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE,
        question_id integer NOT NULL,
        words tsvector NOT NULL,
        terms tsvector NOT NULL)""",
    VECTORS.format(rows="search_document"),
    "CREATE INDEX ix_search_vector_words ON search_vector USING gin (words)",
    "CREATE INDEX ix_search_vector_terms ON search_vector USING gin (terms)",
    "CREATE INDEX ix_search_title_words ON search_title USING gin (words)",
    "CREATE INDEX ix_search_title_terms ON search_title USING gin (terms)",
    # Once per inserting statement (its new rows in a transition table), not once per row: a
    # rebuild inserts 500 documents at a time.
    """CREATE FUNCTION search_document_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM search_vector WHERE id IN (SELECT id FROM old_rows);
            DELETE FROM search_title WHERE id IN (SELECT id FROM old_rows);
        END IF;
        {vectors}
        RETURN NULL;
    END $$""".replace("{vectors}", VECTORS.format(rows="new_rows")),
    "CREATE TRIGGER search_document_vectors_ai AFTER INSERT ON search_document"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_document_vectors()",
    "CREATE TRIGGER search_document_vectors_au AFTER UPDATE ON search_document"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_document_vectors()",
    "ALTER TABLE search_document DROP COLUMN tsv_title_words",
    "ALTER TABLE search_document DROP COLUMN tsv_title_terms",
    "ALTER TABLE search_document DROP COLUMN tsv_words",
]

DOWNGRADE = [
    "DROP TRIGGER search_document_vectors_au ON search_document",
    "DROP TRIGGER search_document_vectors_ai ON search_document",
    "DROP FUNCTION search_document_vectors()",
    "DROP TABLE search_title",
    "DROP TABLE search_vector",
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
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(sa.text(statement))
