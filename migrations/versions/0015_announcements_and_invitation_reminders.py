"""announcements, invitation reminders, announcement mail preference

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:57:29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_announcement_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_announcement_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_announcement_network_created', ['network_id', 'created_at'], unique=False)

    op.create_table('invitation_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_invitation_reminder_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_reminder')),
    sa.UniqueConstraint('invitation_id', 'step', name=op.f('uq_invitation_reminder_invitation_id_step'))
    )
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        # Existing members get the default: announcements by mail at once.
        batch_op.add_column(
            sa.Column(
                'announcements',
                sa.String(length=12),
                nullable=False,
                server_default='immediately',
            )
        )



def downgrade():
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        batch_op.drop_column('announcements')

    op.drop_table('invitation_reminder')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_network_created')
        batch_op.drop_index(batch_op.f('ix_announcement_author_id'))

    op.drop_table('announcement')
