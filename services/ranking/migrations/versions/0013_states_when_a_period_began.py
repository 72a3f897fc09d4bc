"""the items yellow or red when a period began, kept once it has begun: a scoring
reads them instead of every item's history of the years

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    # Empty: the service keeps a period's states the first time it scores it.
    op.create_table(
        'start_states_taken',
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('through_id', BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint('start'),
    )
    op.create_table(
        'start_states',
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('item_kind', sa.String(length=16), nullable=False),
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('colour', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('start', 'item_kind', 'item_key'),
    )


def downgrade():
    op.drop_table('start_states')
    op.drop_table('start_states_taken')
