"""inbound mail: handling attempts, since when, and a digest of the content

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 17:05:00.000000

A message is taken for handling in a transaction of its own (attempts + 1, handling_since), so a
receiver killed mid-way leaves it "handling": retried after a while, at most a few times. The
digest tells a second delivery of one message from another message reusing its Message-ID.

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("handling_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("digest", sa.String(length=64), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("digest")
        batch_op.drop_column("handling_since")
        batch_op.drop_column("attempts")
