"""reference data: regions, municipalities, units, role types, care areas

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from sqlalchemy.orm import Session

    from hub.directory.reference import load_reference_data

    session = Session(bind=op.get_bind())
    load_reference_data(session)
    session.flush()


def downgrade():
    for table in ("email_domain", "unit", "municipality", "region", "role_type", "care_area"):
        op.execute(sa.text(f"DELETE FROM {table}"))
