"""an index covering the dashboard's counts of tasks by unit and colour

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_colours_kind_unit_colour', 'colours',
                    ['item_kind', 'unit', 'colour'], unique=False)


def downgrade():
    op.drop_index('ix_colours_kind_unit_colour', table_name='colours')
