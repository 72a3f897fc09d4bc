"""one index on the colours' kind, colour and unit instead of two

The (kind, colour) index served the lists of one colour, the (kind, unit, colour)
index the dashboard's counts. One (kind, colour, unit, since, item_key) index
serves both from the index alone, and a colour change, which rewrites an entry in
every index holding the colour, writes one index fewer: a batch of a thousand
reports dirties some 400 pages less.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_colours_kind_colour_unit', 'colours',
                    ['item_kind', 'colour', 'unit', 'since', 'item_key'], unique=False)
    op.drop_index('ix_colours_kind_colour', table_name='colours')
    op.drop_index('ix_colours_kind_unit_colour', table_name='colours')


def downgrade():
    op.create_index('ix_colours_kind_unit_colour', 'colours',
                    ['item_kind', 'unit', 'colour'], unique=False)
    op.create_index('ix_colours_kind_colour', 'colours', ['item_kind', 'colour'], unique=False)
    op.drop_index('ix_colours_kind_colour_unit', table_name='colours')
