"""search: PostgreSQL's narrow tier tables carry their question's filters and boost

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 23:45:00.000000

Issue 18 (speed). A tier walks its narrow table (migration 0029) newest first; with a filter on
the questions (answered, a category) each row walked was joined to its question to be tested,
and the boost of every pooled hit was read by one more join. Each row of ``search_vector`` and
``search_title`` now carries what a search asks of its question: ``answered`` (any answer),
``boosted`` (an accepted answer or one marked helpful) and ``category_id``. The documents' trigger
copies them when it writes a row; a trigger on ``question`` copies them again when they change
(an answer, a helpful mark, an accepted answer, a move to another category), so they never wait
for a reindex. The tag filter still joins ``question_tag``. SQLite: nothing changes (FTS5's
search joins the questions, which costs it little).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

FLAGS = (
    "q.answer_count > 0, q.accepted_answer_id IS NOT NULL OR q.helpful_count > 0, q.category_id"
)

# As in 0029, with the question's flags: once per inserting statement, its rows joined to their
# questions.
VECTORS = f"""
    INSERT INTO search_vector (id, question_id, words, terms, answered, boosted, category_id)
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words || ' ' || d.body_words)),
        strip(d.tsv), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id;
    INSERT INTO search_title (id, question_id, words, terms, answered, boosted, category_id)
    SELECT d.id, d.question_id, strip(to_tsvector('simple', d.title_words)),
        strip(to_tsvector('simple', d.title_terms)), {FLAGS}
    FROM {{rows}} d JOIN question q ON q.id = d.question_id WHERE d.answer_id IS NULL;
"""

# 0029's, to go back to.
OLD_VECTORS = """
    INSERT INTO search_vector (id, question_id, words, terms)
    SELECT id, question_id, strip(to_tsvector('simple', title_words || ' ' || body_words)),
        strip(tsv)
    FROM new_rows;
    INSERT INTO search_title (id, question_id, words, terms)
    SELECT id, question_id, strip(to_tsvector('simple', title_words)),
        strip(to_tsvector('simple', title_terms))
    FROM new_rows WHERE answer_id IS NULL;
"""

DOCUMENT_TRIGGER = """CREATE OR REPLACE FUNCTION search_document_vectors() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM search_vector WHERE id IN (SELECT id FROM old_rows);
            DELETE FROM search_title WHERE id IN (SELECT id FROM old_rows);
        END IF;
        {vectors}
        RETURN NULL;
    END $$"""

# Only when a flag changes: a view or an edit of the title leaves the tier tables alone.
CHANGED = (
    "(OLD.answer_count > 0) IS DISTINCT FROM (NEW.answer_count > 0)"
    " OR (OLD.accepted_answer_id IS NOT NULL OR OLD.helpful_count > 0)"
    " IS DISTINCT FROM (NEW.accepted_answer_id IS NOT NULL OR NEW.helpful_count > 0)"
    " OR OLD.category_id IS DISTINCT FROM NEW.category_id"
)

UPGRADE = [
    *(
        f"ALTER TABLE {table} ADD COLUMN answered boolean NOT NULL DEFAULT false,"
        " ADD COLUMN boosted boolean NOT NULL DEFAULT false, ADD COLUMN category_id integer"
        for table in ("search_vector", "search_title")
    ),
    *(
        f"UPDATE {table} t SET answered = q.answer_count > 0,"
        " boosted = q.accepted_answer_id IS NOT NULL OR q.helpful_count > 0,"
        f" category_id = q.category_id FROM question q WHERE q.id = t.question_id"
        for table in ("search_vector", "search_title")
    ),
    # The question trigger finds a question's rows by it.
    "CREATE INDEX ix_search_vector_question_id ON search_vector (question_id)",
    "CREATE INDEX ix_search_title_question_id ON search_title (question_id)",
    DOCUMENT_TRIGGER.replace("{vectors}", VECTORS.format(rows="new_rows")),
    """CREATE FUNCTION search_question_flags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_vector SET answered = NEW.answer_count > 0,
            boosted = NEW.accepted_answer_id IS NOT NULL OR NEW.helpful_count > 0,
            category_id = NEW.category_id
        WHERE question_id = NEW.id;
        UPDATE search_title SET answered = NEW.answer_count > 0,
            boosted = NEW.accepted_answer_id IS NOT NULL OR NEW.helpful_count > 0,
            category_id = NEW.category_id
        WHERE question_id = NEW.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER search_question_flags_au"
    " AFTER UPDATE OF answer_count, accepted_answer_id, helpful_count, category_id ON question"
    f" FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION search_question_flags()",
]

DOWNGRADE = [
    "DROP TRIGGER search_question_flags_au ON question",
    "DROP FUNCTION search_question_flags()",
    DOCUMENT_TRIGGER.replace("{vectors}", OLD_VECTORS),
    "DROP INDEX ix_search_title_question_id",
    "DROP INDEX ix_search_vector_question_id",
    *(
        f"ALTER TABLE {table} DROP COLUMN answered, DROP COLUMN boosted, DROP COLUMN category_id"
        for table in ("search_vector", "search_title")
    ),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(sa.text(statement))
