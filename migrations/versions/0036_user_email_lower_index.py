"""users: an index on lower(email), for sign-in

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 03:45:00.000000

Issue 17 (10x the data). Sign-in finds the account by ``lower(email)`` (an address is matched in
any case), which no index served: PostgreSQL read all 20,000 members (12.8 ms) per sign-in. The
index is on the expression itself. PostgreSQL only: SQLite cannot reflect an index on an
expression (it warns on every reflection of the table, and a batch migration that rebuilds the
table would drop the index without a word). It is not in the models; ``EXPRESSION_INDEXES``
keeps it out of autogenerate's comparison.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_user_email_lower ON "user" (lower(email))')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_user_email_lower")
