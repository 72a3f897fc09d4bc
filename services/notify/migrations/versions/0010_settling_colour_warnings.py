"""held colour warnings: why one was dropped, and what a digest stands for

Revision ID: 0010
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('members', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('dropped_reason', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('dropped_reason')
        batch.drop_column('members')
