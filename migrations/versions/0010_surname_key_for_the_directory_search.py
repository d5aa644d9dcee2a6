"""surname key for the directory's name search

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 05:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def surname_key(name_key: str) -> str:
    """The last word of the (already normalised) name key; as hub/directory/names.py."""
    words = name_key.split()
    return words[-1] if words else ""


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("surname_key", sa.String(length=120), nullable=False, server_default="")
        )
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("name_key", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(user.c.id, user.c.name_key)).all()
    if rows:
        connection.execute(
            sa.text('UPDATE "user" SET surname_key = :key WHERE id = :id'),
            [{"id": row.id, "key": surname_key(row.name_key)} for row in rows],
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("surname_key", server_default=None)
        batch_op.create_index(
            "ix_user_surname_key_prefix",
            ["surname_key"],
            unique=False,
            postgresql_ops={"surname_key": "varchar_pattern_ops"},
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_surname_key_prefix")
        batch_op.drop_column("surname_key")
