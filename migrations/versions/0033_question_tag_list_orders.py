"""question_tag: each row carries what the question lists sort and filter by, kept by triggers

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 02:50:00.000000

Issue 17 (10x the data). A list of one topic's questions (a tag, or the member's own topics on
the start page) sorted by something of the question's was found one of two ways: read all the
topic's questions and sort them, or walk every question in the list's order and test each for
the topic. Both read in proportion to the data: at 200,000 questions the start page's "unanswered
in your topics" walked all of them when none was left (376 ms on PostgreSQL). Each row of
``question_tag`` now carries whether its question is listed (not deleted, not hidden), answered
and pinned, and its times and helpful count, with one index per list order led by the tag: a
topic's first page is read from the end of its index and the read stops at the page.

Triggers keep the copy (so every writer does, the demo seed's bulk inserts too): a new row
takes its question's values, and a change of those on the question is written to its rows.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

COPIED = ("listed", "answered", "pinned", "created_at", "last_activity_at", "helpful_count")
# The copied values, from a question row named {q}.
VALUES = (
    "{q}.deleted_at IS NULL AND NOT {q}.hidden, {q}.answer_count > 0, {q}.pinned,"
    " {q}.created_at, {q}.last_activity_at, {q}.helpful_count"
)
WATCHED = ("deleted_at", "hidden", "answer_count", "pinned", "created_at", "last_activity_at")
WATCHED += ("helpful_count",)
INDEXES = {
    "ix_question_tag_newest": ["tag_id", "listed", "pinned", "created_at", "question_id"],
    "ix_question_tag_unanswered": [
        *("tag_id", "listed", "answered", "pinned", "created_at", "question_id")
    ],
    "ix_question_tag_active": ["tag_id", "listed", "pinned", "last_activity_at", "question_id"],
    "ix_question_tag_helpful": ["tag_id", "listed", "pinned", "helpful_count", "question_id"],
}


def _set(new: str) -> str:
    """``listed = …, answered = …`` from the question row ``new``."""
    values = [v.strip() for v in VALUES.format(q=new).split(",")]
    return ", ".join(f"{column} = {value}" for column, value in zip(COPIED, values, strict=True))


def _changed(distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in WATCHED)


BACKFILL = f"""UPDATE question_tag SET ({", ".join(COPIED)}) =
    (SELECT {VALUES.format(q="q")} FROM question q WHERE q.id = question_tag.question_id)"""  # noqa: S608 (this file's constants)
SQLITE = [
    f"""CREATE TRIGGER question_tag_copy_ai AFTER INSERT ON question_tag BEGIN
        UPDATE question_tag SET ({", ".join(COPIED)}) =
            (SELECT {VALUES.format(q="q")} FROM question q WHERE q.id = NEW.question_id)
        WHERE question_id = NEW.question_id AND tag_id = NEW.tag_id;
    END""",  # noqa: S608 (this file's constants)
    f"""CREATE TRIGGER question_tag_follow_au AFTER UPDATE OF {", ".join(WATCHED)} ON question
    WHEN {_changed("IS NOT")} BEGIN
        UPDATE question_tag SET {_set("NEW")} WHERE question_id = NEW.id;
    END""",  # noqa: S608 (this file's constants)
]
SQLITE_DOWN = ["DROP TRIGGER question_tag_follow_au", "DROP TRIGGER question_tag_copy_ai"]

POSTGRESQL = [
    # FOR SHARE: a question being changed by another transaction is read as that one commits it,
    # whose own trigger cannot see this row yet.
    f"""CREATE FUNCTION question_tag_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {VALUES.format(q="q")} INTO {", ".join(f"NEW.{c}" for c in COPIED)}
        FROM question q WHERE q.id = NEW.question_id FOR SHARE;
        RETURN NEW;
    END $$""",  # noqa: S608 (this file's constants)
    "CREATE TRIGGER question_tag_copy_bi BEFORE INSERT OR UPDATE OF question_id ON question_tag"
    " FOR EACH ROW EXECUTE FUNCTION question_tag_copy()",
    f"""CREATE FUNCTION question_tag_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE question_tag SET {_set("NEW")} WHERE question_id = NEW.id;
        RETURN NULL;
    END $$""",  # noqa: S608 (this file's constants)
    f"CREATE TRIGGER question_tag_follow_au AFTER UPDATE OF {', '.join(WATCHED)} ON question"
    f" FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION question_tag_follow()",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER question_tag_follow_au ON question",
    "DROP FUNCTION question_tag_follow()",
    "DROP TRIGGER question_tag_copy_bi ON question_tag",
    "DROP FUNCTION question_tag_copy()",
]


def upgrade():
    for column in ("listed", "answered", "pinned"):
        op.add_column(
            "question_tag",
            sa.Column(column, sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    for column in ("created_at", "last_activity_at"):
        op.add_column("question_tag", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "question_tag",
        sa.Column("helpful_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(BACKFILL)
    for name, columns in INDEXES.items():
        op.create_index(name, "question_tag", columns)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(sa.text(statement))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWN if postgresql else SQLITE_DOWN:
        op.execute(sa.text(statement))
    for name in INDEXES:
        op.drop_index(name, table_name="question_tag")
    with op.batch_alter_table("question_tag") as batch:
        for column in reversed(COPIED):
            batch.drop_column(column)
