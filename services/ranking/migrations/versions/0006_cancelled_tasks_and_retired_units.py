"""the day a task was cancelled and the day a unit retired

A cancelled task leaves the ranking's future: its targets due from that day on
are not counted. A retired unit leaves the rankings scored as of a day from its
retirement on. Rows known before keep NULL.

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('retired_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('units') as batch:
        batch.drop_column('retired_on')
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('cancelled_on')
