"""a copy of the working-day calendar's years the office entered: an ended
period is drafted on the first working day after it

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('holidays', sa.JSON(), nullable=False),
        sa.Column('workdays', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )


def downgrade():
    op.drop_table('calendar_years')
