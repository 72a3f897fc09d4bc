"""the colours' unit index without the colour

A unit's warnings were found through a (unit, colour) index, so every colour
change moved an entry of it as well as one of the (kind, colour, unit) index the
lists and the dashboard read. A (unit, kind) index finds a unit's warnings just
as well (a unit has about a thousand) and never moves: a batch of a thousand
reports dirties some 500 pages fewer.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_colours_unit_kind', 'colours', ['unit', 'item_kind'], unique=False)
    op.drop_index('ix_colours_unit_colour', table_name='colours')


def downgrade():
    op.create_index('ix_colours_unit_colour', 'colours', ['unit', 'colour'], unique=False)
    op.drop_index('ix_colours_unit_kind', table_name='colours')
