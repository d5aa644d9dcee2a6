"""two-factor secrets encrypted at rest

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 05:40:00

Encrypts the secrets with a key derived from HUB_SECRET_KEY (hub/auth/twofactor.py), so run it
with the installation's real key set, as `flask db upgrade` in production is.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

user = sa.table("user", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def rewrite_secrets(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(user.c.id, user.c.totp_secret).where(user.c.totp_secret.is_not(None))
    ).all()
    for row in rows:
        connection.execute(
            user.update().where(user.c.id == row.id).values(totp_secret=change(row.totp_secret))
        )


def upgrade():
    from hub.auth.twofactor import seal_secret

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
    rewrite_secrets(seal_secret)


def downgrade():
    from hub.auth.twofactor import open_secret

    rewrite_secrets(open_secret)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
