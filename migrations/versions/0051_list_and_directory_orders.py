"""question, user: indexes in the order the start page, the unanswered list and the directory read

Revision ID: 0051
Revises: 0052
Create Date: 2026-12-05 18:00:00.000000

Issue 17 on PostgreSQL (developer pgpages, session 13); each index replaces one it supersedes,
so no update writes more index entries than before.

* ``ix_question_author_activity`` gains ``id``: the start page's "your answered questions"
  orders by (last_activity_at, id), which the index without ``id`` could not give (a sort in
  every plan; ``hub/forum/summary.py`` says why that statement is now planned once).
* ``ix_question_list_unanswered`` becomes partial on ``answer_count = 0`` (pinned, created_at,
  id): with ``answer_count`` as its first column PostgreSQL took its entries to lie all over
  the table and walked the newest questions instead, testing each (248 rows and 319 buffers for
  the unanswered list's 21 at large, 1,462 buffers for a category's).
* ``ix_user_municipality_code`` becomes (municipality_code, active, name_key, id): a
  municipality's directory page is its members in name order, read from the index's end of the
  municipality; PostgreSQL walked every member in name order testing each (777 rows and 737
  buffers for Laholm's first 20 at large).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0051"
down_revision = "0052"
branch_labels = None
depends_on = None

VISIBLE = {
    "sqlite_where": sa.text("deleted_at IS NULL AND hidden = 0"),
    "postgresql_where": sa.text("deleted_at IS NULL AND hidden = false"),
}
UNANSWERED = {
    "sqlite_where": sa.text("deleted_at IS NULL AND hidden = 0 AND answer_count = 0"),
    "postgresql_where": sa.text("deleted_at IS NULL AND hidden = false AND answer_count = 0"),
}


def upgrade():
    with op.batch_alter_table("question") as batch:
        batch.drop_index("ix_question_author_activity")
        batch.create_index("ix_question_author_activity", ["author_id", "last_activity_at", "id"])
        batch.drop_index("ix_question_list_unanswered")
        batch.create_index(
            "ix_question_list_unanswered", ["pinned", "created_at", "id"], **UNANSWERED
        )
    with op.batch_alter_table("user") as batch:
        batch.drop_index("ix_user_municipality_code")
        batch.create_index(
            "ix_user_municipality_directory", ["municipality_code", "active", "name_key", "id"]
        )


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_index("ix_user_municipality_directory")
        batch.create_index("ix_user_municipality_code", ["municipality_code"])
    with op.batch_alter_table("question") as batch:
        batch.drop_index("ix_question_list_unanswered")
        batch.create_index(
            "ix_question_list_unanswered",
            ["answer_count", "pinned", "created_at", "id"],
            **VISIBLE,
        )
        batch.drop_index("ix_question_author_activity")
        batch.create_index("ix_question_author_activity", ["author_id", "last_activity_at"])
