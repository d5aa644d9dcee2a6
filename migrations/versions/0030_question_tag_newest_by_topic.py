"""question_tag: one index on (tag_id, question_id) instead of (tag_id)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 20:45:00.000000

Issue 17: "Vem kan svara?" counts the newest questions of each of a question's topics. With the
question id in the index, each topic's newest questions are read from the index's end, a bounded
read at any size; the old index on tag_id alone made the database read every question of the
topic (or walk the whole table) to find them. The new index serves every lookup the old one did.

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_question_tag_tag_question", "question_tag", ["tag_id", "question_id"])
    op.drop_index("ix_question_tag_tag_id", table_name="question_tag")


def downgrade():
    op.create_index("ix_question_tag_tag_id", "question_tag", ["tag_id"])
    op.drop_index("ix_question_tag_tag_question", table_name="question_tag")
