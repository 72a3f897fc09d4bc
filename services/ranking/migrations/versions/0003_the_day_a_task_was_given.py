"""the day a task was given: its targets due before then are not counted on time

A library imported in March holds targets due in January and February; they were
never the unit's to meet on time, so the on-time and reporting rates leave them
out. Tasks known before keep NULL: counted as before.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('created_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('created_on')
