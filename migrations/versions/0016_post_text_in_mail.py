"""post text in mail: the post a notification is about, and the member's choice of titles only

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 11:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_type", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("mail_preference", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mail_text", sa.String(length=10), nullable=False, server_default="full")
        )


def downgrade():
    with op.batch_alter_table("mail_preference", schema=None) as batch_op:
        batch_op.drop_column("mail_text")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("post_id")
        batch_op.drop_column("post_type")
