"""a task's batch, the day it was cancelled or re-planned, and its targets' version

Revision ID: 0012
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.add_column(sa.Column('batch', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('replanned_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('targets_version', sa.Integer(), nullable=False,
                                   server_default='1'))
        batch.create_index('ix_watched_tasks_batch', ['batch'], unique=False)


def downgrade():
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_index('ix_watched_tasks_batch')
        batch.drop_column('targets_version')
        batch.drop_column('replanned_on')
        batch.drop_column('cancelled_on')
        batch.drop_column('batch')
