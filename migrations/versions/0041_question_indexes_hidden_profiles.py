"""question: four indexes no statement needs; profile: the hidden ones indexed by user

Revision ID: 0041
Revises: 0036
Create Date: 2026-12-05 09:10:00.000000

Issue 17 on PostgreSQL (developer pg-server, session 10).

* ``question`` had 13 indexes. An update that changes an indexed column (a helpful mark, an
  answer, the list's counters) is never HOT there and adds an entry to every one of them. Four
  serve no statement: ``ix_question_author_id`` and ``ix_question_category_id`` are the leading
  column of ``ix_question_author_created`` / ``ix_question_category_created`` (which serve the
  foreign keys as well), ``ix_question_answer_count`` and ``ix_question_visible_activity`` are
  read by nothing (the lists use the partial ``ix_question_list_*`` indexes; digests, escalation
  and health filter by ``created_at``). 13 → 9.
* ``ix_profile_hidden_user``: the few profiles hidden from the directory, by user. The directory
  tests "not hidden" as an anti-join against them (``hub/directory/privacy.py``,
  ``listed_by_exclusion``), read from this index alone, instead of looking up each person's
  profile (3 buffers a person: a municipality's count read 1,902 buffers at 20,000 members).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0041"
down_revision = "0036"
branch_labels = None
depends_on = None

DROPPED = [  # name, columns
    ("ix_question_author_id", ["author_id"]),
    ("ix_question_category_id", ["category_id"]),
    ("ix_question_answer_count", ["answer_count"]),
    ("ix_question_visible_activity", ["deleted_at", "hidden", "last_activity_at"]),
]


def upgrade():
    with op.batch_alter_table("question") as batch:
        for name, _columns in DROPPED:
            batch.drop_index(name)
    with op.batch_alter_table("profile") as batch:
        batch.create_index(
            "ix_profile_hidden_user",
            ["user_id"],
            sqlite_where=sa.text("hidden_from_directory = 1"),
            postgresql_where=sa.text("hidden_from_directory"),
        )


def downgrade():
    with op.batch_alter_table("profile") as batch:
        batch.drop_index("ix_profile_hidden_user")
    with op.batch_alter_table("question") as batch:
        for name, columns in DROPPED:
            batch.create_index(name, columns)
