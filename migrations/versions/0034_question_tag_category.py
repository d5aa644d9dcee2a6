"""question_tag: its question's category too, at the end of each list order's index

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 02:55:00.000000

Issue 17 (10x the data). A list of one tag in one category (``/fragor?kategori=…&tagg=…``) read
the tag's questions in order and joined each to its question to test the category: when the tag's
questions are all in other categories that read the whole topic from the table (6,000 questions,
25,000 buffers, 40–140 ms at 200,000 questions on PostgreSQL). With the category copied to
``question_tag`` (by the triggers of 0033, which now copy it too and follow a question moved to
another category) and kept at the end of each order's index, the same walk reads only the index:
a few dozen pages for the whole topic.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# 0033's copy, and this one's: what is copied, from a question row named {q}, and what is watched.
OLD = {
    "copied": ("listed", "answered", "pinned", "created_at", "last_activity_at", "helpful_count"),
    "values": "{q}.deleted_at IS NULL AND NOT {q}.hidden, {q}.answer_count > 0, {q}.pinned,"
    " {q}.created_at, {q}.last_activity_at, {q}.helpful_count",
    "watched": (
        *("deleted_at", "hidden", "answer_count", "pinned", "created_at", "last_activity_at"),
        "helpful_count",
    ),
}
NEW = {
    "copied": (*OLD["copied"], "category_id"),
    "values": OLD["values"] + ", {q}.category_id",
    "watched": (*OLD["watched"], "category_id"),
}
ORDERS = {
    "ix_question_tag_newest": ["tag_id", "listed", "pinned", "created_at", "question_id"],
    "ix_question_tag_unanswered": [
        *("tag_id", "listed", "answered", "pinned", "created_at", "question_id")
    ],
    "ix_question_tag_active": ["tag_id", "listed", "pinned", "last_activity_at", "question_id"],
    "ix_question_tag_helpful": ["tag_id", "listed", "pinned", "helpful_count", "question_id"],
}


def _triggers(copy: dict, dialect: str) -> list[str]:
    """The two triggers of 0033 (and their PostgreSQL functions) for this copy; on SQLite, made
    anew (they were dropped before)."""
    copied, values = copy["copied"], copy["values"]
    setting = ", ".join(
        f"{column} = {value.strip()}"
        for column, value in zip(copied, values.format(q="NEW").split(","), strict=True)
    )
    watched = copy["watched"]
    if dialect == "sqlite":
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched)
        return [
            f"""CREATE TRIGGER question_tag_copy_ai AFTER INSERT ON question_tag BEGIN
                UPDATE question_tag SET ({", ".join(copied)}) =
                    (SELECT {values.format(q="q")} FROM question q WHERE q.id = NEW.question_id)
                WHERE question_id = NEW.question_id AND tag_id = NEW.tag_id;
            END""",  # noqa: S608 (this file's constants)
            f"""CREATE TRIGGER question_tag_follow_au
            AFTER UPDATE OF {", ".join(watched)} ON question WHEN {changed} BEGIN
                UPDATE question_tag SET {setting} WHERE question_id = NEW.id;
            END""",  # noqa: S608 (this file's constants)
        ]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in watched)
    return [
        "DROP TRIGGER question_tag_follow_au ON question",
        # FOR SHARE: a question being changed by another transaction is read as that one
        # commits it, whose own trigger cannot see this row yet.
        f"""CREATE OR REPLACE FUNCTION question_tag_copy() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT {values.format(q="q")} INTO {", ".join(f"NEW.{c}" for c in copied)}
            FROM question q WHERE q.id = NEW.question_id FOR SHARE;
            RETURN NEW;
        END $$""",  # noqa: S608 (this file's constants)
        f"""CREATE OR REPLACE FUNCTION question_tag_follow() RETURNS trigger LANGUAGE plpgsql
        AS $$
        BEGIN
            UPDATE question_tag SET {setting} WHERE question_id = NEW.id;
            RETURN NULL;
        END $$""",  # noqa: S608 (this file's constants)
        f"CREATE TRIGGER question_tag_follow_au AFTER UPDATE OF {', '.join(watched)} ON question"
        f" FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION question_tag_follow()",
    ]


def upgrade():
    op.add_column("question_tag", sa.Column("category_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE question_tag SET category_id ="
        " (SELECT q.category_id FROM question q WHERE q.id = question_tag.question_id)"
    )
    for name, columns in ORDERS.items():
        op.drop_index(name, table_name="question_tag")
        op.create_index(name, "question_tag", [*columns, "category_id"])
    dialect = op.get_bind().dialect.name
    for statement in [*(SQLITE_DROP if dialect == "sqlite" else []), *_triggers(NEW, dialect)]:
        op.execute(sa.text(statement))


# SQLite rebuilds the table to drop a column: its triggers go first, and come back after.
SQLITE_DROP = ["DROP TRIGGER question_tag_copy_ai", "DROP TRIGGER question_tag_follow_au"]


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DROP if dialect == "sqlite" else _triggers(OLD, dialect):
        op.execute(sa.text(statement))
    for name, columns in ORDERS.items():
        op.drop_index(name, table_name="question_tag")
        op.create_index(name, "question_tag", columns)
    with op.batch_alter_table("question_tag") as batch:
        batch.drop_column("category_id")
    for statement in _triggers(OLD, dialect) if dialect == "sqlite" else []:
        op.execute(sa.text(statement))
