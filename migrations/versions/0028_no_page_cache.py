"""no page cache: the content version row goes

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 17:50:00.000000

Issue 17: on a realistic mix (hundreds of members, writes flowing) the per-reader page cache
served almost nothing, while every writing transaction raised this one row. The cache is gone,
and with it the row and the write on every transaction.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("content_version")


def downgrade():
    content_version = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    op.bulk_insert(content_version, [{"id": 1, "value": 0}])
