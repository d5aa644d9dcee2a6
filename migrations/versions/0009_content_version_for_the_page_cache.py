"""content version for the page cache

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 05:00:04.743900

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    content_version = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    # The one row hub/core/pagecache.py reads and raises.
    op.bulk_insert(content_version, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("content_version")
