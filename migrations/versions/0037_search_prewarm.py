"""PostgreSQL: the pg_prewarm extension, so that a starting hub reads the search's indexes at once

Revision ID: 0037
Revises: 0041
Create Date: 2026-12-05 09:00:00.000000

Issue 18 (developer search-pg, session 10): the first search after a start read some 220 pages
of the search tables from disk when the operating system had let them go (35-120 ms instead of
under 20). ``hub.forum.search.prewarm_index`` reads them in bulk, in the warm-up before the
workers are forked, with ``pg_prewarm`` from PostgreSQL's contrib (as ``pg_trgm``). It is not a
trusted extension: only a superuser may create it. A role that may not, or a server without
contrib, gets no extension and the warm-up does without (as on SQLite).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0041"
branch_labels = None
depends_on = None

MAY_CREATE = """
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm')
    AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
"""


def may_create() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bool(bind.exec_driver_sql(MAY_CREATE).scalar())


def upgrade():
    if may_create():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")


def downgrade():
    if may_create():
        op.execute("DROP EXTENSION IF EXISTS pg_prewarm")
