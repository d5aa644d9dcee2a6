"""question: an index on (author_id, last_activity_at) for the start page's "your answered questions"

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 20:50:00.000000

Issue 17: the start page shows the member's own questions answered in the last 30 days, newest
activity first. With only (author_id, created_at) the database read every question the member
ever asked (809 rows for the demo ambassador, 4.5 ms on SQLite) and sorted them; this index reads
the last 30 days' questions of that member in order and stops at the third.

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_question_author_activity", "question", ["author_id", "last_activity_at"])


def downgrade():
    op.drop_index("ix_question_author_activity", table_name="question")
