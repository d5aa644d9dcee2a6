"""search: PostgreSQL's words and terms in two narrow tables instead of one

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 03:15:00.000000

Issue 18 (speed). A common word's tier walks its table newest first and tests one tsvector per
row; most of a row's cost is reading it, not the test. ``search_vector`` held both of a document's
vectors (words as written, 180 bytes on average; terms, 430 bytes), so a walk over either read
both. Apart, in ``search_words`` and ``search_terms`` (each row with its question's flags as in
0032), a walk of 20,000 rows took 2.9 ms instead of 5.8 (words) and 3.9 instead of 5.8 (terms) on
the 100,000-post bench. The documents' and the questions' triggers write the two tables as they
wrote the one. SQLite: nothing changes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

FLAGS = (
    "q.answer_count > 0, q.accepted_answer_id IS NOT NULL OR q.helpful_count > 0, q.category_id"
)
COLUMNS = "(id, question_id, {vector}, answered, boosted, category_id)"

VECTORS = f"""
    INSERT INTO search_words {COLUMNS.format(vector="words")}
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words || ' ' || d.body_words)),
        {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id;
    INSERT INTO search_terms {COLUMNS.format(vector="terms")}
    SELECT d.id, d.question_id, strip(d.tsv), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id;
    INSERT INTO search_title (id, question_id, words, terms, answered, boosted, category_id)
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words)),
        strip(to_tsvector('simple', d.title_terms)), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id WHERE d.answer_id IS NULL;
"""

# 0032's, to go back to.
OLD_VECTORS = f"""
    INSERT INTO search_vector (id, question_id, words, terms, answered, boosted, category_id)
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words || ' ' || d.body_words)),
        strip(d.tsv), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id;
    INSERT INTO search_title (id, question_id, words, terms, answered, boosted, category_id)
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words)),
        strip(to_tsvector('simple', d.title_terms)), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id WHERE d.answer_id IS NULL;
"""


def document_trigger(tables: tuple[str, ...], vectors: str) -> str:
    deletes = "\n".join(
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM old_rows);" for table in tables
    )
    return f"""CREATE OR REPLACE FUNCTION search_document_vectors() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            {deletes}
        END IF;
        {vectors.format(rows="new_rows")}
        RETURN NULL;
    END $$"""


def question_trigger(tables: tuple[str, ...]) -> str:
    updates = "\n".join(
        f"""UPDATE {table} SET answered = NEW.answer_count > 0,
            boosted = NEW.accepted_answer_id IS NOT NULL OR NEW.helpful_count > 0,
            category_id = NEW.category_id
        WHERE question_id = NEW.id;"""
        for table in tables
    )
    return f"""CREATE OR REPLACE FUNCTION search_question_flags() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {updates}
        RETURN NULL;
    END $$"""


def table(name: str, vector: str) -> str:
    return f"""CREATE TABLE {name} (
        id integer PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE,
        question_id integer NOT NULL,
        {vector} tsvector NOT NULL,
        answered boolean NOT NULL DEFAULT false,
        boosted boolean NOT NULL DEFAULT false,
        category_id integer)"""


NEW_TABLES = ("search_words", "search_terms", "search_title")
OLD_TABLES = ("search_vector", "search_title")

UPGRADE = [
    table("search_words", "words"),
    table("search_terms", "terms"),
    # In id order: a walk newest first reads the pages in order.
    f"INSERT INTO search_words {COLUMNS.format(vector='words')}"
    " SELECT id, question_id, words, answered, boosted, category_id FROM search_vector ORDER BY id",
    f"INSERT INTO search_terms {COLUMNS.format(vector='terms')}"
    " SELECT id, question_id, terms, answered, boosted, category_id FROM search_vector ORDER BY id",
    "CREATE INDEX ix_search_words_words ON search_words USING gin (words)",
    "CREATE INDEX ix_search_terms_terms ON search_terms USING gin (terms)",
    # The question trigger finds a question's rows by it.
    "CREATE INDEX ix_search_words_question_id ON search_words (question_id)",
    "CREATE INDEX ix_search_terms_question_id ON search_terms (question_id)",
    document_trigger(NEW_TABLES, VECTORS),
    question_trigger(NEW_TABLES),
    "DROP TABLE search_vector",
    # The search chooses each tier's plan from these statistics (hub.forum.search_plan).
    "ANALYZE search_words",
    "ANALYZE search_terms",
]

DOWNGRADE = [
    """CREATE TABLE search_vector (
        id integer PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE,
        question_id integer NOT NULL,
        words tsvector NOT NULL,
        terms tsvector NOT NULL,
        answered boolean NOT NULL DEFAULT false,
        boosted boolean NOT NULL DEFAULT false,
        category_id integer)""",
    "INSERT INTO search_vector (id, question_id, words, terms, answered, boosted, category_id)"
    " SELECT w.id, w.question_id, w.words, t.terms, w.answered, w.boosted, w.category_id"
    " FROM search_words w JOIN search_terms t ON t.id = w.id ORDER BY w.id",
    "CREATE INDEX ix_search_vector_words ON search_vector USING gin (words)",
    "CREATE INDEX ix_search_vector_terms ON search_vector USING gin (terms)",
    "CREATE INDEX ix_search_vector_question_id ON search_vector (question_id)",
    document_trigger(OLD_TABLES, OLD_VECTORS),
    question_trigger(OLD_TABLES),
    "DROP TABLE search_words",
    "DROP TABLE search_terms",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(sa.text(statement))
