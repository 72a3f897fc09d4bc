"""复核: the steps the office sent back, which count against a unit

Revision ID: 0007
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('returned_steps',
    sa.Column('verification_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('verification_id')
    )
    with op.batch_alter_table('returned_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_returned_steps_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('returned_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_returned_steps_day'))
    op.drop_table('returned_steps')
